package dev.safeclient.testing.fleet;

import dev.safeclient.model.time.TimeSource;
import java.time.Duration;

/**
 * A task run now and then every {@code period} of a {@link TimeSource}, at a fixed rate (the n-th
 * run is due at start + n × period, however late the previous one ran), on the source's timer.
 */
final class Ticks implements AutoCloseable {
  private final TimeSource clock;
  private final long periodNanos;
  private final Runnable task;
  private final long start;
  private long runs;
  private TimeSource.Timer next;
  private boolean closed;

  private Ticks(TimeSource clock, Duration period, Runnable task) {
    this.clock = clock;
    this.periodNanos = period.toNanos();
    this.task = task;
    this.start = clock.nanoTime();
  }

  /** Runs {@code task} at once and then every {@code period}; close to stop. */
  static Ticks every(TimeSource clock, Duration period, Runnable task) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive: " + period);
    }
    Ticks t = new Ticks(clock, period, task);
    t.schedule();
    return t;
  }

  private synchronized void schedule() {
    if (!closed) {
      long due = start + runs * periodNanos;
      next = clock.schedule(Duration.ofNanos(due - clock.nanoTime()), this::tick);
    }
  }

  private void tick() {
    try {
      task.run();
    } catch (Throwable e) { // one failed run must not end the ticks; the next run is due anyway
      System.getLogger(Ticks.class.getName())
          .log(System.Logger.Level.WARNING, "fleet tick failed; the next one runs", e);
    }
    synchronized (this) {
      runs++;
    }
    schedule();
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (next != null) {
      next.cancel();
    }
  }
}
