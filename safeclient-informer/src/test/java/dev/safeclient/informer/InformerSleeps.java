package dev.safeclient.informer;

import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The informer's view of a {@link VirtualTimeSource} that its client shares: the same timeline,
 * with the informer's own sleeps (start jitter, backoff) told apart from the pipeline's (budgets,
 * Retry-After memory, retries), which run on the same thread. Tests that pin the reflector's
 * schedule assert on these.
 */
final class InformerSleeps implements TimeSource {
  private final VirtualTimeSource timeline;
  private final List<Duration> sleeps = new ArrayList<>();
  private int sleeping;

  InformerSleeps(VirtualTimeSource timeline) {
    this.timeline = timeline;
  }

  @Override
  public long nanoTime() {
    return timeline.nanoTime();
  }

  @Override
  public Instant instant() {
    return timeline.instant();
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    synchronized (this) {
      sleeps.add(duration);
      sleeping++;
      notifyAll();
    }
    try {
      timeline.sleep(duration);
    } finally {
      synchronized (this) {
        sleeping--;
        notifyAll();
      }
    }
  }

  @Override
  public Timer schedule(Duration delay, Runnable task) {
    return timeline.schedule(delay, task);
  }

  /** Every sleep the informer asked for, in order. */
  synchronized List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }

  /**
   * Waits (really, up to 10 s) until the informer's thread is blocked in a sleep of its own, moving
   * the timeline past every blocked wait of the pipeline's on the way (a manual timeline does not
   * move alone).
   */
  void awaitInformerAsleep() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      // Read before the informer's count: a sleep of the informer's is counted before it blocks.
      int blocked = timeline.asleep();
      boolean informerSleeping;
      synchronized (this) {
        informerSleeping = sleeping > 0;
      }
      if (blocked > 0 && informerSleeping) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the informer never blocked in a sleep of its own");
      }
      if (blocked > 0) {
        // A blocked wait of the pipeline's, on the informer's thread: let it pass.
        timeline.advanceToNextWake(Long.MAX_VALUE);
      } else {
        synchronized (this) {
          TimeUnit.MILLISECONDS.timedWait(this, 1);
        }
      }
    }
  }
}
