package dev.safeclient.core.budget;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The time source of every client-side wait: the token buckets, the Retry-After memory, the retry
 * backoff and the breaker's open interval. Injectable so that tests drive time instead of sleeping
 * ({@code SafeClient.Builder#pacingClock}).
 */
public interface PacingClock {
  /** Monotonic nanoseconds, like {@link System#nanoTime()}. */
  long nanoTime();

  /** Waits {@code nanos}; a virtual clock advances its time instead. */
  void sleep(long nanos) throws InterruptedException;

  PacingClock SYSTEM =
      new PacingClock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
          long deadline = System.nanoTime() + nanos;
          for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
              throw new InterruptedException();
            }
          }
        }

        @Override
        public String toString() {
          return "PacingClock.SYSTEM";
        }
      };

  /** This clock as a {@link java.time.Clock}, for libraries that take one (resilience4j). */
  default Clock asJavaClock() {
    PacingClock self = this;
    long originNanos = nanoTime();
    Instant origin = Instant.now();
    return new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return origin.plusNanos(self.nanoTime() - originNanos);
      }

      @Override
      public long millis() {
        return TimeUnit.NANOSECONDS.toMillis(self.nanoTime() - originNanos) + origin.toEpochMilli();
      }
    };
  }
}
