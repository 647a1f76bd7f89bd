package dev.safeclient.testing;

import java.time.Duration;
import java.util.Objects;

/** A failure KubeSim injects, placed in time by a {@link FaultRule}. */
public final class Fault {
  /** What goes wrong. */
  public enum Kind {
    /** The answer is delayed (APF seats stay held meanwhile). */
    LATENCY,
    /** 500 InternalError. */
    INTERNAL_ERROR,
    /** Writes answer 500 ServerTimeout with Retry-After; the write may or may not happen. */
    SERVER_TIMEOUT,
    /** 429 TooManyRequests with Retry-After. */
    TOO_MANY_REQUESTS,
    /** Open watch connections break (no final chunk); new ones break at once. */
    DROP_WATCHES,
    /** A watch answers 200 and ends with no event at all. */
    EMPTY_WATCH,
    /**
     * A watch answers 200, then its only event is an ERROR with a 410 Expired Status, as the watch
     * cache sends when the requested resourceVersion has left its event window.
     */
    EXPIRED_WATCH,
    /** A LIST continuation answers 410 Expired with an inconsistent-continue token. */
    EXPIRED_CONTINUE,
    /** Half-open: the request is never answered; a watch stays open and says nothing. */
    SILENT,
    /** Connection refused: the listener is closed for the rule's time window. */
    OUTAGE,
    /** Any error status with a Status body (401, 403, 503, ...). */
    STATUS,
    /** The request is served normally, with a {@code Warning: 299 - "..."} header. */
    WARNING
  }

  private final Kind kind;
  private final Duration latency;
  private final int retryAfterSeconds;
  private final boolean writeApplied;
  private final int code;
  private final String text;

  private Fault(Kind kind, Duration latency, int retryAfterSeconds, boolean writeApplied) {
    this(kind, latency, retryAfterSeconds, writeApplied, 0, "");
  }

  private Fault(
      Kind kind,
      Duration latency,
      int retryAfterSeconds,
      boolean writeApplied,
      int code,
      String text) {
    this.kind = kind;
    this.latency = latency;
    this.retryAfterSeconds = retryAfterSeconds;
    this.writeApplied = writeApplied;
    this.code = code;
    this.text = text;
  }

  /**
   * An error answer: {@code status(401, "Unauthorized")}, {@code status(503,
   * "ServiceUnavailable")}.
   */
  public static Fault status(int code, String reason) {
    if (code < 400 || code > 599) {
      throw new IllegalArgumentException("status(" + code + ")");
    }
    return new Fault(Kind.STATUS, Duration.ZERO, 0, false, code, Objects.requireNonNull(reason));
  }

  /** Serves the request normally and adds {@code Warning: 299 - "<text>"}, as for deprecations. */
  public static Fault warning(String text) {
    return new Fault(Kind.WARNING, Duration.ZERO, 0, false, 0, Objects.requireNonNull(text));
  }

  public static Fault latency(Duration delay) {
    return new Fault(Kind.LATENCY, Objects.requireNonNull(delay), 0, false);
  }

  public static Fault internalError() {
    return new Fault(Kind.INTERNAL_ERROR, Duration.ZERO, 0, false);
  }

  /**
   * A write answered with 500 ServerTimeout and {@code Retry-After}; with {@code writeApplied} the
   * write is committed first (K8S-API-FACTS: "The write may or may not have happened").
   */
  public static Fault serverTimeout(int retryAfterSeconds, boolean writeApplied) {
    return new Fault(Kind.SERVER_TIMEOUT, Duration.ZERO, retryAfterSeconds, writeApplied);
  }

  public static Fault tooManyRequests(int retryAfterSeconds) {
    return new Fault(Kind.TOO_MANY_REQUESTS, Duration.ZERO, retryAfterSeconds, false);
  }

  public static Fault dropWatches() {
    return new Fault(Kind.DROP_WATCHES, Duration.ZERO, 0, false);
  }

  public static Fault emptyWatch() {
    return new Fault(Kind.EMPTY_WATCH, Duration.ZERO, 0, false);
  }

  public static Fault expiredWatch() {
    return new Fault(Kind.EXPIRED_WATCH, Duration.ZERO, 0, false);
  }

  public static Fault expiredContinue() {
    return new Fault(Kind.EXPIRED_CONTINUE, Duration.ZERO, 0, false);
  }

  public static Fault silent() {
    return new Fault(Kind.SILENT, Duration.ZERO, 0, false);
  }

  /** Connection refused. Only meaningful in a time window ({@link FaultRule#during}). */
  public static Fault outage() {
    return new Fault(Kind.OUTAGE, Duration.ZERO, 0, false);
  }

  public Kind kind() {
    return kind;
  }

  Duration latencyValue() {
    return latency;
  }

  int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  boolean writeApplied() {
    return writeApplied;
  }

  int code() {
    return code;
  }

  String text() {
    return text;
  }

  @Override
  public String toString() {
    switch (kind) {
      case LATENCY:
        return "LATENCY(" + latency.toMillis() + "ms)";
      case SERVER_TIMEOUT:
        return "SERVER_TIMEOUT("
            + retryAfterSeconds
            + "s,"
            + (writeApplied ? "applied" : "not applied")
            + ")";
      case TOO_MANY_REQUESTS:
        return "TOO_MANY_REQUESTS(" + retryAfterSeconds + "s)";
      case STATUS:
        return "STATUS(" + code + " " + text + ")";
      case WARNING:
        return "WARNING(" + text + ")";
      default:
        return kind.name();
    }
  }
}
