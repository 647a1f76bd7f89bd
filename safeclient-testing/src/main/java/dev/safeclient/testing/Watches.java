package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.*;

import dev.safeclient.apiserver.ApiserverDefaults;
import dev.safeclient.apiserver.ListOptions;
import dev.safeclient.apiserver.ProtobufEnvelope;
import dev.safeclient.apiserver.ReadMode;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.apiserver.WatchEvents;
import dev.safeclient.apiserver.WatchStart;
import dev.safeclient.apiserver.WebSocketWatch;
import dev.safeclient.model.serving.FeatureGate;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpHeader;

/**
 * WATCH: from the watch cache (bookmarks, initial events) or from etcd when the cache is disabled.
 */
final class Watches {
  private final KubeSim sim;

  Watches(KubeSim sim) {
    this.sim = sim;
  }

  private boolean cacheEnabled(ApiCall c) {
    return sim.config().watchCacheEnabled(c.type);
  }

  void watch(ApiCall c, Fault fault) {
    SimStats stats = sim.statsLive();
    SimulatedApiserver api = c.apiserver;
    ListOptions options;
    Selector sel;
    try {
      options = c.listOptions();
      sel = Selector.of(c);
      // WatchList gate: beta in 1.32, off again in 1.33, on from 1.34 (fact sheet, WATCH). The
      // options served are the defaulted ones: a legacy watch may become a streaming list.
      options = options.validate(sim.config().version.enabled(FeatureGate.WATCH_LIST));
    } catch (StatusException e) {
      c.send(Answer.of(e.status()));
      return;
    } catch (IllegalArgumentException e) {
      c.send(status(400, "BadRequest", e.getMessage(), null));
      return;
    }
    boolean initialEvents = Boolean.TRUE.equals(options.sendInitialEvents());
    if (!api.isReady()
        && !sim.config().version.enabled(FeatureGate.RESILIENT_WATCH_CACHE_INITIALIZATION)) {
      // 1.30: Cacher.Watch waits for the cache (ready.wait), then 503 at the request timeout.
      try {
        if (!api.awaitReady(Reads.REQUEST_TIMEOUT)) {
          c.send(status(503, "ServiceUnavailable", "apiserver cache is not initialized", null));
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (!api.isReady()) {
      c.send(cacheInitializing(api, stats));
      return;
    }
    WatchStart start;
    try {
      start = options.watchStart();
    } catch (StatusException e) {
      c.send(Answer.of(e.status()));
      return;
    }
    boolean initial = start.kind() == WatchStart.Kind.INITIAL_EVENTS;
    // A legacy RV-unset watch reads a fresh state only where no cache serves it.
    boolean consistentStart =
        initial
            && (start.initialState() == ReadMode.CONSISTENT
                || (!cacheEnabled(c) && options.resourceVersion().isEmpty()));
    long fromRv =
        start.kind() == WatchStart.Kind.FROM_NOW
            ? api.cacheResourceVersion(c.type)
            : start.resourceVersion();
    long timeoutSeconds =
        ApiserverDefaults.watchTimeout(options, ThreadLocalRandom.current()).toSeconds();
    try {
      if (consistentStart || (initialEvents && fromRv > 0)) {
        long target = consistentStart ? sim.etcd().currentRv() : fromRv;
        api.waitFor(c.type, target, sim.config().cacheWait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String ns = c.type.isNamespaced() ? c.namespace : "";
    boolean cache = cacheEnabled(c);
    // Only the watch cache sends bookmarks; a watch served from etcd gets none.
    boolean bookmarks = cache && options.allowWatchBookmarks();
    boolean protobuf =
        c.protobuf && ProtobufEncoding.descriptor(c.type.apiVersion(), c.type.kind()) != null;
    String contentType = protobuf ? ProtobufEnvelope.WATCH_MEDIA_TYPE : ApiCall.JSON;
    // watch.go serveWatchHandler: a WebSocket request is served by HandleWS, any other by
    // HandleHTTP; x/net/websocket refuses a WebSocket request it cannot shake hands with.
    ApiCall.pfHeaders(c.response); // APF's filter sets them before any handler runs
    if (WebSocketWatch.isWebSocketRequest(c.request)
        && WebSocketWatch.refuseHandshake(c.request, c.response, c.callback)) {
      return;
    }
    WebSocketWatch ws =
        WebSocketWatch.isWebSocketRequest(c.request)
            ? WebSocketWatch.upgrade(c.request, c.response, c.callback, protobuf, contentType)
            : null;
    WatchStream w =
        new WatchStream(
            c.type,
            ns,
            sel,
            bookmarks,
            c.userAgent,
            protobuf,
            ws != null ? ws : WatchStream.http(c.response, c.callback),
            stats);
    if (ws != null) {
      ws.attach(w.writer());
    }
    if (initial && consistentStart && !sim.config().version.consistentReadSupported()) {
      // Without consistent reads from the cache, the initial state of an RV-unset watch is read
      // from etcd.
      Etcd etcd = sim.etcd();
      etcd.lock.readLock().lock();
      try {
        stats.storageReads(etcd.keyspace(c.type).countUnder(ns));
      } finally {
        etcd.lock.readLock().unlock();
      }
    }
    boolean drop =
        (fault != null && fault.kind() == Fault.Kind.DROP_WATCHES) || isDropWindowOpen(c);
    // A half-open connection: the watch is established, then nothing ever arrives.
    if (fault != null && fault.kind() == Fault.Kind.SILENT) {
      w.silence();
    }
    w.record = c.record;
    c.record.code = ws != null ? 101 : 200;
    SimStats.servedFrom(!cache && !initial ? "etcd" : "watch-cache");
    if (ws == null) {
      c.response.setStatus(200);
      c.response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    }
    // watchResponseWriter.BeginStream: the headers are flushed at once, before any event, so the
    // client sees its watch established even while nothing changes. The watch is counted open
    // from then on (WatchStream.established).
    w.commit(null);
    boolean endBookmark = start.initialEventsEndBookmark();
    long[] initialRv = {0};
    java.util.function.Consumer<Long> onInitialState =
        rv -> {
          initialRv[0] = rv;
          w.fromRv = rv;
          if (endBookmark) {
            w.sendBookmarkLine(SimulatedApiserver.bookmarkLine(c.type, rv, true));
          }
        };
    boolean ok;
    if (fault != null && fault.kind() == Fault.Kind.EXPIRED_WATCH) {
      ok = false;
    } else if (!cache && !initial) {
      // Served from etcd: its history reaches back to the last compaction (about 5 minutes),
      // not just the cache's event window. Replay it, then follow live changes.
      Etcd etcd = sim.etcd();
      etcd.lock.readLock().lock();
      try {
        ok = !etcd.isCompacted(c.type, fromRv);
        if (ok) {
          w.fromRv = fromRv;
          long last = fromRv;
          for (Change ch : etcd.keyspace(c.type).history) {
            if (ch.resourceVersion > fromRv) {
              SimulatedApiserver.deliver(w, ch);
              last = ch.resourceVersion;
            }
          }
          fromRv = last;
          w.fromRv = last; // the cache's copies of these changes are skipped
          ok = api.watch(w, last, onInitialState, false);
        }
      } finally {
        etcd.lock.readLock().unlock();
      }
    } else {
      ok = api.watch(w, fromRv, onInitialState, initial);
    }
    if (!ok && w.silent) {
      // A half-open connection tells the client nothing, a 410 included: held like any silent
      // watch, from the cache's current resourceVersion (it sends nothing either way).
      fromRv = api.cacheResourceVersion(c.type);
      ok = api.watch(w, fromRv, onInitialState, false);
    }
    if (!ok) {
      // Too old for the event window: an ERROR event with a 410 Status, as the cacher sends.
      w.sendLine(
          WatchEvents.error(
              Status.tooOldResourceVersion(fromRv, api.cacheResourceVersion(c.type))));
      w.end(); // closing the stream counts the watch closed
      return;
    }
    if (!initial) {
      w.fromRv = fromRv;
    }
    w.endAfter(java.time.Duration.ofSeconds(timeoutSeconds), sim.scheduler());
    // Commits the headers now: the client sees the watch established (then, maybe, dropped).
    w.commit(drop ? () -> w.abort(new IOException("watch dropped by fault script")) : null);
  }

  private boolean isDropWindowOpen(ApiCall c) {
    for (FaultRule r : sim.faults().activeTimedRules()) {
      if (r.fault.kind() == Fault.Kind.DROP_WATCHES && r.matches("watch", c.type.resourceName())) {
        return true;
      }
    }
    return false;
  }
}
