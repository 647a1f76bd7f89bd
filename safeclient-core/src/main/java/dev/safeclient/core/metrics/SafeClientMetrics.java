package dev.safeclient.core.metrics;

import java.util.function.DoubleSupplier;

/**
 * What the pipeline and the informers report. Core has no hard dependency on Micrometer: this small
 * interface is bound to a {@code MeterRegistry} where Micrometer is present. Every method has a
 * no-op default so that implementations stay small.
 */
public interface SafeClientMetrics {
  SafeClientMetrics NOOP = new SafeClientMetrics() {};

  /**
   * A client was built: {@code known} holds the tag values it can report before any request, so
   * that an implementation may create those meters at zero.
   */
  default void clientBuilt(KnownTags known) {}

  /** A request finished with an HTTP status ({@code code}), or 0 on an I/O failure. */
  default void requestCompleted(String verb, String resource, int code, long nanos) {}

  /** A retry is about to be sent; {@code reason} such as {@code 429}, {@code never-sent}. */
  default void retry(String reason) {}

  /** A request waited for the client-side budget (token bucket, list cost, in-flight slot). */
  default void throttleWait(String budget, long nanos) {}

  /** APF seats this client estimates a LIST will be charged. */
  default void listCost(String resource, int seats) {}

  /**
   * SC101/SC102 decided what to send for a plain consistent LIST: {@code outcome} is {@code
   * rewritten}, {@code paged} or {@code passed-through}; {@code reason} says why, such as {@code
   * server serves consistent lists from cache}.
   */
  default void listDecision(String outcome, String reason) {}

  /**
   * A request SC101 or SC102 added (SC101's probe, a page after SC102's first) failed, and the
   * caller's own request was sent instead: {@code step} is {@code probe} or {@code page}, {@code
   * cause} the HTTP status or the exception's simple name.
   */
  default void listRewriteFallback(String step, String cause) {}

  /** A warning rule fired (counted even when the log line was rate-limited). */
  default void warning(String ruleId) {}

  /** A breaker changed state; {@code state} is the resilience4j state name. */
  default void breakerState(String key, String state) {}

  /** Registers a gauge of one informer, such as {@code synced} or {@code staleness.seconds}. */
  default void informerGauge(String informer, String name, DoubleSupplier value) {}

  /**
   * An informer relisted; {@code reason} such as {@code expired}, {@code error}, {@code initial}.
   */
  default void informerRelist(String informer, String reason) {}

  /**
   * A thread an informer owns caught a throwable that was not the server's doing; {@code where} is
   * {@code reflector} (an {@code Error}: out of memory, stack overflow) or {@code handler}.
   */
  default void informerLocalFailure(String informer, String where) {}
}
