package dev.safeclient.informer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * Virtual time for informer tests. Time moves only when a test calls {@link #advance} or when a
 * thread sleeps and the wake-up lies within the auto-advance horizon: then the sleep returns at
 * once and time jumps (running the timers due on the way). A sleep past the horizon blocks until
 * the test advances time or the thread is interrupted. No test waits for real.
 */
final class VirtualClock implements InformerClock {
  private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

  private record Task(long at, long seq, Runnable run, boolean[] cancelled) {}

  private final PriorityQueue<Task> timers =
      new PriorityQueue<>(
          (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private final List<Duration> sleeps = new ArrayList<>();
  private long now;
  private long horizon;
  private long seq;
  private int blockedSleepers;

  /** Sleeps ending within {@code horizon} from time zero return at once. */
  VirtualClock(Duration horizon) {
    this.horizon = horizon.toNanos();
  }

  /** Manual time: every sleep blocks until the test advances. */
  static VirtualClock manual() {
    return new VirtualClock(Duration.ZERO);
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Instant instant() {
    return EPOCH.plusNanos(now);
  }

  synchronized Duration elapsed() {
    return Duration.ofNanos(now);
  }

  synchronized List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }

  synchronized void horizon(Duration fromZero) {
    horizon = fromZero.toNanos();
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    long target;
    synchronized (this) {
      sleeps.add(duration);
      target = now + duration.toNanos();
      if (target > horizon) {
        blockedSleepers++;
        notifyAll();
        try {
          while (now < target) {
            wait();
          }
        } finally {
          blockedSleepers--;
        }
        return;
      }
    }
    advanceTo(target);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  @Override
  public synchronized Timer schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    timers.add(new Task(now + Math.max(0, delay.toNanos()), seq++, task, cancelled));
    return () -> {
      synchronized (VirtualClock.this) {
        cancelled[0] = true;
      }
    };
  }

  void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    advanceTo(target);
  }

  private void advanceTo(long target) {
    while (true) {
      Task due;
      synchronized (this) {
        due = timers.peek();
        if (due == null || due.at > target) {
          now = Math.max(now, target);
          notifyAll();
          return;
        }
        timers.poll();
        now = Math.max(now, due.at);
        notifyAll();
        if (due.cancelled[0]) {
          continue;
        }
      }
      due.run.run();
    }
  }

  /** Waits (really, up to 10 s) until {@code n} threads block in a sleep past the horizon. */
  synchronized void awaitBlockedSleepers(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (blockedSleepers < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " blocked sleepers, have " + blockedSleepers);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  synchronized int pendingTimers() {
    return (int) timers.stream().filter(t -> !t.cancelled[0]).count();
  }
}
