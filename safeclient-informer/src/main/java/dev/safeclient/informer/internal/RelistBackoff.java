package dev.safeclient.informer.internal;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The delay between failed list/watch attempts of one reflector: client-go's reflector backoff
 * (exponential, jittered, reset after a healthy spell). While the server stays sick the delay
 * settles in [30, 60) s: about 0.02 requests per second per informer, some 98% less than a fixed 1
 * s retry, and spread so that a fleet does not retry in step.
 */
public final class RelistBackoff {
  /** client-go's initial delay: long enough to let a blip pass, short enough to go unnoticed. */
  public static final Duration INITIAL = Duration.ofMillis(800);

  /** Doubling reaches the cap after six failures (~50 s of trying). */
  static final double FACTOR = 2.0;

  /** client-go's cap; with jitter the steady delay lands in [30, 60) s. */
  static final Duration CAP = Duration.ofSeconds(30);

  /**
   * Two minutes without a failure counts as healthy again, so the next failure starts from {@link
   * #INITIAL}; shorter would let a flapping server keep every client at a fast retry.
   */
  static final Duration RESET_AFTER = Duration.ofMinutes(2);

  /**
   * A Retry-After longer than this is taken as this: a bad header must not park an informer for
   * hours. APF answers with at most ~32 s, a (re)initialising watch cache with 1-30 s.
   */
  static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(2);

  private final RandomGenerator random;
  private long currentNanos = INITIAL.toNanos();
  private long lastStepNanos = INITIAL.toNanos();
  private long lastFailureNanos;
  private boolean failedBefore;
  // After an Error, only a healthy spell (healthy()) lets the delay start again from INITIAL.
  private boolean errorHeld;

  RelistBackoff(RandomGenerator random) {
    this.random = random;
  }

  /**
   * The delay before the next attempt, after a failure at {@code nowNanos}: the current step d,
   * jittered into [d, 2d) (client-go's jitter factor 1.0), then the step doubles up to {@link
   * #CAP}.
   */
  synchronized Duration next(long nowNanos) {
    if (!errorHeld && failedBefore && nowNanos - lastFailureNanos >= RESET_AFTER.toNanos()) {
      currentNanos = INITIAL.toNanos();
    }
    failedBefore = true;
    lastFailureNanos = nowNanos;
    long d = currentNanos;
    lastStepNanos = d;
    currentNanos = Math.min((long) (currentNanos * FACTOR), CAP.toNanos());
    return Duration.ofNanos(d + (long) (random.nextDouble() * d));
  }

  /**
   * As {@link #next}, after an {@code Error} of this process (out of memory): the delay goes on
   * growing however long the failed attempt took, until {@link #healthy}. A relist that runs out of
   * memory after minutes would otherwise look like a healthy spell and restart at 0.8 s.
   */
  synchronized Duration nextAfterError(long nowNanos) {
    errorHeld = true;
    return next(nowNanos);
  }

  /**
   * The step d of the last delay drawn (the delay itself lies in [d, 2d)): the soonest client-go's
   * schedule could have retried.
   */
  synchronized Duration lastStep() {
    return Duration.ofNanos(lastStepNanos);
  }

  /** The reflector kept a watch open for {@link #RESET_AFTER}: Errors no longer hold the delay. */
  synchronized void healthy() {
    errorHeld = false;
  }

  /** As {@link #next}, but never shorter than the server's Retry-After (429, or 5xx with it). */
  synchronized Duration next(long nowNanos, Duration retryAfter) {
    Duration backoff = next(nowNanos);
    if (retryAfter == null) {
      return backoff;
    }
    Duration bounded = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
    return bounded.compareTo(backoff) > 0 ? bounded : backoff;
  }
}
