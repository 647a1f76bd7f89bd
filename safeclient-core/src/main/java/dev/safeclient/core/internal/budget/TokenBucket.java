package dev.safeclient.core.internal.budget;

import dev.safeclient.model.time.TimeSource;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A token bucket (bucket4j) counting in thousandths of a token, so that fractional rates such as
 * 0.5 QPS keep their meaning. Waits are reservations: the tokens are taken at once and the caller
 * sleeps until they would have been refilled, as Go's {@code rate.Limiter.Wait} does.
 */
final class TokenBucket {
  /** Fixed-point scale: a rate of 0.001 tokens/s is the smallest that survives rounding. */
  private static final long SCALE = 1000;

  /** bucket4j refills at most one (scaled) token per nanosecond: 1M tokens/s, i.e. unlimited. */
  private static final long MAX_REFILL_PER_SECOND = 1_000_000_000L;

  /**
   * Up to 10 % more than the reserved wait: enough to spread callers released by one refill over a
   * few milliseconds, too little to change a budget's rate noticeably.
   */
  static final double WAIT_JITTER = 0.1;

  private final String name;
  private final Bucket bucket;
  private final TimeSource clock;
  private final BlockingStrategy sleeper;
  private final long capacity;

  TokenBucket(String name, double perSecond, double capacity, TimeSource clock) {
    this.name = name;
    this.clock = clock;
    this.capacity = Math.max(1, Math.round(capacity * SCALE));
    long refillPerSecond =
        Math.max(1, Math.min(MAX_REFILL_PER_SECOND, Math.round(perSecond * SCALE)));
    this.bucket =
        Bucket.builder()
            .addLimit(
                Bandwidth.builder()
                    .capacity(this.capacity)
                    .refillGreedy(refillPerSecond, Duration.ofSeconds(1))
                    .build())
            .withCustomTimePrecision(
                new TimeMeter() {
                  @Override
                  public long currentTimeNanos() {
                    return clock.nanoTime();
                  }

                  @Override
                  public boolean isWallClockBased() {
                    return false;
                  }
                })
            .build();
    this.sleeper = nanos -> clock.sleep(Duration.ofNanos(nanos));
  }

  String name() {
    return name;
  }

  /** Waits without limit: for requests that must not be refused (see {@link #acquire}). */
  static final long NO_LIMIT = Long.MAX_VALUE;

  /**
   * Takes {@code tokens}, waiting for them at most {@code maxWaitNanos}. A request never takes more
   * than the bucket holds when full, so no request leaves a debt larger than one burst behind it.
   * The wait is lengthened by up to {@link #WAIT_JITTER} of itself, never past {@code
   * maxWaitNanos}.
   *
   * @param maxWaitNanos the longest wait; 0 or less takes only what is there now, {@link #NO_LIMIT}
   *     waits as long as it takes
   * @return nanoseconds waited, or -1 if the wait would exceed {@code maxWaitNanos} (nothing is
   *     taken)
   */
  long acquire(double tokens, long maxWaitNanos) throws InterruptedException {
    long scaled = Math.min(capacity, Math.max(1, Math.round(tokens * SCALE)));
    long now = clock.nanoTime();
    boolean admitted;
    if (maxWaitNanos <= 0) {
      admitted = bucket.tryConsume(scaled);
    } else if (maxWaitNanos == NO_LIMIT) {
      bucket.asBlocking().consume(scaled, jittered(NO_LIMIT));
      admitted = true;
    } else {
      admitted = bucket.asBlocking().tryConsume(scaled, maxWaitNanos, jittered(maxWaitNanos));
    }
    if (!admitted) {
      return -1;
    }
    return clock.nanoTime() - now;
  }

  /** Tokens in the bucket now, in tokens; negative while waiters hold reservations. */
  double available() {
    return bucket.getAvailableTokens() / (double) SCALE;
  }

  /**
   * Sleeps the reserved wait plus jitter. The reservation itself is exact: the jitter only moves
   * when this caller wakes, so callers queued behind one burst do not all wake in the same instant.
   */
  private BlockingStrategy jittered(long maxWaitNanos) {
    return nanos -> {
      long room = maxWaitNanos == NO_LIMIT ? Long.MAX_VALUE : maxWaitNanos - nanos;
      long bound = Math.min(room, (long) (nanos * WAIT_JITTER));
      long jitter = bound > 0 ? ThreadLocalRandom.current().nextLong(bound + 1) : 0;
      sleeper.park(nanos + jitter);
    };
  }
}
