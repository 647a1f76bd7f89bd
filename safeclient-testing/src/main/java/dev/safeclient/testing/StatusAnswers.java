package dev.safeclient.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * The Status bodies a real apiserver answers with: reason, message, details and headers as it sends
 * them.
 */
final class StatusAnswers {
  private StatusAnswers() {}

  static Answer notFound(ApiCall c) {
    JsonObject d = new JsonObject();
    d.addProperty("name", c.name);
    d.addProperty("kind", c.type.plural());
    if (!c.type.group().isEmpty()) {
      d.addProperty("group", c.type.group());
    }
    // errors.NewNotFound(qualifiedResource, name): "deployments.apps \"x\" not found".
    return status(404, "NotFound", c.type.resourceName() + " \"" + c.name + "\" not found", d);
  }

  static Answer conflict(ApiCall c) {
    JsonObject d = new JsonObject();
    d.addProperty("name", c.name);
    d.addProperty("kind", c.type.plural());
    return status(
        409,
        "Conflict",
        "Operation cannot be fulfilled on "
            + c.type.resourceName()
            + " \""
            + c.name
            + "\": the object has been modified; please apply your changes to the latest version and try again",
        d);
  }

  static Answer alreadyExists(ResourceType t, String name) {
    JsonObject d = new JsonObject();
    d.addProperty("name", name);
    d.addProperty("kind", t.plural());
    return status(409, "AlreadyExists", t.resourceName() + " \"" + name + "\" already exists", d);
  }

  static Answer expiredContinue(String afterKey) {
    // The fresh token continues an inconsistent list: encoded RV -1 (fact sheet, LIST table).
    JsonObject s =
        statusJson(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            null);
    s.getAsJsonObject("metadata").addProperty("continue", new ContinueToken(-1, afterKey).encode());
    return new Answer(410, s);
  }

  static Answer tooLargeResourceVersion(long requested, long current) {
    JsonObject d = new JsonObject();
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "ResourceVersionTooLarge");
    cause.addProperty("message", "Too large resource version");
    causes.add(cause);
    d.add("causes", causes);
    d.addProperty("retryAfterSeconds", 1);
    return status(
            504, "Timeout", "Too large resource version: " + requested + ", current: " + current, d)
        .header("Retry-After", "1");
  }

  static Answer cacheInitializing(SimulatedApiserver api, SimStats stats) {
    long retry = api.retryAfterWhileInitializing();
    stats.tooManyRequests("cache-initializing");
    JsonObject d = new JsonObject();
    d.addProperty("retryAfterSeconds", retry);
    return status(429, "TooManyRequests", "storage is (re)initializing", d)
        .header("Retry-After", Long.toString(retry));
  }

  static Answer tooManyRequests(int retryAfter, String why) {
    JsonObject d = new JsonObject();
    d.addProperty("retryAfterSeconds", retryAfter);
    return status(429, "TooManyRequests", "Too many requests, please try again later.", d)
        .header("Retry-After", Integer.toString(retryAfter));
  }

  static Answer status(int code, String reason, String message, JsonObject details) {
    return new Answer(code, statusJson(code, reason, message, details));
  }

  static JsonObject statusJson(int code, String reason, String message, JsonObject details) {
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
      s.add("details", details);
    }
    s.addProperty("code", code);
    return s;
  }
}
