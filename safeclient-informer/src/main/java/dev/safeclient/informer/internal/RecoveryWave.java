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
 * backoff after a failure of the server (refused, cut, 5xx, a watch ended too soon) are brought
 * forward, one after the other, about {@link #SPACING} apart, instead of each waiting out its [30,
 * 60) s step. Nothing is shared across processes: each still draws from client-go's windows, so a
 * fleet does not retry in step.
 *
 * <p>While the server stays down, the same informers line up ({@link Waiter#lineUp}): each one that
 * failed against the server at the backoff cap takes, within the upper half of client-go's window
 * for that step, the place farthest from the others' pending attempts, one every {@code 2 CAP / k}
 * for k waiting informers. Independent draws bunch and leave gaps of 5-10 s among 20 informers; the
 * line leaves none wider than 3 s, so an attempt follows any recovery within about 3 s and the wave
 * after it is back within 15 s, with fewer requests than the draws (each waits at least client-go's
 * mean delay).
 *
 * <p>Bounds: an attempt is only ever brought earlier, never past a Retry-After the server gave that
 * informer, and each informer is brought forward at most once between two successes of its own, so
 * a flapping server gets at most one extra attempt per informer per recovery. The attempts go
 * through the client's budgets (token buckets, Retry-After window) like any other.
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
   * A place in the line is never sooner than this many steps after the failure: 1.5, the mean of
   * client-go's draw from [d, 2d), so an informer lined up never retries more often than client-go
   * does on average. It costs the line nothing once formed, whose places come round at the end of
   * the window; it bounds only an informer that joins the line or fills a hole in it.
   */
  static final double LINE_EARLIEST = 1.5;

  /**
   * The line spreads its k informers over this many steps: two, the end of client-go's window, so
   * in a long outage each informer's place comes round 2 d (60 s) after its last, a quarter fewer
   * requests than client-go's mean draw, and 20 informers attempt one every 3 s: the first attempt
   * after any recovery comes within 3 s, and the other 19, brought forward {@link #SPACING} plus
   * jitter apart, within 11.4 s more, 14.4 s in all. Over 1.5 steps (client-go's mean) the gaps
   * would be 2.25 s, but the line's end would sit on its earliest place, {@link #LINE_EARLIEST},
   * with no room for informers that join out of turn: in a model of the drill's two-minute outage
   * that missed 15 s about once in 1,000 runs, and sent more requests than the draws more often.
   */
  static final double LINE_LENGTH = 2.0;

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

  /** One reflector's place in the wave. */
  Waiter waiter() {
    return new Waiter();
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
        if (w.sleeping) {
          w.wakePending = true;
          w.thread.interrupt();
        }
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
   * Where {@code self}, having failed against the server at {@code now} with backoff step {@code
   * step} and Retry-After bound {@code notBefore}, takes its place in the line: in [now + 1.5 step,
   * now + 2 step), not before {@code notBefore}, at the point farthest from the others' pending
   * attempts after a failure of the server. A hole between two of them is filled at its midpoint;
   * otherwise the place is one spacing (2 step / k) after the last of them, as if the next in line
   * were to come that far after. Returns {@code drawn} when the window holds no place (a
   * Retry-After past it), and when no other informer waits: alone, an informer keeps client-go's
   * draw, so a process of one informer retries exactly as client-go's reflector would (a fixed
   * place at the window's end would both slow its recovery and take the jitter out of a fleet's
   * retries).
   */
  private long place(Waiter self, long now, long step, long notBefore, long drawn) {
    long lo = Math.max(now + (long) (step * LINE_EARLIEST), notBefore);
    long hi = now + (long) (step * LINE_LENGTH) - 1;
    if (lo > hi) {
      return drawn;
    }
    List<Long> points = new ArrayList<>();
    points.add(now);
    for (Waiter w : waiting) {
      if (w != self && w.serverFailure && w.deadline > now) {
        points.add(w.deadline);
      }
    }
    if (points.size() == 1) {
      return drawn;
    }
    points.sort(null);
    long spacing = (long) (step * LINE_LENGTH) / points.size();
    long best = clamp(points.get(points.size() - 1) + spacing, lo, hi);
    long bestScore = Math.min(spacing, distance(best, points));
    for (int i = 0; i + 1 < points.size(); i++) {
      long mid = clamp(points.get(i) + (points.get(i + 1) - points.get(i)) / 2, lo, hi);
      long score = distance(mid, points);
      if (score > bestScore || (score == bestScore && mid > best)) {
        best = mid;
        bestScore = score;
      }
    }
    return best;
  }

  private static long clamp(long x, long lo, long hi) {
    return Math.max(lo, Math.min(hi, x));
  }

  private static long distance(long x, List<Long> points) {
    long d = Long.MAX_VALUE;
    for (long p : points) {
      d = Math.min(d, Math.abs(x - p));
    }
    return d;
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
    private boolean serverFailure;
    private boolean sleeping;
    private boolean wakePending;
    private boolean broughtForward;
    // The deadline was placed by lineUp and holds for the next await.
    private boolean lined;

    private Waiter() {}

    /**
     * After a failure of the server at the backoff cap: the delay to wait instead of {@code drawn}
     * (client-go's draw from [step, 2 step)), this informer's place in the client's line. The place
     * is held from now on, so that the next informer to fail lines up behind it, and {@link #await}
     * waits for it.
     */
    Duration lineUp(long nowNanos, Duration drawn, Duration step, Duration notBefore) {
      synchronized (RecoveryWave.this) {
        long bound = notBefore == null ? nowNanos : nowNanos + notBefore.toNanos();
        this.deadline =
            place(this, nowNanos, step.toNanos(), bound, nowNanos + Math.max(0, drawn.toNanos()));
        this.notBefore = bound;
        this.serverFailure = true;
        this.lined = true;
        waiting.add(this);
        return Duration.ofNanos(deadline - nowNanos);
      }
    }

    /** The place taken by {@link #lineUp} is given up without waiting for it. */
    void leave() {
      synchronized (RecoveryWave.this) {
        lined = false;
        if (!sleeping) {
          waiting.remove(this);
        }
      }
    }

    /**
     * Waits until {@code delay} from now, or less if a recovery brings the attempt forward; never
     * before {@code notBefore} (a Retry-After) from now.
     *
     * @param serverFailure the failure was the server's (may be brought forward)
     * @param stopped whether the reflector is stopping (an interrupt then ends the wait)
     */
    void await(
        TimeSource clock,
        Duration delay,
        Duration notBefore,
        boolean serverFailure,
        BooleanSupplier stopped)
        throws InterruptedException {
      long now = clock.nanoTime();
      synchronized (RecoveryWave.this) {
        this.thread = Thread.currentThread();
        if (lined) {
          // The place taken by lineUp, or earlier if a recovery has brought it forward since.
          lined = false;
        } else {
          this.deadline = now + Math.max(0, delay.toNanos());
          this.notBefore = notBefore == null ? now : now + notBefore.toNanos();
          this.serverFailure = serverFailure;
        }
        this.sleeping = true;
        waiting.add(this);
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
