package dev.safeclient.core.internal.json;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.UnsafeRequestException;
import dev.safeclient.core.internal.warning.WarningChannel;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.util.List;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * SC204: an update (PUT) of a type in which SC203 found unknown fields, with a body whose unknown
 * fields cannot be written back: a copy, an object built from scratch, or one from a cache that did
 * not decode through us. A PUT replaces the whole object, so the server would wipe those fields.
 * OBSERVE and ENFORCE warn and send; STRICT rejects before anything is sent. The safe forms are a
 * PATCH of the fields being changed, or server-side apply.
 *
 * <p>It lives where the request is built, not in the OkHttp pipeline: only there is the body still
 * the caller's object, whose identity tells a decoded object from a copy. It judges the body object
 * itself: a nested object the caller replaced in a decoded one carries only what it carries, as a
 * new container added to a pod carries nothing.
 */
final class UpdateLosesUnknownFieldsRule {
  static final String ID = "SC204";

  // A few names say what would be lost; the full list is in the SC203 warnings.
  private static final int MAX_NAMED_FIELDS = 3;

  private final TolerantJson json;
  private final WarningChannel warnings;
  private final SafetyMode mode;

  UpdateLosesUnknownFieldsRule(TolerantJson json, WarningChannel warnings, SafetyMode mode) {
    this.json = json;
    this.warnings = warnings;
    this.mode = mode;
  }

  void check(Object body, Request request) throws ApiException {
    if (body == null || !"PUT".equals(request.method())) {
      return;
    }
    if (body instanceof DynamicKubernetesObject dynamic
        && ClientJavaBinding.isNotWhole(dynamic.getRaw())
        && mode != SafetyMode.OBSERVE) {
      refuseNotWholeTree(body, request);
    }
    if (TolerantJson.decodedHere(body)) {
      return;
    }
    Set<String> unkept = json.unkeptFieldsWithin(body.getClass());
    if (!unkept.isEmpty() && mode != SafetyMode.OBSERVE) {
      refuseLossy(body, unkept, request);
    }
    Set<String> unknown = json.unknownFieldsWithin(body.getClass());
    if (unknown.isEmpty()) {
      return;
    }
    String message =
        "update (PUT) of a "
            + body.getClass().getSimpleName()
            + " that was not decoded by this client (a copy, a new object or one from another"
            + " cache): the server's fields unknown to client-java ("
            + String.join(", ", unknown.stream().sorted().limit(MAX_NAMED_FIELDS).toList())
            + (unknown.size() > MAX_NAMED_FIELDS ? ", ..." : "")
            + ") cannot be written back and would be wiped. Update the object you read, or use"
            + " PATCH or server-side apply.";
    if (mode == SafetyMode.STRICT) {
      reject(message, request);
    }
    if (warnings != null) {
      warnings.warn(ID, message, requestLine(request.url(), request.method()));
    }
  }

  /**
   * A PUT of a kind that SC103's Protobuf delivered without some fields (a list or watch; a single
   * GET is read again in JSON instead). Plain client-java would have read JSON and kept them, so in
   * ENFORCE, which switched the encoding, and in STRICT it is not sent.
   */
  private void refuseLossy(Object body, Set<String> unkept, Request request) throws ApiException {
    String message =
        "update (PUT) of a "
            + body.getClass().getSimpleName()
            + " not read whole: objects of this kind were read in Protobuf without "
            + String.join(
                ", ",
                unkept.stream()
                    .map(f -> f.replace("Protobuf field ", ""))
                    .sorted()
                    .limit(MAX_NAMED_FIELDS)
                    .toList())
            + (unkept.size() > MAX_NAMED_FIELDS ? ", ..." : "")
            + ", which client-java's models cannot hold, and the PUT would wipe them on the"
            + " server. Not sent. Instead: PATCH the fields being changed, use server-side apply,"
            + " update an object just read with a GET (read in JSON), or build the client with"
            + " protobuf(false).";
    reject(message, request);
  }

  /**
   * Refuses the PUT before anything is sent: warned (a rejection is logged and counted too, as
   * every warning is), then thrown as an {@link ApiException} whose cause is an {@code
   * UnsafeRequestException}, as a generated API's caller receives it.
   */
  private void reject(String message, Request request) throws ApiException {
    String requestLine = requestLine(request.url(), request.method());
    if (warnings != null) {
      warnings.warn(ID, "rejected: " + message, requestLine);
    }
    UnsafeRequestException rejected =
        new UnsafeRequestException(List.of(ID), ID + " " + message + " [" + requestLine + "]");
    throw new ApiException(rejected.getMessage(), rejected, 0, null);
  }

  /**
   * A PUT of a {@code DynamicKubernetesObject} whose tree SC103's Protobuf delivered without fields
   * no schema knows (an item of a list, which is never read again): it is sent as it is, so the
   * server would wipe them. Plain client-java would have read JSON and kept them: in ENFORCE and
   * STRICT it is not sent.
   */
  private void refuseNotWholeTree(Object body, Request request) throws ApiException {
    String message =
        "update (PUT) of a "
            + body.getClass().getSimpleName()
            + " not read whole: it was read in Protobuf with fields no schema of this client knows,"
            + " and the PUT would wipe them on the server. Not sent. Instead: PATCH the fields being"
            + " changed, use server-side apply, update an object just read with a GET (read in"
            + " JSON), or build the client with protobuf(false).";
    reject(message, request);
  }

  static String requestLine(HttpUrl url, String method) {
    String q = url.encodedQuery();
    return method + " " + url.encodedPath() + (q == null ? "" : "?" + q);
  }
}
