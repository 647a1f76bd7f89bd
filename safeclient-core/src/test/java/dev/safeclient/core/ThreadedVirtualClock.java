package dev.safeclient.core;

import dev.safeclient.core.budget.PacingClock;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Virtual time for several threads at once, as a discrete-event simulation: a participant's sleep
 * blocks until virtual time reaches its end, and time jumps to the earliest end only when every
 * participant is asleep. Work between sleeps (an HTTP exchange with MockWebServer) takes no virtual
 * time, however long it takes on the wall clock, so what a test counts per virtual second does not
 * depend on the machine's load. A thread that is not a participant never waits: its sleep returns
 * at once without moving time.
 */
public final class ThreadedVirtualClock implements PacingClock {
  private final Object lock = new Object();
  private long now = 1_000_000_000_000L;
  private int participants;
  private final PriorityQueue<Long> sleepers = new PriorityQueue<>();
  private final ThreadLocal<Boolean> participating = ThreadLocal.withInitial(() -> false);

  @Override
  public long nanoTime() {
    synchronized (lock) {
      return now;
    }
  }

  @Override
  public void sleep(long nanos) throws InterruptedException {
    if (nanos <= 0 || !participating.get()) {
      return;
    }
    synchronized (lock) {
      Long end = now + nanos;
      sleepers.add(end);
      try {
        advanceIfAllAsleep();
        while (now < end) {
          lock.wait();
        }
      } finally {
        sleepers.remove(end);
      }
    }
  }

  /** Runs {@code tasks} on their own threads as participants, and returns their results. */
  public <T> List<T> runAll(List<Callable<T>> tasks) throws Exception {
    synchronized (lock) {
      participants += tasks.size();
    }
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> task : tasks) {
        futures.add(
            pool.submit(
                () -> {
                  participating.set(true);
                  try {
                    return task.call();
                  } finally {
                    synchronized (lock) {
                      participants--;
                      advanceIfAllAsleep();
                    }
                  }
                }));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Moves time to the earliest sleeper's end once no participant is running or due to run. */
  private void advanceIfAllAsleep() {
    Long earliest = sleepers.peek();
    if (earliest == null || sleepers.size() < participants || earliest <= now) {
      return;
    }
    now = earliest;
    lock.notifyAll();
  }
}
