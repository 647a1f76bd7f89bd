package dev.safeclient.core.internal.json;

import com.google.gson.JsonObject;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.warning.WarningChannel;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.openapi.ApiException;
import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * The JSON bodies of {@code SafeApiClient}: responses decode through {@link TolerantJson} (SC203),
 * model request bodies carry their unknown fields back, and updates of copies meet SC204. Bad input
 * (an empty body, JSON cut short, a proxy's HTML page) is an {@link ApiException} that says so,
 * never a null or an NPE later.
 */
public final class JsonBodyCodec {
  /** The rule an update of a copy meets: {@code SC204}. */
  public static final String UPDATE_RULE_ID = UpdateLosesUnknownFieldsRule.ID;

  // client-java's ApiClient.isJsonMime, so both paths agree on what is JSON.
  private static final Pattern JSON_MIME =
      Pattern.compile("(?i)^(application/json|[^;/ \t]+/[^;/ \t]+[+]json)[ \t]*(;.*)?$");

  // Enough of a proxy's error page to recognise it; the rest of a large page adds nothing.
  private static final int MAX_NON_JSON_BODY = 4096;

  private final TolerantJson json;
  private final UpdateLosesUnknownFieldsRule updateRule;

  /**
   * @param updateMode the mode in force for SC204
   */
  public JsonBodyCodec(TolerantJson json, WarningChannel warnings, SafetyMode updateMode) {
    this.json = json;
    this.updateRule = new UpdateLosesUnknownFieldsRule(json, warnings, updateMode);
    // Now, not at the first tree returned: a DynamicKubernetesApi built after this keeps a Gson
    // that has the binding, and the install does not race with one being built mid-call.
    ClientJavaBinding.install();
  }

  public TolerantJson tolerantJson() {
    return json;
  }

  /** Whether {@link #decode} handles this return type; raw bytes, files and text are not ours. */
  public boolean decodes(Type returnType) {
    return returnType != null
        && returnType != String.class
        && returnType != byte[].class
        && returnType != File.class;
  }

  public <T> T decode(Response response, Type returnType) throws ApiException {
    int code = response.code();
    String what = TolerantJson.typeName(returnType);
    try (ResponseBody body = response.body()) {
      String contentType = response.header("Content-Type");
      if (contentType != null && !isJsonMime(contentType)) {
        throw new ApiException(
            "expected JSON for "
                + what
                + " but the response (HTTP "
                + code
                + ") is "
                + contentType
                + (contentType.toLowerCase(java.util.Locale.ROOT).startsWith("text/html")
                    ? ": likely an error page from a proxy or load balancer in front of the API"
                        + " server"
                    : ""),
            code,
            headers(response),
            head(body.source()));
      }
      T value;
      try (Reader reader = body.charStream()) {
        value = json.decodeBody(reader, returnType, () -> requestLine(response.request()));
      }
      if (value == null) {
        throw new ApiException(
            "the response (HTTP " + code + ") is JSON null where " + what + " was expected",
            code,
            headers(response),
            null);
      }
      ExpectedKind.check(
          returnType, value, requestLine(response.request()), code, headers(response));
      return value;
    } catch (EmptyJsonException e) {
      throw new ApiException(
          "the response (HTTP " + code + ") has an empty body where " + what + " was expected",
          e,
          code,
          headers(response));
    } catch (IOException e) {
      // Never the body itself in the message: it can hold Secret data.
      throw new ApiException(
          "cannot read " + what + " from the response (HTTP " + code + "): " + e.getMessage(),
          e,
          code,
          headers(response));
    }
  }

  /**
   * A JSON tree about to be returned to the caller: it stays whole, every field the server sent in
   * it, for callers that read the tree ({@code DynamicKubernetesApi}, a raw {@code JsonObject}). If
   * client-java then binds it into {@code model} with its own strict Gson ({@code
   * GenericKubernetesApi}), the fields {@code model} lacks are left out of that binding and kept
   * for the object it makes (SC203 warns once, as for any kept field).
   *
   * @param model the client-java model of the tree's kind (of a list kind, for a list)
   */
  public void returnedToCaller(JsonObject tree, Class<?> model, String requestLine) {
    ClientJavaBinding.returned(tree, new ClientJavaBinding.Returned(this, model, requestLine));
  }

  /**
   * A tree a decoder returns without some fields the server sent: an object client-java binds from
   * it is not recorded as whole, so SC204 holds back a PUT of it as of any copy of a lossy kind.
   */
  public static void notWhole(JsonObject tree) {
    ClientJavaBinding.notWhole(tree);
    // A list's items are handed out one by one (a Dynamic list's objects are its item trees).
    if (tree.get("items") instanceof com.google.gson.JsonArray items) {
      for (com.google.gson.JsonElement item : items) {
        if (item instanceof JsonObject itemTree) {
          ClientJavaBinding.notWhole(itemTree);
        }
      }
    }
  }

  /**
   * Client-java bound a returned tree into {@code bound}, leaving out {@code kept}: they go into
   * the side table of that very object and of the objects nested in it, as if it had been decoded
   * here, so that a PUT of it writes them back; SC204 sees it as decoded here, not a copy.
   *
   * @param whole false if the tree lacked fields the server sent; then nothing is recorded
   */
  void bound(
      Object bound,
      KeptFieldOverlay kept,
      KeptFieldOverlay.Findings findings,
      String requestLine,
      boolean whole) {
    if (!findings.names.isEmpty()) {
      json.reportKeptFields(findings.within, findings.names, requestLine);
    }
    if (!whole || bound == null) {
      return;
    }
    if (kept != null) {
      kept.adopt(bound);
    }
    TolerantJson.recordDecoded(bound);
    if (bound instanceof KubernetesListObject list && list.getItems() != null) {
      list.getItems().forEach(TolerantJson::recordDecoded);
    }
  }

  /** Whether {@link #encode} handles this body: a generated model sent as JSON. */
  public boolean encodes(Object body, String contentType) {
    return body != null
        && contentType != null
        && isJsonMime(contentType)
        && ModelType.of(body.getClass()) != null;
  }

  /** As client-java's serialize, plus the unknown fields kept for each decoded object in it. */
  public RequestBody encode(Object body, String contentType) {
    return RequestBody.create(json.encode(body), MediaType.parse(contentType));
  }

  /**
   * SC204, for a request built with {@code body}: warns, or in STRICT throws an {@link
   * ApiException} whose cause is an {@code UnsafeRequestException}, before anything is sent.
   */
  public void checkUpdate(Object body, Request request) throws ApiException {
    updateRule.check(body, request);
  }

  static boolean isJsonMime(String mime) {
    return "*/*".equals(mime) || JSON_MIME.matcher(mime).matches();
  }

  private static Map<String, List<String>> headers(Response response) {
    return response.headers().toMultimap();
  }

  private static String requestLine(Request request) {
    return UpdateLosesUnknownFieldsRule.requestLine(request.url(), request.method());
  }

  private static String head(BufferedSource source) throws IOException {
    source.request(MAX_NON_JSON_BODY);
    long n = Math.min(source.getBuffer().size(), MAX_NON_JSON_BODY);
    return source.getBuffer().readString(n, StandardCharsets.UTF_8);
  }
}
