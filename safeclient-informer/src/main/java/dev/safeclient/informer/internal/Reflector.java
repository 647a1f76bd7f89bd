package dev.safeclient.informer.internal;

import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one informer's cache in line with the server, the way client-go's reflector does, and
 * gentler: list ({@code resourceVersion=0&limit=500}) then watch with bookmarks; resume a watch
 * that ended at its last resourceVersion; relist at that resourceVersion from the watch cache when
 * it expired; back off, jittered, on every failure. Its list and watch calls go through the {@code
 * SafeClient}'s library view: budgets apply, lint rewrites and generic retries do not.
 *
 * <p>This class is the loop: a {@link Listing} or a {@link WatchSession} at a time, and the backoff
 * between failures. Where it stands is its {@link ReflectorState}.
 */
public final class Reflector<O> {
  private static final Logger log = LoggerFactory.getLogger(Reflector.class);

  /**
   * A watch that ends sooner than this with no event is the server refusing, not a normal end
   * (client-go's rule). It goes through backoff: client-java re-opens it at once, ~2,700 requests a
   * second against a mock.
   */
  static final Duration SHORT_WATCH = Duration.ofSeconds(1);

  /**
   * Watch timeouts are drawn from [300, 600) s (client-go's range): long enough to be cheap, and
   * spread so that watchers do not all reconnect at the same moment.
   */
  static final int WATCH_TIMEOUT_MIN_SECONDS = 300;

  static final int WATCH_TIMEOUT_SPAN_SECONDS = 300;

  /**
   * The watch call's own deadline beyond timeoutSeconds: a server that never ends the stream (a
   * half-open connection on a server without bookmarks) is cut after this much extra.
   */
  static final Duration WATCH_CALL_GRACE = Duration.ofSeconds(30);

  /**
   * A streaming list that shows neither an event nor its initial-events-end bookmark for this long
   * is taken for a server that ignored {@code sendInitialEvents} (it then sends an ordinary, quiet
   * watch). A real one sends the bookmark right after the initial state.
   */
  public static final Duration WATCH_LIST_SILENCE = Duration.ofSeconds(30);

  /** The annotation of the bookmark that ends a streaming list's initial state. */
  public static final String INITIAL_EVENTS_END = "k8s.io/initial-events-end";

  /**
   * Where the reflector writes: the informer's cache and handlers, or a raw feed's listener. Called
   * on the reflector's thread only, one call at a time, in the server's order. A call that throws
   * is a failure of the list or watch it came from: the reflector backs off and lists or resumes
   * from the last resourceVersion it had applied, so that call's change comes again.
   */
  public interface Store<O> {
    /** A full list at {@code resourceVersion}: the store becomes exactly {@code items}. */
    void replace(Collection<O> items, String resourceVersion);

    /** An ADDED event. */
    void added(O object);

    /** A MODIFIED event. */
    void modified(O object);

    /** A DELETED event: the object as it was deleted, at the deletion's resourceVersion. */
    void deleted(O object);

    /** A BOOKMARK at {@code resourceVersion}, the initial-events-end one included. */
    default void progressed(String resourceVersion) {}
  }

  /** The server ignored or refused {@code sendInitialEvents}: fall back to LIST then WATCH. */
  static final class WatchListUnsupportedException extends IOException {
    WatchListUnsupportedException(String message) {
      super(message);
    }
  }

  // Fixed for the reflector's life.
  private final ReflectorConfig<O> config;
  // Shorthands for config's.
  private final String name;
  private final TimeSource clock;
  private final ReflectorHealth health;
  // The state machine: phase, list mode, relist reason, where the watch resumes.
  private final ReflectorState state = new ReflectorState();
  // The wait after a failure: exponential, jittered, reset by a watch that lasts.
  private final RelistBackoff backoff;
  // One line per outage, not per failure.
  private final FailureLog failures;
  // This informer's place in the client's recovery wave; null when it takes no part.
  private final RecoveryWave.Waiter recovery;
  // Set at a failure of the server's, cleared when the server answers again: only that answer
  // brings the others forward (the reflector thread and the watch-open timer both read it).
  private final AtomicBoolean serverFailedSinceAnswer = new AtomicBoolean();

  // Set once by stop(); every loop and call checks it.
  private volatile boolean stopped;
  // The reflector's thread, for stop() to interrupt and join.
  private volatile Thread thread;
  // The list page in flight, for stop() to cancel.
  private volatile Call currentCall;
  // The watch in flight, for stop() to cancel.
  private volatile WatchSession<O> currentWatch;
  // Runs on each change seen after the initial state (SC101's busy resources).
  private volatile Runnable changed = () -> {};
  // Errors of this process in a row; the reflector stops at config's maxConsecutiveErrors.
  private int errorsInRow;
  // The first Error is logged with its stack trace, later ones in one line.
  private boolean errorTraceLogged;

