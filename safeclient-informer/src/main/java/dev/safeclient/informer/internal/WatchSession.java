package dev.safeclient.informer.internal;

import dev.safeclient.core.internal.watch.WatchEvent;
import dev.safeclient.core.internal.watch.WatchEventReader;
import dev.safeclient.informer.internal.ReflectorState.ListMode;
import dev.safeclient.model.time.TimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch, from its request to its end, with its watchdog. With {@code streamingList}, a
 * streaming list: the initial state arrives as ADDED events and replaces the store at the
 * initial-events-end bookmark, then the same stream goes on as an ordinary watch.
 *
 * <p>The watchdog arms only after the first bookmark this informer has seen: only the watch cache
 * sends bookmarks, and a quiet watch served by etcd is healthy.
 */
final class WatchSession<O> {
  private static final Logger log = LoggerFactory.getLogger(Reflector.class);

  /** How a watch ended. */
  enum End {
    /** Resume at the last resourceVersion now. */
    RESUME,
    /** Ended too soon: back off first. */
    SHORT
  }

  private final Reflector<O> owner;
  private final ReflectorConfig<O> config;
  private final ReflectorState state;
  private final TimeSource clock;
  // A streaming list whose initial state is still arriving.
  private final boolean streamingList;
  // Drawn per watch from client-go's range, so that watchers do not all reconnect at once.
  private final int timeoutSeconds;
  // The open call: the watchdog and stop() cancel it.
  private final Call call;
  // The last event or bookmark (or the start): the watchdog measures silence from it.
  private volatile long lastProgress;
  // The watchdog cancelled the call: the I/O error that follows is its doing, not the server's.
  private volatile boolean fired;
  // The initial state of a streaming list has not ended yet: the silence limit is shorter.
  private boolean initialPending;
  // The session ended: timers must not fire into the next one.
  private boolean done;
  // The watchdog's next check, or null.
  private TimeSource.Timer timer;
  // Fires when the watch has stayed open longer than a short one: the server answers again.
  private TimeSource.Timer answeredTimer;

  WatchSession(
      Reflector<O> owner, ReflectorConfig<O> config, ReflectorState state, boolean streamingList)
      throws IOException {
    this.owner = owner;
    this.config = config;
    this.state = state;
    this.clock = config.clock();
    this.streamingList = streamingList;
    this.initialPending = streamingList;
    state.watching(streamingList);
    timeoutSeconds =
        Reflector.WATCH_TIMEOUT_MIN_SECONDS
            + config.random().nextInt(Reflector.WATCH_TIMEOUT_SPAN_SECONDS);
    Map<String, String> q = ReflectorRequests.selectors(config.endpoint());
    q.put("allowWatchBookmarks", "true");
    if (streamingList) {
      if (state.listMode() == ListMode.AT_LAST_RV && state.lastResourceVersion() != null) {
        q.put("resourceVersion", state.lastResourceVersion());
      }
      q.put("resourceVersionMatch", "NotOlderThan");
      q.put("sendInitialEvents", "true");
      config.health().relisting();
      config.metrics().informerRelist(config.health().name(), state.relistReason().tag());
    } else {
      q.put("resourceVersion", state.lastResourceVersion());
    }
    q.put("timeoutSeconds", Integer.toString(timeoutSeconds));
    q.put("watch", "true");
    call =
        config
            .watchHttp()
            .newCall(
                ReflectorRequests.request(
                    config.api(),
                    config.endpoint(),
                    ReflectorRequests.pairs(q),
                    config
                        .decoder()
                        .watchAccept(ReflectorRequests.groupVersion(config.endpoint()))));
    call.timeout()
        .timeout(timeoutSeconds + Reflector.WATCH_CALL_GRACE.toSeconds(), TimeUnit.SECONDS);
    lastProgress = clock.nanoTime();
  }

  /** Stops the session from another thread. */
  void cancel() {
    call.cancel();
  }

  End run() throws IOException {
    String phase = state.phase().label();
    int events = 0;
    long opened = -1;
    Map<String, O> initial = streamingList ? new LinkedHashMap<>() : null;
    try {
      Response response = call.execute();
      if (!response.isSuccessful()) {
        ApiStatusException e;
        try (response) {
          e = ApiStatusException.fromHttp(phase, response);
        }
        if (streamingList
            && e.code() >= 400
            && e.code() < 500
            && e.code() != 410
            && e.code() != 429) {
          throw new Reflector.WatchListUnsupportedException("answered " + e.getMessage());
        }
        throw e;
      }
      config.health().watchConnected(true);
      opened = clock.nanoTime();
      arm();
      armAnswered();
      try (WatchEventReader<O> reader = config.decoder().openWatch(response)) {
        WatchEvent<O> event;
        boolean recoveryLogged = false;
        while ((event = reader.next()) != null) {
          events++;
          if (handle(event, initial)) {
            initial = null;
            initialDone();
          }
          long now = clock.nanoTime();
          // After handle(): a first bookmark arms the watchdog.
          progress(now);
          // The outage is over at the first event or bookmark of a watch that has lasted longer
          // than a short one, not when that watch ends 5-10 min later. Not sooner: a server that
          // sends one event and closes at once would log a recovery between every two failures.
          if (!recoveryLogged
              && initial == null
              && now - opened >= Reflector.SHORT_WATCH.toNanos()) {
            recoveryLogged = true;
            owner.failures().recovered(phase);
            owner.answered();
          }
        }
      }
    } catch (IOException e) {
      if (fired && !owner.stopped()) {
        if (initial != null) {
          throw new Reflector.WatchListUnsupportedException(
              "no event and no initial-events-end bookmark for "
                  + Reflector.WATCH_LIST_SILENCE.toSeconds()
                  + " s");
        }
        throw new IOException(
            "no event or bookmark for "
                + FailureLog.seconds(config.watchdogTimeout())
                + " (watchdog); restarting the watch at "
                + state.lastResourceVersion(),
            e);
      }
      throw e;
    } finally {
      disarm();
      config.health().watchConnected(false);
      owner.watchLasted(opened);
    }
    if (initial != null && !owner.stopped()) {
      throw new Reflector.WatchListUnsupportedException(
          "the stream ended before the initial-events-end bookmark");
    }
    // From the answer, not from the call: a watch that waited its turn in the client's token
    // bucket and then ended at once is still the server ending it at once.
    if (opened >= 0 && clock.nanoTime() - opened >= Reflector.SHORT_WATCH.toNanos()) {
      state.watchLasted();
      owner.failures().recovered("watch");
      return End.RESUME;
    }
    // Short but with events: resume once at once.
    if (state.resumesShortWatch(events)) {
      return End.RESUME;
    }
    return End.SHORT;
  }

