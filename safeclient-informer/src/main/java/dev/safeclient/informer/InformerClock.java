package dev.safeclient.informer;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Where informers read time, wait and set timers: the backoff, the start jitter, the watchdog and
 * resync all go through it, so tests and drills can run them on virtual time and never sleep for
 * real.
 */
public interface InformerClock {
  /** Monotonic nanoseconds, for durations. */
  long nanoTime();

  /** Wall time, for reporting (last sync time). */
  Instant instant();

  /** Waits; throws when the waiting thread is interrupted (which is how an informer stops). */
  void sleep(Duration duration) throws InterruptedException;

  /** Runs {@code task} once after {@code delay}, on a timer thread. */
  Timer schedule(Duration delay, Runnable task);

  /** Releases the timer thread, if any. A later {@link #schedule} starts a new one. */
  default void close() {}

  /** A timer that can be cancelled. */
  interface Timer {
    void cancel();
  }

  /** Real time; timers on one daemon thread, released by {@link #close()}. */
  static InformerClock system() {
    return new SystemClock();
  }

  /** Real time, with one timer thread started on first use. */
  final class SystemClock implements InformerClock {
    static final String TIMER_THREAD = "safeclient-informer-timer";
    private ScheduledExecutorService timers;

    private SystemClock() {}

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public Instant instant() {
      return Instant.now();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
      if (!duration.isNegative() && !duration.isZero()) {
        TimeUnit.NANOSECONDS.sleep(duration.toNanos());
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
      ScheduledFuture<?> f =
          timers.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    }

    @Override
    public synchronized void close() {
      if (timers != null) {
        timers.shutdownNow();
        try {
          timers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        timers = null;
      }
    }
  }
}