  public Reflector(ReflectorConfig<O> config) {
    this.config = config;
    this.name = config.name();
    this.clock = config.clock();
    this.health = config.health();
    this.backoff = new RelistBackoff(config.random());
    this.failures = new FailureLog(name, clock);
    this.recovery = config.wave() == null ? null : config.wave().waiter(config.random());
  }

  /**
   * Runs on each ADDED, MODIFIED or DELETED event after the initial state: this process saw the
   * resource change (for SC101's decision up to 1.30). Set before {@link #start}.
   */
  public void onChange(Runnable changed) {
    this.changed = changed;
  }

  /** Starts the reflector's thread; returns at once (the start jitter is waited there). */
  public synchronized void start(String threadName) {
    if (thread != null || stopped) {
      return;
    }
    Thread t = new Thread(this::run, threadName);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** Stops the loop, cancels the open call and waits for the thread to end. */
  public void stop() {
    stopped = true;
    WatchSession<O> ws = currentWatch;
    if (ws != null) {
      ws.cancel();
    }
    Call c = currentCall;
    if (c != null) {
      c.cancel();
    }
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        log.warn("{}: reflector thread did not end within 10 s of stop", name);
      }
    }
  }

  /** Failures since the last recovery. */
  public int failuresInRow() {
    return failures.failuresInRow();
  }

  /** The resourceVersion the next watch resumes from. */
  public String lastResourceVersion() {
    return state.lastResourceVersion();
  }

  // ---------------------------------------------------------------- for Listing and WatchSession

  boolean stopped() {
    return stopped;
  }

  FailureLog failures() {
    return failures;
  }

  void changed() {
    changed.run();
  }

  /** The list page now in flight (null: none); cancelled at once if the reflector is stopping. */
  void calling(Call call) {
    currentCall = call;
    if (call != null && stopped) {
      call.cancel();
    }
  }

  // ---------------------------------------------------------------- the loop

  private void run() {
    try {
      if (!config.startJitter().isZero()) {
        // Spreads a DaemonSet rollout's first lists; other informers and readiness gates that
        // do not need this cache are not held up, as this runs on the reflector's own thread.
        clock.sleep(
            Duration.ofNanos(
                (long) (config.random().nextDouble() * config.startJitter().toNanos())));
      }
      while (!stopped) {
        try {
          Duration delay;
          Duration retryAfter = null;
          boolean serverFailure = false;
          try {
            boolean streaming = state.streamsList(config.watchList());
            if (state.needsList() && !streaming) {
              new Listing<>(this, config, state).run();
            }
            if (watch(state.needsList()) == WatchSession.End.RESUME) {
              continue;
            }
            delay = backoff.next(clock.nanoTime());
            serverFailure = true;
            failures.failure(
                "watch",
                new IOException(
                    "the server ended the watch within "
                        + SHORT_WATCH.toMillis()
                        + " ms, too soon for a normal end"),
                delay);
          } catch (WatchListUnsupportedException e) {
            if (stopped) {
              break;
            }
            state.watchListRefused();
            log.warn(
                "{}: the server ignored a streaming list ({}); using LIST then WATCH from now on",
                name,
                e.getMessage());
            continue;
          } catch (ApiStatusException e) {
            if (stopped) {
              break;
            }
            state.serverRefused(e.expired() || e.tooLarge());
            retryAfter = e.retryAfter();
            delay = backoff.next(clock.nanoTime(), retryAfter);
            // A 429 is APF at work, not a failing server: an answer to one informer says nothing of
            // it.
            serverFailure = e.code() >= 500;
            failures.failure(state.phase().label(), e, delay);
          } catch (IOException | RuntimeException e) {
            if (stopped) {
              break;
            }
            state.failed();
            delay = backoff.next(clock.nanoTime());
            // Refused, reset, cut, timed out; not a decode failure of ours.
            serverFailure =
                e instanceof IOException
                    && !(e.getCause() instanceof ApiException
                        || e.getCause() instanceof RuntimeException);
            failures.failure(state.phase().label(), e, delay);
          } catch (Throwable e) {
            // Not the server's doing: an Error of this process, most likely out of memory while
            // relisting a big collection. The thread must not die with it: the cache would stay
            // stale for good while hasSynced() says true.
            if (stopped) {
              break;
            }
            delay = reflectorError(e);
            if (delay == null) {
              return;
            }
          }
          backoffWait(delay, retryAfter, serverFailure);
        } catch (InterruptedException e) {
          throw e;
        } catch (Throwable e) {
          if (stopped) {
            break;
          }
          handlingFailed(e);
        }
      }
    } catch (InterruptedException e) {
      // stop() interrupts a sleeping reflector.
    } finally {
      health.watchConnected(false);
    }
  }

  /**
   * Reporting or waiting out a failure failed itself: a metrics hook that throws, or another Error
   * (out of memory again) while the first was logged. Nothing that threw is called again: one
   * guarded line, then the backoff's ceiling, since whatever failed is likely to fail on the next
   * attempt too, and the loop goes on. A dead thread would leave the cache stale for good while
   * hasSynced() says true.
   */
  private void handlingFailed(Throwable e) throws InterruptedException {
    try {
      log.error(
          "{}: handling a failure failed with {}; retrying in {}",
          name,
          e.getClass().getName(),
          FailureLog.seconds(RelistBackoff.CAP));
    } catch (Throwable ignored) {
      // Nothing left to report with.
    }
    clock.sleep(RelistBackoff.CAP);
  }

  /** Waits out the backoff; a recovery of another informer on this client may shorten it. */
  private void backoffWait(Duration delay, Duration retryAfter, boolean serverFailure)
      throws InterruptedException {
    if (serverFailure) {
      serverFailedSinceAnswer.set(true);
    }
    if (recovery == null) {
      clock.sleep(delay);
      return;
    }
    recovery.await(clock, delay, backoff.lastStep(), retryAfter, serverFailure, () -> stopped);
  }

  /**
   * The server answered: a list, a streaming list's initial state, or a watch that lasted longer
   * than a short one. After a failure of the server's, that brings the other informers forward.
   */
  void answered() {
    if (serverFailedSinceAnswer.compareAndSet(true, false) && config.wave() != null && !stopped) {
      try {
        config.wave().recovered(recovery, clock.nanoTime(), config.random());
      } catch (RuntimeException e) {
        // Bringing others forward is an optimisation: this informer goes on either way.
        log.warn("{}: could not bring other informers' retries forward", name, e);
      }
    }
  }

  /**
   * Counts, reports and logs an Error; the delay before the reflector starts again, or null when it
   * has had {@code maxConsecutiveErrors} in a row and stays stopped.
   */
  private Duration reflectorError(Throwable e) {
    errorsInRow++;
    boolean givenUp = errorsInRow >= config.maxConsecutiveErrors();
    state.errored();
    health.reflectorError(e, givenUp);
    config.metrics().informerLocalFailure(health.name(), "reflector");
    if (givenUp) {
      log.error(
          "{}: {} failed with {} {} times in a row; the informer stays stopped and its cache is"
              + " no longer kept up to date (health: STOPPED_ON_ERRORS). Restart the process,"
              + " with more memory if it ran out (-XX:+ExitOnOutOfMemoryError is recommended)",
          name,
          state.phase().label(),
          e.getClass().getSimpleName(),
          errorsInRow,
          e);
      return null;
    }
    Duration delay = backoff.nextAfterError(clock.nanoTime());
    if (!errorTraceLogged) {
      errorTraceLogged = true;
      log.error(
          "{}: {} failed with {} ({} of {} in a row before the informer stops); restarting in {}",
          name,
          state.phase().label(),
          e.getClass().getSimpleName(),
          errorsInRow,
          config.maxConsecutiveErrors(),
          FailureLog.seconds(delay),
          e);
    } else {
      log.error(
          "{}: {} failed with {}: {} ({} of {} in a row before the informer stops); restarting"
              + " in {}",
          name,
          state.phase().label(),
          e.getClass().getSimpleName(),
          JsonLinesWatchReader.safeMessage(e),
          errorsInRow,
          config.maxConsecutiveErrors(),
          FailureLog.seconds(delay));
    }
    return delay;
  }

  /**
   * A watch stayed open for {@link RelistBackoff#RESET_AFTER}: the informer is healthy again, so
   * earlier Errors no longer count towards stopping it nor hold the backoff.
   */
  void watchLasted(long openedNanos) {
    if (openedNanos >= 0 && clock.nanoTime() - openedNanos >= RelistBackoff.RESET_AFTER.toNanos()) {
      errorsInRow = 0;
      backoff.healthy();
    }
  }

  /** One watch, to its end; with {@code streamingList} a streaming list. */
  private WatchSession.End watch(boolean streamingList) throws IOException {
    WatchSession<O> session = new WatchSession<>(this, config, state, streamingList);
    currentWatch = session;
    if (stopped) {
      session.cancel();
    }
    try {
      return session.run();
    } finally {
      currentWatch = null;
    }
  }
}