  /** Applies one event; true when it was a streaming list's initial-events-end bookmark. */
  private boolean handle(WatchEvent<O> event, Map<String, O> initial) throws IOException {
    switch (event.type()) {
      case ERROR:
        throw ApiStatusException.fromStatus(state.phase().label(), event.status());
      case BOOKMARK:
        {
          config.health().event(true);
          String rv = config.decoder().resourceVersion(event.object());
          if (initial != null) {
            if (!config.decoder().isInitialEventsEnd(event.object())) {
              throw new Reflector.WatchListUnsupportedException(
                  "a bookmark without "
                      + Reflector.INITIAL_EVENTS_END
                      + " came before the initial state ended");
            }
            if (rv == null) {
              throw new IOException("initial-events-end bookmark without a resourceVersion");
            }
            config.store().replace(initial.values(), rv);
            state.advancedTo(rv);
            config.health().listed();
            state.synced(rv);
            owner.failures().recovered("streaming list");
            owner.answered();
            if (rv != null) {
              config.store().progressed(rv);
            }
            return true;
          }
          state.advancedTo(rv);
          if (rv != null) {
            config.store().progressed(rv);
          }
          return false;
        }
      case ADDED:
      case MODIFIED:
      case DELETED:
        {
          config.health().event(false);
          O object = config.decoder().prepare(event.object());
          if (initial != null) {
            if (event.type() != WatchEvent.Type.ADDED) {
              throw new Reflector.WatchListUnsupportedException(
                  event.type() + " came before the initial-events-end bookmark");
            }
            // Initial events are not in resourceVersion order: only the end bookmark sets it.
            initial.put(config.decoder().key(object), object);
            return false;
          }
          switch (event.type()) {
            case ADDED -> config.store().added(object);
            case MODIFIED -> config.store().modified(object);
            default -> config.store().deleted(object);
          }
          owner.changed();
          state.advancedTo(config.decoder().resourceVersion(object));
          return false;
        }
      default:
        throw new IOException("unknown watch event type " + event.type());
    }
  }

  // ---------------------------------------------------------------- watchdog

  private void progress(long now) {
    lastProgress = now;
    synchronized (this) {
      if (timer == null) {
        arm();
      }
    }
  }

  private synchronized void initialDone() {
    initialPending = false;
  }

  private Duration limit() {
    if (initialPending) {
      return Reflector.WATCH_LIST_SILENCE;
    }
    return config.health().bookmarkSeen() ? config.watchdogTimeout() : null;
  }

  private synchronized void arm() {
    Duration limit = limit();
    if (done || limit == null) {
      return;
    }
    long due = lastProgress + limit.toNanos() - clock.nanoTime();
    timer = clock.schedule(Duration.ofNanos(Math.max(0, due)), this::check);
  }

  private void check() {
    synchronized (this) {
      timer = null;
      Duration limit = limit();
      if (done || limit == null) {
        return;
      }
      if (clock.nanoTime() - lastProgress < limit.toNanos()) {
        arm();
        return;
      }
      fired = true;
    }
    // The failure line that follows says why; this one is for debugging the timer.
    log.debug(
        "{}: no event or bookmark for {}; cancelling the watch",
        config.name(),
        FailureLog.seconds(limit()));
    call.cancel();
  }

  /**
   * A watch still open after {@link Reflector#SHORT_WATCH} is the server answering again, even on a
   * quiet resource that sends nothing for a minute; one that ends sooner is not.
   */
  private synchronized void armAnswered() {
    if (done || initialPending) {
      return;
    }
    answeredTimer =
        clock.schedule(
            Reflector.SHORT_WATCH,
            () -> {
              synchronized (this) {
                answeredTimer = null;
                if (done) {
                  return;
                }
              }
              try {
                owner.answered();
              } catch (Throwable t) {
                log.warn("{}: watch-open timer failed", config.name(), t);
              }
            });
  }

  private synchronized void disarm() {
    done = true;
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
    if (answeredTimer != null) {
      answeredTimer.cancel();
      answeredTimer = null;
    }
  }
}
