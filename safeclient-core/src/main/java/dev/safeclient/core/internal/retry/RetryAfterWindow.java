package dev.safeclient.core.internal.retry;

import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One remembered {@code Retry-After} window: what the server said was busy, until when, and how the
 * callers held by it are let go.
 *
 * <ul>
 *   <li>A window holds the other callers of its key only once the server is refusing, not on one
 *       sporadic rejection: a state the server announced (a resource's storage initialising, an
 *       aggregated API unavailable) holds from the first answer; a load shedding answer (APF, the
 *       max-in-flight filter) from the second refusal in a row. APF rejects a few requests of a
 *       level near its limit while admitting the rest; client-go then waits with the rejected
 *       request only, and a whole level paused on each of them loses most of its throughput.
 *   <li>At its end one waiting caller goes first, after a jitter of at most a tenth of the window.
 *       If it is answered, the window is over and the other waiters leave spread over another tenth
 *       of it; if it is refused again, the window starts over. So a client sends about one request
 *       per window while the server keeps refusing, and does not stampede when it stops.
 * </ul>
 */
final class RetryAfterWindow {
  /** Load shedding holds the key from this many refusals in a row. */
  static final int REFUSALS_BEFORE_HOLDING = 2;

  /** The first caller's jitter and the others' spread, as a fraction of the window. */
  static final int JITTER_DIVISOR = 10;

  /** Retry-After has whole seconds, but a window of 0 s must still spread its waiters a little. */
  static final long MIN_SPREAD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** The first caller let go at the end of a window. */
  record Passage(RetryAfterWindow window, long generation) {
    /** The caller's request was answered without a new refusal for this window. */
    void answered() {
      window.answered(this);
    }

    /** The caller's request failed without an answer: another waiter may go first. */
    void abandoned() {
      window.abandoned(this);
    }
  }

  private long endNanos;
  private long lengthNanos;
  private int refusalsInARow;
  private boolean holding;
  private boolean firstOut;

  /** When the first caller left: if it takes longer than a window, the others stop waiting. */
  private long firstOutAtNanos;

  private long generation;

  /**
   * A refusal for this window's key, asking to wait until {@code endNanos}.
   *
   * @param announcedState the server said a state (not load) is why: hold from the first refusal
   */
  synchronized void refused(long nowNanos, long endNanos, boolean announcedState) {
    refusalsInARow++;
    generation++;
    firstOut = false;
    if (endNanos > this.endNanos) {
      this.endNanos = endNanos;
    }
    lengthNanos = Math.max(0, endNanos - nowNanos);
    if (announcedState || refusalsInARow >= REFUSALS_BEFORE_HOLDING) {
      holding = true;
    }
  }

  /** An answer for this window's key that was not a refusal. */
  synchronized void succeeded() {
    refusalsInARow = 0;
  }

  /** Whether the window holds callers now (for metrics and tests). */
  synchronized boolean holding() {
    return holding;
  }

  /**
   * Waits until this window lets the caller go.
   *
   * @return the passage of the first caller at the end, to report its outcome with; {@code null}
   *     for every other caller
   */
  Passage pass(TimeSource clock) throws InterruptedException {
    for (; ; ) {
      long sleep;
      Passage passage = null;
      synchronized (this) {
        long now = clock.nanoTime();
        if (!holding) {
          return null;
        }
        if (now - endNanos < 0) {
          sleep = endNanos - now;
        } else if (!firstOut) {
          firstOut = true;
          firstOutAtNanos = now;
          passage = new Passage(this, generation);
          // Jitter spreads callers that the end released together, not one who came much later.
          sleep = now - endNanos > lengthNanos ? 0 : jitter(lengthNanos);
        } else if (now - firstOutAtNanos > lengthNanos + spreadBound(lengthNanos)) {
          // The first caller is slow (a long list, a dead connection): the others do not wait
          // on it beyond one more window, since plain client-java would not wait at all.
          return null;
        } else {
          // The first caller is on its way: look again within the spread, so that when it is
          // answered the others leave one by one.
          sleep = spread(lengthNanos);
        }
      }
      if (passage != null) {
        try {
          clock.sleep(Duration.ofNanos(sleep));
        } catch (InterruptedException e) {
          abandoned(passage);
          throw e;
        }
        return passage;
      }
      clock.sleep(Duration.ofNanos(sleep));
    }
  }

  /** How long a caller waits now, without waiting: for the budget metric. */
  synchronized long remainingNanos(long nowNanos) {
    return holding ? Math.max(0, endNanos - nowNanos) : 0;
  }

  private synchronized void answered(Passage p) {
    if (p.generation() == generation) {
      holding = false;
      firstOut = false;
      refusalsInARow = 0;
    }
  }

  private synchronized void abandoned(Passage p) {
    if (p.generation() == generation) {
      firstOut = false;
    }
  }

  private static long jitter(long lengthNanos) {
    long bound = lengthNanos / JITTER_DIVISOR;
    return bound > 0 ? ThreadLocalRandom.current().nextLong(bound + 1) : 0;
  }

  private static long spread(long lengthNanos) {
    return 1 + ThreadLocalRandom.current().nextLong(spreadBound(lengthNanos));
  }

  private static long spreadBound(long lengthNanos) {
    return Math.max(MIN_SPREAD_NANOS, lengthNanos / JITTER_DIVISOR);
  }
}
