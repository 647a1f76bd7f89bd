package dev.safeclient.informer.internal;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The informers of one process that reach one API server through one {@link SafeClient}: when one
 * of them is answered again after failing against the server, the others still waiting out their
 * backoff after a failure of the server (refused, cut, 5xx, 429, a watch ended too soon) are
 * brought forward, one after the other, about {@link #SPACING} apart, instead of each waiting out
 * its [30, 60) s step. Nothing is shared across processes: each still follows client-go's schedule,
 * so a fleet does not retry in step.
 *
 * <p>The wave starts at the first informer's own attempt after recovery. So that it never starts
 * late, the waiting informers' attempts are also kept from leaving a long gap while the server
 * fails ({@link #MEAN_OWN_STEP}): each failure leaves one of them due within the mean gap of their
 * own retries.
 *
 * <p>Bounds: an attempt is only ever brought earlier, never past a Retry-After the server gave that
 * informer, and each informer is brought forward by a recovery at most once between two successes
 * of its own, so a flapping server gets at most one extra attempt per informer per recovery. While
 * the server fails, no informer is brought before the lower end of its own backoff step, so none
 * retries more often than client-go's schedule allows it: at most twice a minute at the cap. The
 * attempts go through the client's budgets (token buckets, Retry-After window) like any other.
 */
public final class RecoveryWave {
  private static final Logger log = LoggerFactory.getLogger(Reflector.class);

  /**
   * The gap between two brought-forward attempts of one process, before jitter: two a second, so
   * the 10-30 informers of a typical controller are all back within 5-15 s, while no second holds
   * more than two of them — no more than the same informers' own jittered [30, 60) s retries
   * already put into one second (20 informers spread over 30 s collide two to a second in 98 runs
   * out of 100). Well below client-go's default of 5 requests a second, so the token bucket does
   * not queue them.
   */
  static final Duration SPACING = Duration.ofMillis(500);

  /**
   * Up to this much is added to each gap at random, so that two processes whose first successes
   * coincide (one load balancer in front of both) drift apart instead of retrying in step.
   */
  static final Duration SPACING_JITTER = Duration.ofMillis(100);

  /**
   * The mean of an informer's own [30, 60) s backoff step at the cap. While n informers of this
   * client wait after failures of the server, their own retries come 45/n s apart on average, but
   * at random: 20 of them leave a gap of over 4.5 s in about one draw in seven, and a gap is how
   * late after recovery the first of them tries again, which is when the wave starts. So each
   * failure leaves one of them due within 45/n s (2.25 s for 20, so that all 20 are back within 15
   * s of recovery), never before the lower end of its own step (see keepAnAttemptDue). The cost: 10
   * % more attempts during a long outage for 20 informers (measured over 30 minutes on the virtual
   * timeline; a simulation of the schedule says 12-14 % for 2 to 5), 4 % over a two-minute one. One
   * informer alone keeps client-go's draw.
   */
  static final Duration MEAN_OWN_STEP = Duration.ofSeconds(45);

  private static final Map<SafeClient, Map<Object, RecoveryWave>> WAVES = new WeakHashMap<>();

  /**
   * The wave of the informers on {@code client} whose deadlines are read on {@code clock}: every
   * system clock reads the same time (each factory has its own, for its timer thread), a virtual
   * one only its own.
   */
  public static RecoveryWave of(SafeClient client, TimeSource clock) {
    Object timeline = clock.isSystem() ? TimeSource.class : clock;
    synchronized (WAVES) {
      return WAVES
          .computeIfAbsent(client, c -> new WeakHashMap<>())
          .computeIfAbsent(timeline, c -> new RecoveryWave());
    }
  }

  private final Set<Waiter> waiting = new LinkedHashSet<>();
  // The last brought-forward attempt's place in the line: later waves queue behind it, so the
  // spacing holds across them.
  private long lastSlot = Long.MIN_VALUE;

  RecoveryWave() {}

  /** One reflector's place in the wave; {@code random} draws its gap-filling times. */
  Waiter waiter(RandomGenerator random) {
    return new Waiter(random);
  }

  /**
   * {@code self} was answered (a list, or a watch that lasted) after failing against the server:
   * brings forward the others' attempts. {@code random} draws the gaps' jitter.
   *
   * @return how many attempts were brought forward
   */
  int recovered(Waiter self, long nowNanos, RandomGenerator random) {
    List<Waiter> due = new ArrayList<>();
    long spread;
    synchronized (this) {
      self.broughtForward = false;
      for (Waiter w : waiting) {
        if (w != self && w.serverFailure && !w.broughtForward && w.deadline > nowNanos) {
          due.add(w);
        }
      }
      if (due.isEmpty()) {
        return 0;
      }
      // The earliest own retries go first: nobody's attempt moves later than it was.
      due.sort(Comparator.comparingLong(w -> w.deadline));
      long next = Math.max(nowNanos, lastSlot);
      long latest = nowNanos;
      int moved = 0;
      for (Waiter w : due) {
        long paced = next + gap(random);
        // A Retry-After given to this informer holds it, not the ones behind it.
        long slot = Math.max(paced, w.notBefore);
        if (slot >= w.deadline) {
          // Its own retry comes first anyway; it takes that place in the line.
          next = Math.max(next, Math.min(w.deadline, paced));
          continue;
        }
        w.deadline = slot;
        w.broughtForward = true;
        next = paced;
        lastSlot = paced;
        latest = Math.max(latest, slot);
        moved++;
        wake(w);
      }
      spread = latest - nowNanos;
      if (moved == 0) {
        return 0;
      }
      log.info(
          "the API server answered again; bringing forward {} informer(s)' retries, spread over {}",
          moved,
          FailureLog.seconds(Duration.ofNanos(Math.max(0, spread))));
      return moved;
    }
  }

  /**
   * A waiter has just failed against the server at {@code nowNanos}: keeps one server-failure
   * attempt due within {@link #MEAN_OWN_STEP} / n. One that may go by then (its step's lower end
   * and its Retry-After passed) is brought to a time drawn from the last tenth before it. If none
   * may, the one that can go soonest is brought to a time drawn between then and the earliest
   * attempt, and only if no other such move is pending: watches cut at one instant at the cap all
   * have their lower end at that instant plus 30 s, and moving one of them each would retry them
   * all together.
   */
  private void keepAnAttemptDue(long nowNanos, RandomGenerator random) {
    int n = 0;
    long earliest = Long.MAX_VALUE;
    boolean lateMovePending = false;
    for (Waiter w : waiting) {
      if (w.serverFailure) {
        n++;
        earliest = Math.min(earliest, w.deadline);
        lateMovePending |= w.movedLate;
      }
    }
    if (n < 2) {
      return;
    }
    long gap = MEAN_OWN_STEP.toNanos() / n;
    long due = nowNanos + gap;
    if (earliest <= due) {
      return;
    }
    Waiter chosen = null;
    long soonest = Long.MAX_VALUE;
    for (Waiter w : waiting) {
      if (!w.serverFailure) {
        continue;
      }
      long free = Math.max(w.soonest, w.notBefore);
      long slot = Math.max(due, free);
      if (slot < w.deadline
          && slot < earliest
          && (slot < soonest || (slot == soonest && w.deadline < chosen.deadline))) {
        chosen = w;
        soonest = slot;
      }
    }
    if (chosen == null) {
      return;
    }
    long free = Math.max(chosen.soonest, chosen.notBefore);
    if (soonest == due) {
      long from = Math.max(free, due - gap / 10);
      chosen.deadline = from + (long) (random.nextDouble() * (due - from));
    } else if (!lateMovePending) {
      long until = Math.min(earliest, chosen.deadline);
      chosen.deadline = soonest + (long) (random.nextDouble() * (until - soonest));
      chosen.movedLate = true;
    } else {
      return;
    }
    wake(chosen);
  }

  /**
   * Has a waiting thread read its deadline again. One interrupt is enough: the thread re-reads the
   * deadline under this lock after taking it, so a second one, sent before it took the first, would
   * be left over and end its next sleep as if the reflector were stopping.
   */
  private static void wake(Waiter w) {
    if (w.sleeping && !w.wakePending && w.thread != Thread.currentThread()) {
      w.wakePending = true;
      w.thread.interrupt();
    }
  }

  private static long gap(RandomGenerator random) {
    return SPACING.toNanos() + (long) (random.nextDouble() * SPACING_JITTER.toNanos());
  }

  /**
   * One reflector's backoff, as the wave sees it. The reflector's thread waits through {@link
   * #await}; another reflector's recovery wakes it by interrupting that wait (and only that wait:
   * the interrupt is sent only while the thread is inside it, and a late one is cleared before it
   * leaves).
   */
  final class Waiter {
    private Thread thread;
    private long deadline;
    private long notBefore;
    private final RandomGenerator random;
    // The soonest a failure's gap may bring it: the lower end of its own backoff step.
    private long soonest;
    // Brought forward by a gap to beyond the gap's end, the attempt still pending.
    private boolean movedLate;
    private boolean serverFailure;
    private boolean sleeping;
    private boolean wakePending;
    private boolean broughtForward;

    private Waiter(RandomGenerator random) {
      this.random = random;
    }

    /**
     * Waits until {@code delay} from now, or less if a recovery or a gap in the others' attempts
     * brings the attempt forward; never before {@code notBefore} (a Retry-After) from now.
     *
     * @param step the lower end of the backoff step {@code delay} was drawn from: a gap in the
     *     others' attempts never brings this one sooner
     * @param serverFailure the failure was the server's (may be brought forward)
     * @param stopped whether the reflector is stopping (an interrupt then ends the wait)
     */
    void await(
        TimeSource clock,
        Duration delay,
        Duration step,
        Duration notBefore,
        boolean serverFailure,
        BooleanSupplier stopped)
        throws InterruptedException {
      long now = clock.nanoTime();
      synchronized (RecoveryWave.this) {
        this.thread = Thread.currentThread();
        this.deadline = now + Math.max(0, delay.toNanos());
        // A Retry-After past the deadline holds nothing the deadline does not (moves only bring an
        // attempt earlier), and one of centuries must not overflow.
        Duration held =
            notBefore == null || notBefore.isNegative()
                ? Duration.ZERO
                : notBefore.compareTo(delay) > 0 ? delay : notBefore;
        this.notBefore = now + held.toNanos();
        this.soonest = now + Math.max(0, step.toNanos());
        this.serverFailure = serverFailure;
        this.movedLate = false;
        this.sleeping = true;
        waiting.add(this);
        if (serverFailure) {
          keepAnAttemptDue(now, random);
        }
      }
      try {
        while (true) {
          long left;
          synchronized (RecoveryWave.this) {
            left = deadline - clock.nanoTime();
          }
          if (left <= 0) {
            return;
          }
          try {
            clock.sleep(Duration.ofNanos(left));
          } catch (InterruptedException e) {
            synchronized (RecoveryWave.this) {
              if (stopped.getAsBoolean() || !wakePending) {
                throw e;
              }
              wakePending = false;
            }
          }
        }
      } finally {
        synchronized (RecoveryWave.this) {
          sleeping = false;
          waiting.remove(this);
          if (wakePending) {
            wakePending = false;
            // Sent after the sleep had ended: not meant for what the thread does next.
            if (!stopped.getAsBoolean()) {
              Thread.interrupted();
            }
          }
        }
      }
    }

    /** Brought forward since its own last success. */
    boolean broughtForward() {
      synchronized (RecoveryWave.this) {
        return broughtForward;
      }
    }
  }
}
