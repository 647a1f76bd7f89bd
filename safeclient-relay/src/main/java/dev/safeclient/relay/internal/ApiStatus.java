package dev.safeclient.relay.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A Status answer as the apiserver writes it, with its HTTP code and headers. Thrown by the read
 * path and written by the HTTP layer; inside a watch stream it becomes an ERROR event.
 */
final class ApiStatus extends RuntimeException {
  final int code;
  final JsonObject body;
  final Map<String, String> headers;

  private ApiStatus(int code, JsonObject body, Map<String, String> headers) {
    super(body.has("message") ? body.get("message").getAsString() : "", null, false, false);
    this.code = code;
    this.body = body;
    this.headers = headers;
  }

  byte[] bytes() {
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  static ApiStatus of(int code, String reason, String message, JsonObject details) {
    return of(code, reason, message, details, Map.of());
  }

  static ApiStatus of(
      int code, String reason, String message, JsonObject details, Map<String, String> headers) {
    JsonObject s = new JsonObject();
    s.addProperty("kind", "Status");
    s.addProperty("apiVersion", "v1");
    s.add("metadata", new JsonObject());
    s.addProperty("status", "Failure");
    s.addProperty("message", message);
    s.addProperty("reason", reason);
    if (details != null) {
      s.add("details", details);
    }
    s.addProperty("code", code);
    return new ApiStatus(code, s, headers);
  }

  static ApiStatus badRequest(String message) {
    return of(400, "BadRequest", message, null);
  }

  static ApiStatus notFound() {
    return of(404, "NotFound", "the server could not find the requested resource", null);
  }

  static ApiStatus objectNotFound(String plural, String group, String name) {
    JsonObject d = new JsonObject();
    d.addProperty("name", name);
    if (!group.isEmpty()) {
      d.addProperty("group", group);
    }
    d.addProperty("kind", plural);
    String resource = group.isEmpty() ? plural : plural + "." + group;
    return of(404, "NotFound", resource + " \"" + name + "\" not found", d);
  }

  static ApiStatus methodNotAllowed(String method) {
    return of(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        null,
        Map.of());
  }

  /** An RV older than what is retained (the cacher's {@code errors.NewResourceExpired}). */
  static ApiStatus expired(long requested, long oldest) {
    return of(410, "Expired", "too old resource version: " + requested + " (" + oldest + ")", null);
  }

  /** A continue token whose snapshot is gone (the apiserver's message for etcd's compaction). */
  static ApiStatus expiredContinue() {
    return of(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can"
            + " start a new list without the continue parameter, or use the continue token in this"
            + " response to retrieve the remainder of the results. Continuing with the provided"
            + " token results in an inconsistent list - objects that were created, modified, or"
            + " deleted between the time the first chunk was returned and now may show up in the"
            + " list.",
        null);
  }

  /** The cacher's answer after waiting {@code blockTimeout} for an RV ahead of it. */
  static ApiStatus tooLargeResourceVersion(long requested, long current) {
    JsonObject d = new JsonObject();
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "ResourceVersionTooLarge");
    cause.addProperty("message", "Too large resource version");
    causes.add(cause);
    d.add("causes", causes);
    d.addProperty("retryAfterSeconds", 1);
    return of(
        504,
        "Timeout",
        "Timeout: Too large resource version: " + requested + ", current: " + current,
        d,
        Map.of("Retry-After", "1"));
  }

  /**
   * The cache has no state yet: 429 as a 1.31+ apiserver whose watch cache is initialising, never
   * an empty list. One second: a relay syncs in about one upstream list's time.
   */
  static ApiStatus notReady() {
    JsonObject d = new JsonObject();
    d.addProperty("retryAfterSeconds", 1);
    return of(
        429, "TooManyRequests", "storage is (re)initializing", d, Map.of("Retry-After", "1"));
  }

  /** A consistent read could not learn the API server's current RV: never answered stale. */
  static ApiStatus upstreamUnavailable() {
    JsonObject d = new JsonObject();
    d.addProperty("retryAfterSeconds", 1);
    return of(
        503,
        "ServiceUnavailable",
        "the relay could not reach the API server for a consistent read; read with a"
            + " resourceVersion to be served from the relay's cache",
        d,
        Map.of("Retry-After", "1"));
  }

  static ApiStatus internal(String message) {
    return of(500, "InternalError", message, null);
  }
}
