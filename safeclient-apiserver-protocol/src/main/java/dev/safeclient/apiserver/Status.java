package dev.safeclient.apiserver;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code metav1.Status} answer as the apiserver sends it: HTTP code, body (reason, message,
 * details, as apimachinery's {@code errors.New*} functions fill them) and the headers that go with
 * it ({@code Retry-After}). Immutable; the factories are the apiserver's error constructors.
 */
public final class Status {
  /**
   * The {@code Retry-After} of a 504 ResourceVersionTooLarge: the cacher's {@code
   * NewTooLargeResourceVersionError} always asks for one second.
   */
  private static final int TOO_LARGE_RETRY_SECONDS = 1;

  private final int code;
  private final JsonObject body;
  private final Map<String, String> headers;

  private Status(int code, JsonObject body, Map<String, String> headers) {
    this.code = code;
    this.body = body;
    this.headers = Collections.unmodifiableMap(headers);
  }

  /** A Status of any code, reason and message; {@code details} may be null. */
  public static Status of(int code, String reason, String message, JsonObject details) {
    JsonObject s = new JsonObject();
    s.addProperty("kind", "Status");
    s.addProperty("apiVersion", "v1");
    s.add("metadata", new JsonObject());
    s.addProperty("status", code < 400 ? "Success" : "Failure");
    if (message != null) {
      s.addProperty("message", message);
    }
    if (reason != null) {
      s.addProperty("reason", reason);
    }
    if (details != null) {
      s.add("details", details.deepCopy());
    }
    s.addProperty("code", code);
    return new Status(code, s, new LinkedHashMap<>());
  }

  /** This Status with one more header. */
  public Status withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Status(code, body, h);
  }

  /** This Status with {@code metadata.continue} set (a 410 that offers an inconsistent list). */
  public Status withContinue(String continueToken) {
    JsonObject b = body.deepCopy();
    b.getAsJsonObject("metadata").addProperty("continue", continueToken);
    return new Status(code, b, new LinkedHashMap<>(headers));
  }

  /** errors.NewNotFound: {@code pods "x" not found}, {@code deployments.apps "x" not found}. */
  public static Status notFound(String group, String resource, String name) {
    return of(
        404,
        "NotFound",
        qualified(group, resource) + " \"" + name + "\" not found",
        details(group, resource, name));
  }

  /**
   * errors.NewConflict with the optimistic-concurrency cause: a write whose resourceVersion is not
   * the stored one.
   */
  public static Status conflict(String group, String resource, String name) {
    return of(
        409,
        "Conflict",
        "Operation cannot be fulfilled on "
            + qualified(group, resource)
            + " \""
            + name
            + "\": the object has been modified; please apply your changes to the latest version"
            + " and try again",
        details(group, resource, name));
  }

  /** errors.NewAlreadyExists: {@code configmaps "x" already exists}. */
  public static Status alreadyExists(String group, String resource, String name) {
    return of(
        409,
        "AlreadyExists",
        qualified(group, resource) + " \"" + name + "\" already exists",
        details(group, resource, name));
  }

  private static JsonObject details(String group, String resource, String name) {
    JsonObject d = new JsonObject();
    d.addProperty("name", name);
    if (!group.isEmpty()) {
      d.addProperty("group", group);
    }
    d.addProperty("kind", resource);
    return d;
  }

  /**
   * The 404 of a path that names no resource the server serves: go-restful's, answered with
   * NewGenericServerResponse, whose details are there and empty ({@code "details":{}}).
   */
  public static Status resourceNotFound() {
    return of(
        404, "NotFound", "the server could not find the requested resource", new JsonObject());
  }

  /** errors.NewBadRequest. */
  public static Status badRequest(String message) {
    return of(400, "BadRequest", message, null);
  }

  /**
   * errors.NewInvalid for a list or watch's query: 422 with the field errors as causes, the message
   * {@code ListOptions.meta.k8s.io "" is invalid: <errors>}.
   */
  public static Status invalidListOptions(java.util.List<FieldError> errors) {
    JsonObject d = new JsonObject();
    d.addProperty("group", "meta.k8s.io");
    d.addProperty("kind", "ListOptions");
    JsonArray causes = new JsonArray();
    StringBuilder all = new StringBuilder();
    for (FieldError e : errors) {
      JsonObject c = new JsonObject();
      c.addProperty("reason", e.causeType());
      c.addProperty("message", e.detailMessage());
      c.addProperty("field", e.field());
      causes.add(c);
      if (all.length() > 0) {
        all.append(", ");
      }
      all.append(e);
    }
    d.add("causes", causes);
    // ToAggregate: one error is shown bare, several in brackets.
    String list = errors.size() == 1 ? all.toString() : "[" + all + "]";
    return of(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: " + list, d);
  }

  /** One {@code field.Error}: a field path, its cause type and detail. */
  public record FieldError(String field, String causeType, String typeLabel, String detail) {
    /** field.Forbidden. */
    public static FieldError forbidden(String field, String detail) {
      return new FieldError(field, "FieldValueForbidden", "Forbidden", detail);
    }

    /** field.NotSupported: the value and the values that are. */
    public static FieldError notSupported(
        String field, String value, java.util.List<String> valid) {
      StringBuilder d = new StringBuilder("supported values: ");
      for (int i = 0; i < valid.size(); i++) {
        d.append(i == 0 ? "" : ", ").append('"').append(valid.get(i)).append('"');
      }
      return new FieldError(
          field, "FieldValueNotSupported", "Unsupported value: \"" + value + "\"", d.toString());
    }

    /** The cause's message: {@code Forbidden: <detail>}. */
    public String detailMessage() {
      return typeLabel + ": " + detail;
    }

    /** field.Error.Error(): {@code <field>: <type>: <detail>}. */
    @Override
    public String toString() {
      return field + ": " + detailMessage();
    }
  }

  /** 405: the method has no verb on this path. */
  public static Status methodNotAllowed() {
    return of(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        null);
  }

  /** 406: no encoding the Accept header allows is served. */
  public static Status notAcceptable() {
    return of(
        406,
        "NotAcceptable",
        "only the following media types are accepted: application/json, application/yaml,"
            + " application/vnd.kubernetes.protobuf",
        null);
  }

  /** 410 Expired of a list at a compacted resourceVersion. */
  public static Status expiredList() {
    return of(410, "Expired", "The resourceVersion for the provided list is too old.", null);
  }

  /**
   * 410 Expired of a continue token whose snapshot is gone, offering {@code freshToken} (an
   * inconsistent continuation, RV -1) in its metadata, as etcd3's store does.
   */
  public static Status expiredContinue(String freshToken) {
    return of(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You"
                + " can start a new list without the continue parameter, or use the continue token"
                + " in this response to retrieve the remainder of the results. Continuing with the"
                + " provided token results in an inconsistent list - objects that were created,"
                + " modified, or deleted between the time the first chunk was returned and now may"
                + " show up in the list.",
            null)
        .withContinue(freshToken);
  }

  /** The 410 a watch gets (as an ERROR event) when its resourceVersion left the event window. */
  public static Status tooOldResourceVersion(long requested, long oldestKept) {
    return of(
        410, "Expired", "too old resource version: " + requested + " (" + oldestKept + ")", null);
  }

  /**
   * 504 with cause ResourceVersionTooLarge and {@code Retry-After: 1}: a read at a resourceVersion
   * the cache has not reached within its wait (storage.NewTooLargeResourceVersionError).
   */
  public static Status tooLargeResourceVersion(long requested, long current) {
    JsonObject d = new JsonObject();
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "ResourceVersionTooLarge");
    cause.addProperty("message", "Too large resource version");
    causes.add(cause);
    d.add("causes", causes);
    d.addProperty("retryAfterSeconds", TOO_LARGE_RETRY_SECONDS);
    return of(
            504, "Timeout", "Too large resource version: " + requested + ", current: " + current, d)
        .withHeader("Retry-After", Integer.toString(TOO_LARGE_RETRY_SECONDS));
  }

  /** 429 TooManyRequests with {@code Retry-After} (errors.NewTooManyRequests). */
  public static Status tooManyRequests(String message, long retryAfterSeconds) {
    JsonObject d = new JsonObject();
    d.addProperty("retryAfterSeconds", retryAfterSeconds);
    return of(429, "TooManyRequests", message, d)
        .withHeader("Retry-After", Long.toString(retryAfterSeconds));
  }

  /** 503 ServiceUnavailable. */
  public static Status serviceUnavailable(String message) {
    return of(503, "ServiceUnavailable", message, null);
  }

  /** 500 InternalError (errors.NewInternalError). */
  public static Status internalError(String message) {
    JsonObject d = new JsonObject();
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("message", message);
    causes.add(cause);
    d.add("causes", causes);
    return of(500, "InternalError", "Internal error occurred: " + message, d);
  }

  /** 401 of a request without valid credentials (the authentication filter's answer). */
  public static Status unauthorized() {
    return of(401, "Unauthorized", "Unauthorized", null);
  }

  /**
   * 403 Forbidden as the authorization filter writes it (responsewriters.Forbidden): {@code pods
   * "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"},
   * or for a non-resource request {@code forbidden: User "u" cannot get path "/x"}, then {@code :
   * reason} if the authorizer gave one. The message has {@code & < >} escaped, as its sanitizer.
   */
  public static Status forbidden(RequestInfo request, String user, String reason) {
    String why;
    if (!request.isResourceRequest()) {
      why =
          "User \"" + user + "\" cannot " + request.verbName() + " path " + quoted(request.path());
    } else {
      String resource =
          request.subresource().isEmpty()
              ? request.resource()
              : request.resource() + "/" + request.subresource();
      String scope =
          request.namespace().isEmpty()
              ? "at the cluster scope"
              : "in the namespace " + quoted(request.namespace());
      why =
          "User "
              + quoted(user)
              + " cannot "
              + request.verbName()
              + " resource "
              + quoted(resource)
              + " in API group "
              + quoted(request.apiGroup())
              + " "
              + scope;
    }
    why = why.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    if (reason != null && !reason.isEmpty()) {
      why = why + ": " + reason;
    }
    if (!request.isResourceRequest()) {
      return of(403, "Forbidden", "forbidden: " + why, new JsonObject());
    }
    String gr = qualified(request.apiGroup(), request.resource());
    String message =
        request.name().isEmpty()
            ? gr + " is forbidden: " + why
            : gr + " " + quoted(request.name()) + " is forbidden: " + why;
    JsonObject d = new JsonObject();
    if (!request.name().isEmpty()) {
      d.addProperty("name", request.name());
    }
    if (!request.apiGroup().isEmpty()) {
      d.addProperty("group", request.apiGroup());
    }
    d.addProperty("kind", request.resource());
    return of(403, "Forbidden", message, d);
  }

  /**
   * Go's {@code %q} of a string: what the authorization filter's message quotes, a name or path
   * from the request, which may now hold any character once decoded.
   */
  private static String quoted(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (c == '"' || c == '\\') {
        b.append('\\').appendCodePoint(c);
      } else if (c == '\n') {
        b.append("\\n");
      } else if (c == '\t') {
        b.append("\\t");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", c));
      } else {
        b.appendCodePoint(c);
      }
    }
    return b.append('"').toString();
  }

  private static String qualified(String group, String resource) {
    return group.isEmpty() ? resource : resource + "." + group;
  }

  /** The HTTP status code. */
  public int code() {
    return code;
  }

  /** The {@code reason} field, or null. */
  public String reason() {
    return body.has("reason") ? body.get("reason").getAsString() : null;
  }

  /** The {@code message} field, or null. */
  public String message() {
    return body.has("message") ? body.get("message").getAsString() : null;
  }

  /** The headers to send with the body ({@code Retry-After}), in order. */
  public Map<String, String> headers() {
    return headers;
  }

  /** A copy of the body. */
  public JsonObject toJson() {
    return body.deepCopy();
  }

  /** The body as the apiserver's JSON encoder writes it. */
  public byte[] toJsonBytes() {
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return code + " " + body;
  }
}
