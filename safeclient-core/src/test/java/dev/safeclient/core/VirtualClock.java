package dev.safeclient.core;

import dev.safeclient.core.budget.PacingClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Virtual time for tests: sleeping advances the clock at once, so timing is exact and instant. */
public final class VirtualClock implements PacingClock {
  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

  @Override
  public long nanoTime() {
    return now.get();
  }

  @Override
  public void sleep(long nanos) {
    if (nanos > 0) {
      now.addAndGet(nanos);
    }
  }

  public void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  /** Virtual time since {@code startNanos}. */
  public Duration since(long startNanos) {
    return Duration.ofNanos(now.get() - startNanos);
  }
}
