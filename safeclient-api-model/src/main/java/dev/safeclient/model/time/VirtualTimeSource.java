package dev.safeclient.model.time;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Time that moves only when a test (or a simulation) moves it: the one virtual {@link TimeSource}
 * for every module's tests, drills and KubeSim. No test sleeps for real. Three ways to move it:
 *
 * <ul>
 *   <li><b>Stepping:</b> {@link #advance} and {@link #advanceTo} move time and run the timers due
 *       on the way, on the calling thread, waking the sleepers whose time has come.
 *   <li><b>Auto-advancing sleeps:</b> a sleep that ends within the auto-advance horizon ({@link
 *       #autoAdvancing()}, {@link #autoAdvanceFor}) moves time itself and returns at once. A sleep
 *       past the horizon blocks until time is moved past its end, or the thread is interrupted.
 *   <li><b>Quiescence:</b> with threads whose I/O runs on real sockets, time must move only when
 *       they are all idle. {@link #runAll} runs tasks as participants: time jumps to the earliest
 *       wake-up once every participant is asleep, so work between sleeps takes no virtual time,
 *       however long it takes on a loaded machine. A test driving threads it does not own uses
 *       {@link #awaitQuiet} and then {@link #advanceToNextWake}.
 * </ul>
 *
 * <p>{@link #nanoTime()} starts at 10^12 (not 0, which code under test may read as "never") and
 * {@link #instant()} at 2026-01-01T00:00:00Z.
 */
public final class VirtualTimeSource implements TimeSource {
  private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
  private static final long ORIGIN = 1_000_000_000_000L;

  private record Task(long at, long seq, Runnable run, boolean[] cancelled) {}

  private final PriorityQueue<Task> timers =
      new PriorityQueue<>(
          (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));

  /** Threads blocked in {@link #sleep}, with the time each wakes at. */
  private final Map<Thread, Long> sleepers = new HashMap<>();

  /** Every sleep asked for, in order, for tests that check a backoff's schedule. */
  private final List<Duration> sleeps = new ArrayList<>();

  /** {@link #runAll}'s threads: time moves for them once they are all asleep. */
  private final Set<Thread> participants = new HashSet<>();

  private long now = ORIGIN;

  /** Sleeps ending at or before this time return at once, moving time. */
  private long horizon;

  private long seq;

  private VirtualTimeSource(long horizon) {
    this.horizon = horizon;
  }

  /** Every sleep blocks until time is moved past its end. */
  public static VirtualTimeSource manual() {
    return new VirtualTimeSource(ORIGIN);
  }

  /** Every sleep moves time to its end and returns at once. */
  public static VirtualTimeSource autoAdvancing() {
    return new VirtualTimeSource(Long.MAX_VALUE);
  }

  /** Sleeps ending within {@code fromStart} of the start return at once; later ones block. */
  public static VirtualTimeSource autoAdvancingFor(Duration fromStart) {
    return new VirtualTimeSource(ORIGIN + fromStart.toNanos());
  }

  /** Moves the auto-advance horizon to {@code fromStart} after the start. */
  public synchronized void autoAdvanceFor(Duration fromStart) {
    horizon = ORIGIN + fromStart.toNanos();
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Instant instant() {
    return EPOCH.plusNanos(now - ORIGIN);
  }

  /** Virtual time since the start. */
  public synchronized Duration elapsed() {
    return Duration.ofNanos(now - ORIGIN);
  }

  /** Virtual time since {@code startNanos} (a {@link #nanoTime()} reading). */
  public synchronized Duration since(long startNanos) {
    return Duration.ofNanos(now - startNanos);
  }

  /** Every sleep asked for so far, in order. */
  public synchronized List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    long target;
    Thread me = Thread.currentThread();
    synchronized (this) {
      sleeps.add(duration);
      if (duration.isNegative() || duration.isZero()) {
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        return;
      }
      target = saturatedAdd(now, duration.toNanos());
      if (!participants.contains(me) && target <= horizon) {
        target = -target; // auto-advance, outside the lock
      }
    }
    if (target < 0) {
      advanceTo(-target);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      return;
    }
    block(me, target);
  }

  private void block(Thread me, long target) throws InterruptedException {
    synchronized (this) {
      sleepers.put(me, target);
      notifyAll();
    }
    try {
      while (true) {
        long next;
        synchronized (this) {
          if (now >= target) {
            return;
          }
          next = participantsAsleep() ? nextWake(Long.MAX_VALUE) : -1;
          if (next < 0) {
            wait();
            continue;
          }
        }
        advanceTo(next);
      }
    } finally {
      synchronized (this) {
        sleepers.remove(me);
        notifyAll();
      }
    }
  }

  @Override
  public synchronized Timer schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    timers.add(new Task(saturatedAdd(now, Math.max(0, delay.toNanos())), seq++, task, cancelled));
    return () -> {
      synchronized (VirtualTimeSource.this) {
        cancelled[0] = true;
      }
    };
  }

  /** Moves time ahead by {@code d}, running the timers due on the way. */
  public void advance(Duration d) {
    long target;
    synchronized (this) {
      target = saturatedAdd(now, d.toNanos());
    }
    advanceTo(target);
  }

  /** Moves time to {@code instant} unless it is already past it. */
  public void advanceTo(Instant instant) {
    long target;
    synchronized (this) {
      target = ORIGIN + Duration.between(EPOCH, instant).toNanos();
    }
    advanceTo(target);
  }

  /**
   * Moves time to {@code nanoTime} unless it is already past it, running the timers due on the way
   * on this thread (each at its own due time) and waking the sleepers whose time has come.
   */
  public void advanceTo(long nanoTime) {
    while (true) {
      Task due;
      synchronized (this) {
        due = timers.peek();
        if (due == null || due.at > nanoTime) {
          now = Math.max(now, nanoTime);
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

  /**
   * Moves time to the next sleeper's or timer's due time, but not past {@code limit} (a {@link
   * #nanoTime()} reading), running the timers due on the way. Returns the new time.
   */
  public long advanceToNextWake(long limit) {
    long target;
    synchronized (this) {
      target = nextWake(limit);
    }
    advanceTo(target);
    return nanoTime();
  }

  /**
   * The earliest wake-up of a sleeper or live timer, capped at {@code limit}. Caller holds this.
   */
  private long nextWake(long limit) {
    long target = limit;
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
    return target;
  }

  /** Threads asleep on this source that time has not yet woken and nobody has interrupted. */
  public synchronized int asleep() {
    int n = 0;
    for (Map.Entry<Thread, Long> e : sleepers.entrySet()) {
      if (e.getValue() > now && !e.getKey().isInterrupted()) {
        n++;
      }
    }
    return n;
  }

  /** Caller holds this. */
  private boolean participantsAsleep() {
    if (participants.isEmpty()) {
      return false;
    }
    for (Thread p : participants) {
      Long wake = sleepers.get(p);
      if (wake == null || wake <= now) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waits (really, up to 60 s: a loaded machine's first step loads classes) until {@code asleep() +
   * parked.getAsInt() == threads}, seen twice in a row: every thread the test knows of is asleep on
   * this source or parked where the test says it is (e.g. in an open watch).
   */
  public void awaitQuiet(int threads, IntSupplier parked) throws InterruptedException {
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
          throw new AssertionError("not quiet at " + elapsed() + ": " + quiet + " of " + threads);
        }
        // Sleepers notify; an answered watch does not, hence the short wait between looks.
        TimeUnit.MILLISECONDS.timedWait(this, 1);
      }
    }
  }

  /** Waits (really, up to 10 s) until {@code n} threads are blocked in a sleep. */
  public synchronized void awaitBlockedSleepers(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (sleepers.size() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " blocked sleepers, have " + sleepers.size());
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Timers scheduled and neither run nor cancelled. */
  public synchronized int pendingTimers() {
    return (int) timers.stream().filter(t -> !t.cancelled[0]).count();
  }

  /**
   * Runs {@code tasks} on their own threads as participants, and returns their results: a
   * discrete-event simulation in which time jumps to the earliest wake-up only when every
   * participant still running is asleep.
   */
  public <T> List<T> runAll(List<Callable<T>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    CountDownLatch joined = new CountDownLatch(tasks.size());
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> task : tasks) {
        futures.add(
            pool.submit(
                () -> {
                  Thread me = Thread.currentThread();
                  synchronized (this) {
                    participants.add(me);
                  }
                  joined.countDown();
                  go.await();
                  try {
                    return task.call();
                  } finally {
                    leave(me);
                  }
                }));
      }
      joined.await();
      go.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /** A participant is done: the others, if all asleep, must not wait for it. */
  private void leave(Thread me) {
    long next;
    synchronized (this) {
      participants.remove(me);
      next = participantsAsleep() ? nextWake(Long.MAX_VALUE) : -1;
    }
    if (next >= 0) {
      advanceTo(next);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  @Override
  public String toString() {
    return "VirtualTimeSource at +" + elapsed();
  }
}
