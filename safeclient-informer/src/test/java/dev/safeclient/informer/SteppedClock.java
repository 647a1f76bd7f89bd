package dev.safeclient.informer;

import dev.safeclient.core.budget.PacingClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * One virtual timeline for the reflectors, their timers and the client's budgets (through {@link
 * #pacing()}): every sleep blocks until the test moves time, and the test moves it only to the next
 * wake-up once the threads it knows of are quiet (each asleep on this clock or parked where the
 * test says it is, e.g. in an open watch). Requests still go over real loopback sockets; only the
 * time between them is virtual.
 */
final class SteppedClock implements InformerClock {
  private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

  private record Task(long at, long seq, Runnable run, boolean[] cancelled) {}

  private final PriorityQueue<Task> timers =
      new PriorityQueue<>(
          (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private final Map<Thread, Long> sleepers = new HashMap<>();
  private long now;
  private long seq;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Instant instant() {
    return EPOCH.plusNanos(now);
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    synchronized (this) {
      if (duration.isNegative() || duration.isZero()) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        return;
      }
      long target = now + duration.toNanos();
      sleepers.put(Thread.currentThread(), target);
      notifyAll();
      try {
        while (now < target) {
          wait();
        }
      } finally {
        sleepers.remove(Thread.currentThread());
        notifyAll();
      }
    }
  }

  @Override
  public synchronized Timer schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    timers.add(new Task(now + Math.max(0, delay.toNanos()), seq++, task, cancelled));
    return () -> {
      synchronized (SteppedClock.this) {
        cancelled[0] = true;
      }
    };
  }

  /** The budgets' clock on this timeline: a budget wait is a sleep like any other. */
  PacingClock pacing() {
    return new PacingClock() {
      @Override
      public long nanoTime() {
        return SteppedClock.this.nanoTime();
      }

      @Override
      public void sleep(long nanos) throws InterruptedException {
        SteppedClock.this.sleep(Duration.ofNanos(nanos));
      }
    };
  }

  /** Threads asleep on this clock that time has not yet woken and nobody has interrupted. */
  synchronized int asleep() {
    int n = 0;
    for (Map.Entry<Thread, Long> e : sleepers.entrySet()) {
      if (e.getValue() > now && !e.getKey().isInterrupted()) {
        n++;
      }
    }
    return n;
  }

  /**
   * Waits (really, up to 60 s: a loaded machine's first step loads classes) until {@code asleep() +
   * parked.getAsInt() == threads}, seen twice in a row.
   */
  void awaitQuiet(int threads, IntSupplier parked) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int seen = 0;
    synchronized (this) {
      while (true) {
        int quiet = asleep() + parked.getAsInt();
        seen = quiet == threads ? seen + 1 : 0;
        if (seen == 2) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "not quiet at " + Duration.ofNanos(now) + ": " + quiet + " of " + threads);
        }
        // Sleepers notify; an answered watch does not, hence the short wait between looks.
        TimeUnit.MILLISECONDS.timedWait(this, 1);
      }
    }
  }

  /**
   * Moves time to the next sleeper's or timer's due time, but not past {@code limit}, running the
   * timers due on the way (on this thread). Returns the new time.
   */
  long advanceToNextWake(long limit) {
    long target;
    synchronized (this) {
      target = limit;
      for (long t : sleepers.values()) {
        if (t > now) {
          target = Math.min(target, t);
        }
      }
      for (Task t : timers) {
        if (!t.cancelled[0]) {
          target = Math.min(target, Math.max(t.at, now));
        }
      }
    }
    advanceTo(target);
    return nanoTime();
  }

  void advanceTo(long target) {
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
}
