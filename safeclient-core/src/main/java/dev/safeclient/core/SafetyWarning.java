package dev.safeclient.core;

import java.util.Objects;

/**
 * One warning raised by a rule. {@link #request()} is the request line (method, path and query) and
 * never carries headers or bodies.
 */
public final class SafetyWarning {
  private final String ruleId;
  private final String message;
  private final String request;
  private final String callSite;
  private final long suppressedSinceLast;

  public SafetyWarning(
      String ruleId, String message, String request, String callSite, long suppressedSinceLast) {
    this.ruleId = Objects.requireNonNull(ruleId, "ruleId");
    this.message = Objects.requireNonNull(message, "message");
    this.request = request == null ? "" : request;
    this.callSite = callSite == null ? "unknown" : callSite;
    this.suppressedSinceLast = suppressedSinceLast;
  }

  /** The stable rule id, such as {@code SC101}, the same in logs, metrics, docs and exceptions. */
  public String ruleId() {
    return ruleId;
  }

  public String message() {
    return message;
  }

  /** Method, path and query of the request that fired the rule; never headers. */
  public String request() {
    return request;
  }

  /**
   * The first stack frame outside safeclient, client-java and OkHttp, as {@code
   * Class.method(File:line)}.
   */
  public String callSite() {
    return callSite;
  }

  /**
   * How many warnings of the same rule and call site were suppressed by the rate limit since the
   * last one.
   */
  public long suppressedSinceLast() {
    return suppressedSinceLast;
  }

  @Override
  public String toString() {
    return ruleId + " " + message + " [" + request + "] at " + callSite;
  }
}
