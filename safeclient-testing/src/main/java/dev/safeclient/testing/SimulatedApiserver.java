package dev.safeclient.testing;

import dev.safeclient.apiserver.WatchEvents;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One simulated apiserver of the control plane, reached through {@link KubeSim#apiserver(int)}. It
 * owns a watch cache fed from etcd, possibly with a lag, and the watches opened through it.
 */
public final class SimulatedApiserver {
  private final int index;
  private final Etcd etcd;
  private final Clock clock;
  private final SimConfig config;
  private final Object mon = new Object();
  private final Map<ResourceType, CacheResource> resources = new HashMap<>();
  private final ArrayDeque<Change> pending = new ArrayDeque<>();
  private long rv;
  private boolean paused;
  private volatile long lagMillis;
  private volatile boolean ready = true;
  private long readyAtMillis;
  private final ClockWaits waits;

  /** The RV the last etcd progress notification carried: where a resource without events is. */
  private long progressRv;

  private long nextProgressMillis;

  SimulatedApiserver(
      int index, Etcd etcd, Clock clock, SimConfig config, Duration lag, ClockWaits waits) {
    this.index = index;
    this.etcd = etcd;
    this.clock = clock;
    this.config = config;
    this.waits = waits;
    this.lagMillis = lag.toMillis();
    this.rv = etcd.currentRv();
    this.progressRv = rv;
    this.nextProgressMillis = clock.millis() + config.progressNotifyInterval.toMillis();
  }

  /** This apiserver's position in {@link KubeSimStats#requestsByApiserver()}. */
  public int index() {
    return index;
  }

  /**
   * The resourceVersion its watch of etcd has reached: the newest event it applied, of any
   * resource. Each resource's own cache may be behind it; see {@link
   * #cacheResourceVersion(ResourceType)}.
   */
  public long cacheResourceVersion() {
    synchronized (mon) {
      return rv;
    }
  }

  /**
   * The resourceVersion one resource's watch cache has reached: its own newest event, or the last
   * etcd progress notification (or progress request) if later.
   */
  public long cacheResourceVersion(ResourceType t) {
    synchronized (mon) {
      return resource(t).rv;
    }
  }

  /** Its watch cache stops applying changes (a frozen lag) until {@link #resumeCache()}. */
  public void pauseCache() {
    synchronized (mon) {
      paused = true;
    }
  }

  /** Applies what the cache missed while paused (subject to its lag). */
  public void resumeCache() {
    synchronized (mon) {
      paused = false;
    }
    catchUp();
  }

  /** How far its watch cache trails etcd, by the simulation clock. */
  public void cacheLag(Duration lag) {
    lagMillis = lag.toMillis();
    catchUp();
  }

  /**
   * Restarts this apiserver: its watches drop, and its watch cache is initialising for the
   * builder's {@code cacheInitialization} time, answering LIST and WATCH from the cache with 429
   * (K8S-API-FACTS: "After an apiserver restart, the watch cache is initialising").
   */
  public void restart() {
    List<WatchStream> dropped = new ArrayList<>();
    synchronized (mon) {
      ready = false;
      readyAtMillis = clock.millis() + config.cacheInitialization.toMillis();
      for (CacheResource r : resources.values()) {
        dropped.addAll(r.allWatchers());
      }
      resources.clear();
      pending.clear();
    }
    for (WatchStream w : dropped) {
      w.abort(new IOException("apiserver restarted"));
    }
    catchUp();
  }

  boolean isReady() {
    catchUp();
    return ready;
  }

  /** Waits for the cache to finish initialising, on KubeSim's clock (1.30's ready.wait). */
  boolean awaitReady(Duration timeout) throws InterruptedException {
    long start = clock.millis();
    long untilReady;
    synchronized (mon) {
      untilReady = Math.max(0, readyAtMillis - start);
    }
    try {
      // The wait's deadline is the end of initialisation if that comes first: a virtual clock
      // then stops there, not at the request timeout.
      return untilReady < timeout.toMillis()
          ? waits.await(mon, this::catchUp, () -> ready, Duration.ofMillis(untilReady)) || isReady()
          : waits.await(mon, this::catchUp, () -> ready, timeout);
    } finally {
      SimStats.waited(clock.millis() - start);
    }
  }

  long retryAfterWhileInitializing() {
    long left = Math.max(0, readyAtMillis - clock.millis());
    return Math.min(30, Math.max(1, (left + 999) / 1000)); // the fact sheet's 1–30 s
  }

  /** Called by etcd with its write lock held, in RV order. */
  void offer(Change c) {
    synchronized (mon) {
      if (!ready) {
        return; // rebuilt from etcd when initialisation ends
      }
      if (pending.isEmpty() && !paused && lagMillis == 0) {
        apply(c);
      } else {
        pending.addLast(c);
      }
    }
  }

  /** Applies the changes its lag allows by now, and ends a restart's initialisation. */
  void catchUp() {
    if (!ready) {
      synchronized (mon) {
        if (ready || clock.millis() < readyAtMillis) {
          return;
        }
      }
      etcd.lock.readLock().lock();
      try {
        synchronized (mon) {
          if (!ready) {
            for (Map.Entry<ResourceType, Keyspace> e : etcd.keyspaces().entrySet()) {
              CacheResource r = resource(e.getKey());
              for (StoredObject o : e.getValue().current.values()) {
                r.put(o);
              }
            }
            rv = etcd.currentRv();
            progressRv = rv; // each resource's cache starts from a list at etcd's revision
            for (CacheResource r : resources.values()) {
              r.keyspace.compactedRv = rv; // a fresh cache has no event history
              r.rv = rv;
            }
            ready = true;
            mon.notifyAll();
          }
        }
      } finally {
        etcd.lock.readLock().unlock();
      }
      return;
    }
    synchronized (mon) {
      long now = clock.millis();
      long due = now - lagMillis;
      while (!paused && !pending.isEmpty() && pending.peekFirst().timeMillis <= due) {
        apply(pending.pollFirst());
      }
      if (now >= nextProgressMillis) {
        // etcd's periodic progress notification: every resource learns the revision this
        // apiserver's watch has reached, events or not.
        progressNotify();
        nextProgressMillis = now + config.progressNotifyInterval.toMillis();
      }
    }
  }

  /** Caller holds mon. */
  private void progressNotify() {
    progressRv = rv;
    for (CacheResource r : resources.values()) {
      r.rv = Math.max(r.rv, rv);
    }
    mon.notifyAll();
  }

  private void apply(Change c) {
    CacheResource r = resource(c.resource);
    r.apply(c, clock.millis());
    r.rv = c.resourceVersion;
    rv = c.resourceVersion;
    mon.notifyAll();
  }

  private CacheResource resource(ResourceType t) {
    return resources.computeIfAbsent(t, k -> new CacheResource(rv, progressRv));
  }

  /**
   * Waits until the watch cache of {@code t} has reached {@code minRv}, for at most {@code timeout}
   * on KubeSim's clock (the apiserver's 3 s; see {@link ClockWaits}). A resource's cache moves on
   * its own events and on etcd progress notifications; where the server requests progress on demand
   * (1.31+ with a recent etcd), a wait asks for it and the cache jumps to what this apiserver's
   * watch of etcd has seen (so a lagging apiserver still waits for its lag).
   */
  boolean waitFor(ResourceType t, long minRv, Duration timeout) throws InterruptedException {
    boolean requestProgress = config.version.requestsProgressOnDemand();
    long start = clock.millis();
    try {
      return awaitFresh(t, minRv, timeout, requestProgress);
    } finally {
      SimStats.waited(clock.millis() - start);
    }
  }

  private boolean awaitFresh(ResourceType t, long minRv, Duration timeout, boolean requestProgress)
      throws InterruptedException {
    return waits.await(
        mon,
        this::catchUp,
        () -> {
          CacheResource r = resource(t);
          if (requestProgress && r.rv < minRv) {
            r.rv = Math.max(r.rv, rv);
          }
          return r.rv >= minRv;
        },
        timeout);
  }

  /** The result of reading the cache: objects in key order and the cache RV they reflect. */
  static final class CacheList {
    final List<StoredObject> items;
    final long rv;
    final String continueAfter; // non-null if a snapshot page was cut by a limit
    final long scanned;
    final Long remaining; // remainingItemCount of a cut page without selectors, else null

    CacheList(
        List<StoredObject> items, long rv, String continueAfter, long scanned, Long remaining) {
      this.items = items;
      this.rv = rv;
      this.continueAfter = continueAfter;
      this.scanned = scanned;
      this.remaining = remaining;
    }
  }

  /**
   * The remainingItemCount of a page cut at {@code next} (already taken from {@code it}): every key
   * after the page, counted as etcd counts a range (store.go GetList: getResp.Count minus the page,
   * sent only when the predicate is empty, since the count includes objects a selector would drop).
   * Counting reads no object.
   */
  static long countRest(Iterator<StoredObject> it) {
    long n = 1;
    while (it.hasNext()) {
      it.next();
      n++;
    }
    return n;
  }

  /**
   * Lists from the cache. {@code atRv <= 0}: the current state; otherwise a snapshot at that RV
   * (1.34's ListFromCacheSnapshot), or null if the event window no longer holds it.
   */
  CacheList list(
      ResourceType t, String namespace, Selector sel, long atRv, String afterKey, long limit) {
    synchronized (mon) {
      CacheResource r = resource(t);
      if (atRv > 0 && atRv < r.rv && !r.keyspace.canReadAt(atRv)) {
        return null;
      }
      long snapshotRv = atRv > 0 ? Math.min(atRv, r.rv) : r.rv;
      Iterator<StoredObject> it;
      long scanned;
      String ns = sel.namespace != null && namespace.isEmpty() ? sel.namespace : namespace;
      if (sel.nodeName != null && atRv <= 0) {
        TreeMap<String, StoredObject> node = r.byNode.getOrDefault(sel.nodeName, new TreeMap<>());
        it = (afterKey.isEmpty() ? node : node.tailMap(afterKey, false)).values().iterator();
        scanned = 0;
      } else if (sel.name != null && atRv <= 0) {
        StoredObject o =
            ns.isEmpty()
                ? r.keyspace.current.get(sel.name)
                : r.keyspace.current.get(StoredObject.keyOf(ns, sel.name));
        if (o == null && ns.isEmpty()) { // namespaced objects queried across namespaces
          List<StoredObject> named = new ArrayList<>();
          r.keyspace
              .current
              .values()
              .forEach(
                  x -> {
                    if (x.name.equals(sel.name)) {
                      named.add(x);
                    }
                  });
          it = named.iterator();
        } else {
          it = o == null ? List.<StoredObject>of().iterator() : List.of(o).iterator();
        }
        scanned = 0;
      } else {
        it = r.keyspace.iterate(ns, afterKey, atRv > 0 ? atRv : 0);
        scanned = sel.scansEveryObject ? -1 : 0; // counted below
      }
      List<StoredObject> out = new ArrayList<>();
      long examined = 0;
      String last = null;
      boolean more = false;
      Long remaining = null;
      while (it.hasNext()) {
        StoredObject o = it.next();
        if (limit > 0 && out.size() >= limit) {
          more = true;
          remaining = sel.empty ? countRest(it) : null;
          break;
        }
        examined++;
        if ((namespace.isEmpty() || namespace.equals(o.namespace)) && sel.matches(o)) {
          out.add(o);
          last = o.key;
        }
      }
      return new CacheList(
          out, snapshotRv, more ? last : null, scanned < 0 ? examined : 0, remaining);
    }
  }

  /**
   * Registers a watch from {@code fromRv} (exclusive); replays the window's later events first.
   * Returns false if {@code fromRv} is older than the window (the caller answers 410). {@code
   * initial} receives the initial-state objects when {@code fromRv <= 0}.
   */
  boolean watch(WatchStream w, long fromRv, Consumer<Long> initialState, boolean initial) {
    synchronized (mon) {
      CacheResource r = resource(w.resource);
      if (initial) {
        long sent = 0;
        for (StoredObject o : r.keyspace.current.values()) {
          if (w.matches(o)) {
            w.sendAdded(o);
            sent++;
          }
        }
        SimStats.initialEvents(sent);
        initialState.accept(r.rv);
      } else {
        if (fromRv < r.rv && !r.keyspace.canReadAt(fromRv)) {
          return false;
        }
        for (Change c : r.keyspace.history) {
          if (c.resourceVersion > fromRv) {
            deliver(w, c);
          }
        }
      }
      r.add(w);
      w.onClose(
          () -> {
            synchronized (mon) {
              CacheResource cr = resources.get(w.resource);
              if (cr != null) {
                cr.remove(w);
              }
            }
          });
      return true;
    }
  }

  /** Sends every bookmark-enabled watch a BOOKMARK at the cache's RV, one encoding per kind. */
  void bookmarks() {
    catchUp();
    synchronized (mon) {
      for (Map.Entry<ResourceType, CacheResource> e : resources.entrySet()) {
        byte[] line = null;
        byte[] frame = null;
        for (WatchStream w : e.getValue().allWatchers()) {
          if (w.bookmarks) {
            if (line == null) {
              line = bookmarkLine(e.getKey(), e.getValue().rv, false);
            }
            if (w.protobuf && frame == null) {
              frame = ProtobufEncoding.frameFromJsonLine(line);
            }
            w.sendBookmark(w.protobuf ? frame : line);
          }
        }
      }
    }
  }

  static byte[] bookmarkLine(ResourceType t, long rv, boolean initialEventsEnd) {
    return WatchEvents.bookmark(t.apiVersion(), t.kind(), rv, initialEventsEnd);
  }

  /** Open watches through this apiserver matching {@code filter}. */
  List<WatchStream> watches(java.util.function.Predicate<WatchStream> filter) {
    List<WatchStream> out = new ArrayList<>();
    synchronized (mon) {
      for (CacheResource r : resources.values()) {
        for (WatchStream w : r.allWatchers()) {
          if (filter.test(w)) {
            out.add(w);
          }
        }
      }
    }
    return out;
  }

  static void deliver(WatchStream w, Change c) {
    if (c.resourceVersion <= w.fromRv) {
      return; // a watch from an RV ahead of the cache starts after it
    }
    boolean was = c.previous != null && w.matches(c.previous);
    boolean is = c.type != Change.Type.DELETED && w.matches(c.object);
    Change.Type as;
    if (c.type == Change.Type.DELETED) {
      if (!was) {
        return;
      }
      as = Change.Type.DELETED;
    } else if (is) {
      as = was ? Change.Type.MODIFIED : Change.Type.ADDED;
    } else if (was) {
      as = Change.Type.DELETED; // no longer matches: gone from this watcher's view
    } else {
      return;
    }
    w.send(w.protobuf ? c.frame(as) : c.line(as));
  }

  /** One resource in the cache: its objects and window, the node index, and its watchers. */
  private final class CacheResource {
    final Keyspace keyspace = new Keyspace();
    final Map<String, TreeMap<String, StoredObject>> byNode = new HashMap<>();
    final Map<String, Set<WatchStream>> watchersByNode = new HashMap<>();
    final Set<WatchStream> otherWatchers = new HashSet<>();

    /** The resourceVersion this resource's cache has reached. */
    long rv;

    CacheResource(long windowStart, long rv) {
      keyspace.compactedRv = windowStart;
      this.rv = rv;
    }

    void put(StoredObject o) {
      keyspace.current.put(o.key, o);
      keyspace.bytes += o.json.length;
      keyspace.storedBytes += o.storedBytes();
      index(null, o);
    }

    void apply(Change c, long now) {
      keyspace.apply(c);
      keyspace.compact(now - config.eventWindow.toMillis(), config.eventWindowCapacity);
      index(c.previous, c.type == Change.Type.DELETED ? null : c.object);
      // One fan-out per event: only the watchers that can match it are visited.
      // Copies: a send can close a slow watcher, which unregisters it (same thread, same lock).
      if (!otherWatchers.isEmpty()) {
        for (WatchStream w : List.copyOf(otherWatchers)) {
          deliver(w, c);
        }
      }
      String newNode = c.object.nodeName;
      String oldNode = c.previous == null ? "" : c.previous.nodeName;
      Set<WatchStream> onNew = watchersByNode.get(newNode);
      if (onNew != null) {
        for (WatchStream w : List.copyOf(onNew)) {
          deliver(w, c);
        }
      }
      if (!oldNode.equals(newNode)) {
        Set<WatchStream> onOld = watchersByNode.get(oldNode);
        if (onOld != null) {
          for (WatchStream w : List.copyOf(onOld)) {
            deliver(w, c);
          }
        }
      }
    }

    private void index(StoredObject before, StoredObject after) {
      if (before != null && !before.nodeName.isEmpty()) {
        TreeMap<String, StoredObject> m = byNode.get(before.nodeName);
        if (m != null) {
          m.remove(before.key);
          if (m.isEmpty()) {
            byNode.remove(before.nodeName);
          }
        }
      }
      if (after != null && !after.nodeName.isEmpty()) {
        byNode.computeIfAbsent(after.nodeName, k -> new TreeMap<>()).put(after.key, after);
      }
    }

    void add(WatchStream w) {
      if (w.indexNode != null) {
        watchersByNode.computeIfAbsent(w.indexNode, k -> new HashSet<>()).add(w);
      } else {
        otherWatchers.add(w);
      }
    }

    void remove(WatchStream w) {
      if (w.indexNode != null) {
        Set<WatchStream> s = watchersByNode.get(w.indexNode);
        if (s != null) {
          s.remove(w);
          if (s.isEmpty()) {
            watchersByNode.remove(w.indexNode);
          }
        }
      } else {
        otherWatchers.remove(w);
      }
    }

    List<WatchStream> allWatchers() {
      List<WatchStream> all = new ArrayList<>(otherWatchers);
      watchersByNode.values().forEach(all::addAll);
      return all;
    }
  }
}
