package dev.safeclient.core.budget;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;

/**
 * A token bucket (bucket4j) counting in thousandths of a token, so that fractional rates such as
 * 0.5 QPS keep their meaning. Waits are reservations: the tokens are taken at once and the caller
 * sleeps until they would have been refilled, as Go's {@code rate.Limiter.Wait} does.
 */
final class TokenBucket {
  /** Fixed-point scale: a rate of 0.001 tokens/s is the smallest that survives rounding. */
  private static final long SCALE = 1000;

  private final String name;
  private final Bucket bucket;
  private final PacingClock clock;
  private final BlockingStrategy sleeper;
  private final long capacity;

  TokenBucket(String name, double perSecond, double capacity, PacingClock clock) {
    this.name = name;
    this.clock = clock;
    this.capacity = Math.max(1, Math.round(capacity * SCALE));
    long refillPerSecond = Math.max(1, Math.round(perSecond * SCALE));
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
    this.sleeper = clock::sleep;
  }

  String name() {
    return name;
  }

  /**
   * Takes {@code tokens}, waiting for them at most {@code maxWait}. Tokens beyond the bucket's
   * capacity are taken as debt after the wait, so an expensive request is admitted as soon as a
   * full bucket is available and the next one pays for it.
   *
   * @return nanoseconds waited, or -1 if the wait would exceed {@code maxWait} (nothing is taken)
   */
  long acquire(double tokens, Duration maxWait) throws InterruptedException {
    long scaled = Math.max(1, Math.round(tokens * SCALE));
    long now = clock.nanoTime();
    long first = Math.min(scaled, capacity);
    boolean admitted =
        maxWait.isZero() || maxWait.isNegative()
            ? bucket.tryConsume(first)
            : bucket.asBlocking().tryConsume(first, maxWait, sleeper);
    if (!admitted) {
      return -1;
    }
    if (scaled > first) {
      bucket.consumeIgnoringRateLimits(scaled - first);
    }
    return clock.nanoTime() - now;
  }

  /** Takes {@code tokens} without waiting, going into debt if needed. */
  void charge(double tokens) {
    bucket.consumeIgnoringRateLimits(Math.max(1, Math.round(tokens * SCALE)));
  }
}
