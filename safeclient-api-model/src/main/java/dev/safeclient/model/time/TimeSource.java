package dev.safeclient.model.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Where the client, its informers and KubeSim read time, wait and set timers, as client-go injects
 * its {@code clock.Clock}: the budgets, retries, Retry-After memory, breaker and call deadline, the
 * warnings' rate limits, the informer's backoff, jitter, watchdog and resync, and KubeSim's model
 * time. One object gives a test one timeline from the reflector down to the token bucket.
 *
 * <p>{@link #system()} is real time; {@link #scaled(double)} is real time sped up, for rehearsals;
 * {@link VirtualTimeSource} is time a test moves. Socket and OkHttp timeouts (connect, read, write,
 * call) are not on this clock: they are real time in every mode, since the bytes really travel.
 *
 * <p>Caffeine takes it as a {@code Ticker} through {@code source::nanoTime}; libraries that take a
 * {@link java.time.Clock} (resilience4j) get {@link #asJavaClock()}.
 */
public interface TimeSource {
  /** Monotonic nanoseconds, for durations, like {@link System#nanoTime()}. */
  long nanoTime();

  /** Wall time, for what is reported or compared with a server's timestamps. */
  Instant instant();

  /**
   * Waits {@code duration}. A non-positive duration returns at once. Throws when the waiting thread
   * is interrupted, before or during the wait (which is how callers stop a waiting loop).
   */
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Runs {@code task} once after {@code delay}, on a timer thread (a virtual source: on the thread
   * that moves time past it).
   */
  Timer schedule(Duration delay, Runnable task);

  /**
   * Whether this is real time, {@link #system()}: every such source reads the same time, so what is
   * kept per timeline (an outage summary, a recovery wave) is shared by all of them.
   */
  default boolean isSystem() {
    return false;
  }

  /** Releases the timer thread, if any. A later {@link #schedule} starts a new one. */
  default void close() {}

  /** A timer that can be cancelled. */
  interface Timer {
    /** Cancels the task unless it has started. */
    void cancel();
  }

  /** This source as a {@link java.time.Clock} in UTC, reading {@link #instant()}. */
  default Clock asJavaClock() {
    TimeSource self = this;
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return self.instant();
      }
    };
  }

  /**
   * Real time; timers on one daemon thread, started on first use and released by {@link #close()}.
   */
  static TimeSource system() {
    return new SystemTimeSource(1);
  }

  /**
   * Real time × {@code factor}, starting now: at 20, one simulated minute lasts 3 real seconds, a 3
   * s wait lasts 150 ms, and a sleep of 1 s lasts 50 ms.
   */
  static TimeSource scaled(double factor) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("scale must be positive: " + factor);
    }
    return new SystemTimeSource(factor);
  }
}
