package dev.safeclient.core.internal.retry;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Exponential backoff with full jitter: attempt n waits a uniform draw from [0, min(cap, initial ×
 * 2^n)). Full jitter spreads a fleet that failed at the same instant over the whole window.
 */
final class Backoff {
  /** client-go's rest client: first retry after about 100 ms. */
  static final long INITIAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** Never more than 10 s between attempts: a longer wait is the server's to ask for. */
  static final long CAP_NANOS = TimeUnit.SECONDS.toNanos(10);

  private Backoff() {}

  /**
   * @param retry 0 for the first retry
   */
  static long delayNanos(int retry) {
    long ceiling = INITIAL_NANOS << Math.min(retry, 20);
    ceiling = Math.min(CAP_NANOS, ceiling);
    return ThreadLocalRandom.current().nextLong(ceiling);
  }
}
