package dev.safeclient.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock tests move by hand: cache lag, event windows, continue-token expiry and fault windows
 * then happen exactly when the test says, with no sleeping.
 */
public final class SimClock extends Clock {
  private final AtomicLong millis;

  private SimClock(long startMillis) {
    this.millis = new AtomicLong(startMillis);
  }

  /** Starts at 2026-01-01T00:00:00Z. */
  public static SimClock manual() {
    return new SimClock(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
  }

  public void advance(Duration d) {
    millis.addAndGet(d.toMillis());
  }

  /** Moves to {@code epochMillis} unless the clock is already past it. */
  void advanceTo(long epochMillis) {
    millis.accumulateAndGet(epochMillis, Math::max);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
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
