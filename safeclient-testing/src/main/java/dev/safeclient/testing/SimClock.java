package dev.safeclient.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * KubeSim's clock, in one of three modes:
 *
 * <ul>
 *   <li>{@link #real()}: wall time;
 *   <li>{@link #scaled(double)}: wall time sped up (or slowed down) by a factor, for rehearsals
 *       whose simulated minutes last seconds;
 *   <li>{@link #virtual()} (also {@link #manual()}): time moves only when a test advances it, or
 *       when KubeSim advances it itself: to the earliest deadline once every request in flight is
 *       blocked on the clock, and past the modelled service time of answered requests once none is
 *       in flight (see ClockWaits). Cache lag, event windows, continue-token expiry, fault windows,
 *       the 3 s freshness wait and APF seat holding then happen exactly when the model says, with
 *       no sleeping.
 * </ul>
 *
 * <p>Every mode can be moved ahead with {@link #advance(Duration)}. Only KubeSim's own model time
 * runs on this clock. Socket and OkHttp timeouts (connect, read, write, call), Jetty's idle
 * timeout, watch {@code timeoutSeconds}, the bookmark ticker and the LATENCY fault stay on real
 * time: a 10 s OkHttp read timeout is 10 real seconds in every mode.
 */
public final class SimClock extends Clock {
  private static final Instant VIRTUAL_START = Instant.parse("2026-01-01T00:00:00Z");

  private final boolean virtual;
  private final double scale;
  private final long startMillis;
  private final long startNanos;

  /** Virtual: the time itself. Real and scaled: the sum of {@link #advance} calls. */
  private final AtomicLong millis;

  private SimClock(boolean virtual, double scale, long startMillis) {
    this.virtual = virtual;
    this.scale = scale;
    this.startMillis = startMillis;
    this.startNanos = System.nanoTime();
    this.millis = new AtomicLong(virtual ? startMillis : 0);
  }

  /** A virtual clock starting at 2026-01-01T00:00:00Z. */
  public static SimClock virtual() {
    return new SimClock(true, 0, VIRTUAL_START.toEpochMilli());
  }

  /** The same as {@link #virtual()}: tests move it by hand. */
  public static SimClock manual() {
    return virtual();
  }

  /** Wall time, starting now. */
  public static SimClock real() {
    return scaled(1);
  }

  /**
   * Wall time × {@code factor}, starting now: at 20, one simulated minute lasts 3 real seconds, and
   * a 3 s freshness wait lasts 150 ms.
   */
  public static SimClock scaled(double factor) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("scale must be positive: " + factor);
    }
    return new SimClock(false, factor, System.currentTimeMillis());
  }

  /** Whether time moves only when advanced (by a test or by KubeSim's waits). */
  public boolean isVirtual() {
    return virtual;
  }

  /** Simulated seconds per real second: 0 for a virtual clock. */
  public double scale() {
    return scale;
  }

  public void advance(Duration d) {
    millis.addAndGet(d.toMillis());
  }

  /** Moves a virtual clock to {@code epochMillis} unless it is already past it. */
  void advanceTo(long epochMillis) {
    if (virtual) {
      millis.accumulateAndGet(epochMillis, Math::max);
    }
  }

  @Override
  public long millis() {
    if (virtual) {
      return millis.get();
    }
    long elapsedNanos = System.nanoTime() - startNanos;
    return startMillis + (long) (elapsedNanos / 1_000_000.0 * scale) + millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
