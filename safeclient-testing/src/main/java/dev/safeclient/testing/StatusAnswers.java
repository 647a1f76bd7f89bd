package dev.safeclient.testing;

import com.google.gson.JsonObject;
import dev.safeclient.apiserver.ContinueToken;
import dev.safeclient.apiserver.Status;

/**
 * KubeSim's Status answers: the protocol module's {@link Status} (reason, message, details and
 * headers as a real apiserver sends them) for KubeSim's calls and types.
 */
final class StatusAnswers {
  private StatusAnswers() {}

  static Answer notFound(ApiCall c) {
    return Answer.of(Status.notFound(c.type.group(), c.type.plural(), c.name));
  }

  static Answer conflict(ApiCall c) {
    return Answer.of(Status.conflict(c.type.group(), c.type.plural(), c.name));
  }

  static Answer alreadyExists(ResourceType t, String name) {
    return Answer.of(Status.alreadyExists(t.group(), t.plural(), name));
  }

  static Answer expiredContinue(String afterKey) {
    // The fresh token continues an inconsistent list: encoded RV -1 (fact sheet, LIST table).
    return Answer.of(
        Status.expiredContinue(ContinueToken.after(ContinueToken.INCONSISTENT, afterKey).encode()));
  }

  static Answer tooLargeResourceVersion(long requested, long current) {
    return Answer.of(Status.tooLargeResourceVersion(requested, current));
  }

  static Answer cacheInitializing(SimulatedApiserver api, SimStats stats) {
    long retry = api.retryAfterWhileInitializing();
    stats.tooManyRequests("cache-initializing");
    return Answer.of(Status.tooManyRequests("storage is (re)initializing", retry));
  }

  static Answer tooManyRequests(int retryAfter, String why) {
    return Answer.of(
        Status.tooManyRequests("Too many requests, please try again later.", retryAfter));
  }

  static Answer status(int code, String reason, String message, JsonObject details) {
    return Answer.of(Status.of(code, reason, message, details));
  }

  static JsonObject statusJson(int code, String reason, String message, JsonObject details) {
    return Status.of(code, reason, message, details).toJson();
  }
}
