package dev.safeclient.model.time;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Real time, or real time sped up by a factor ({@link TimeSource#scaled}). Timers run on one daemon
 * thread started on first use.
 */
final class SystemTimeSource implements TimeSource {
  static final String TIMER_THREAD = "safeclient-timer";

  private final double scale;
  private final long startNanos;
  private final Instant start;
  private ScheduledExecutorService timers;

  SystemTimeSource(double scale) {
    this.scale = scale;
    this.startNanos = System.nanoTime();
    this.start = Instant.now();
  }

  /** Simulated seconds per real second: 1 for real time. */
  double scale() {
    return scale;
  }

  @Override
  public boolean isSystem() {
    return scale == 1;
  }

  @Override
  public long nanoTime() {
    long now = System.nanoTime();
    return scale == 1 ? now : startNanos + (long) ((now - startNanos) * scale);
  }

  @Override
  public Instant instant() {
    if (scale == 1) {
      return Instant.now();
    }
    return start.plusNanos(nanoTime() - startNanos);
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    long nanos = real(duration);
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } else if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  @Override
  public synchronized Timer schedule(Duration delay, Runnable task) {
    if (timers == null) {
      ScheduledThreadPoolExecutor executor =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, TIMER_THREAD);
                t.setDaemon(true);
                return t;
              });
      // A cancelled watchdog must not sit in the queue until its deadline.
      executor.setRemoveOnCancelPolicy(true);
      timers = executor;
    }
    ScheduledFuture<?> f = timers.schedule(task, Math.max(0, real(delay)), TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  private long real(Duration d) {
    long nanos = d.toNanos();
    return scale == 1 ? nanos : (long) (nanos / scale);
  }

  @Override
  public void close() {
    ScheduledExecutorService executor;
    synchronized (this) {
      executor = timers;
      timers = null;
    }
    if (executor != null) {
      // Outside the lock: a timer task that schedules its next run must not wait on it.
      executor.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return scale == 1 ? "TimeSource.system()" : "TimeSource.scaled(" + scale + ")";
  }
}
