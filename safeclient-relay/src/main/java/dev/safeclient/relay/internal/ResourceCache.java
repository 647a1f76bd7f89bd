package dev.safeclient.relay.internal;

import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relayed resource's cache, the relay's watch cache: the current objects by key (with a node
 * index for pods), and a window of recent events, each with the object before it, so that a watch
 * can resume inside the window and a snapshot at any resource version inside it can be rebuilt (for
 * {@code resourceVersionMatch=Exact} and for continue tokens). The resource version it serves only
 * moves forward.
 *
 * <p>Every method takes the one lock: a change, its dispatch to the watchers, and a watcher's
 * replay-then-register are atomic, so no watcher can miss an event between its replay and its
 * registration, nor see one twice.
 */
public final class ResourceCache implements CacheFeed {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceCache.class);

  enum EventType {
    ADDED,
    MODIFIED,
    DELETED
  }

  /** One change. {@code previous} is the object before it: null for ADDED. */
  record Event(EventType type, long resourceVersion, CachedObject object, CachedObject previous) {
    long bytes() {
      return object.size() + (previous == null ? 0 : previous.size());
    }
  }

  /**
   * A list answer: the items, the RV they are the state at, the key to continue after, and how many
   * items follow (null unless counted: only a selection without selectors has it, as
   * storage.PrepareContinueToken sets remainingItemCount only for an empty predicate).
   */
  record Page(
      List<CachedObject> items,
      long resourceVersion,
      String continueAfter,
      Long remainingItemCount) {

    /** A page of {@code states} (key order; null where no object is) from its first on. */
    static Page of(Selection s, long rv, Iterable<CachedObject> states, int limit) {
      boolean count = limit > 0 && s.predicate.isEverything();
      List<CachedObject> items = new ArrayList<>();
      String last = null;
      long remaining = 0;
      for (CachedObject o : states) {
        if (!s.matches(o)) {
          continue;
        }
        if (limit > 0 && items.size() == limit) {
          if (!count) {
            remaining = -1;
            break;
          }
          remaining++;
          continue;
        }
        items.add(o);
        last = o.key;
      }
      boolean more = remaining != 0;
      return new Page(items, rv, more ? last : null, more && count ? remaining : null);
    }
  }

  /** The cache has not reached a resource version in time: 504 ResourceVersionTooLarge. */
  static final class TooLargeResourceVersion extends RuntimeException {
    final long requested;
    final long current;

    TooLargeResourceVersion(long requested, long current) {
      super(
          "Too large resource version: " + requested + ", current: " + current, null, false, false);
      this.requested = requested;
      this.current = current;
    }
  }

  /** A resource version older than the retained window: 410 Expired. */
  static final class Expired extends RuntimeException {
    final long requested;
    final long oldest;

    Expired(long requested, long oldest) {
      super("too old resource version: " + requested + " (" + oldest + ")", null, false, false);
      this.requested = requested;
      this.oldest = oldest;
    }
  }

  /** Not synced yet: 429 with Retry-After, never an empty list. */
  static final class NotReady extends RuntimeException {
    NotReady() {
      super("storage is (re)initializing", null, false, false);
    }
  }

  private final String resource;
  private final boolean nodeIndexed;
  private final int maxEvents;
  private final long maxEventBytes;
  private final TimeSource clock;

  /**
   * Where reads waiting for a resource version continue: never on the feed thread that reached it,
   * under the lock every change and read takes, since a continuation builds and writes an answer.
   */
  private final Executor completions;

  private final TreeMap<String, CachedObject> objects = new TreeMap<>();
  private final Map<String, NavigableSet<String>> byNode = new HashMap<>();
  private final ArrayDeque<Event> window = new ArrayDeque<>();
  private long windowBytes;

  /** The resource version the cache is at; 0 until the first full state. */
  private long resourceVersion;

  /**
   * Every event after this RV is in the window: the RV of the last event trimmed, or of the last
   * full state. A watch or snapshot from an RV at or after it can be served.
   */
  private long windowStart;

  /**
   * Whether list items go without {@code kind} and {@code apiVersion}: the API server writes a
   * built-in type's list items bare, a custom resource's with both. Learnt from the upstream's
   * lists; until one had an item, assumed from the group (built-in groups have no dot, or end in
   * {@code .k8s.io}).
   */
  private volatile boolean listItemsBare;

  private long relists;
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
  private final List<CacheWatcher> watchers = new CopyOnWriteArrayList<>();

  ResourceCache(
      String resource,
      boolean nodeIndexed,
      int maxEvents,
      long maxEventBytes,
      TimeSource clock,
      Executor completions) {
    this.resource = resource;
    this.nodeIndexed = nodeIndexed;
    this.maxEvents = maxEvents;
    this.maxEventBytes = maxEventBytes;
    this.clock = clock;
    this.completions = completions;
  }

  boolean listItemsBare() {
    return listItemsBare;
  }

  void listItemsBare(boolean bare) {
    this.listItemsBare = bare;
  }

  String resource() {
    return resource;
  }

  synchronized boolean synced() {
    return resourceVersion > 0;
  }

  synchronized long resourceVersion() {
    return resourceVersion;
  }

  synchronized long windowStart() {
    return windowStart;
  }

  synchronized int size() {
    return objects.size();
  }

  synchronized int windowEvents() {
    return window.size();
  }

  synchronized long windowBytes() {
    return windowBytes;
  }

  synchronized long relists() {
    return relists;
  }

  /** Reads waiting for the cache to reach a resource version. */
  synchronized int waiting() {
    return waiters.values().stream().mapToInt(List::size).sum();
  }

  int watchers() {
    return watchers.size();
  }

  // ---- what the upstream tells the cache ----

  /**
   * A full state. As the apiserver's watch cache does on its reflector's relist ({@code
   * watchCache.Replace}: the event window is emptied, and {@code cacher.startCaching} terminates
   * every watcher), the window restarts at the list's RV and every open watch is ended cleanly.
   * Changes between the old state and the new one are not known one by one, so a watcher kept open
   * would silently miss them; ended, it resumes from its own RV: inside the new window (at or after
   * the list's RV) it goes on, older it gets 410 and relists from this cache, never from the API
   * server. A full state older than what is already served is refused: time never goes back.
   */
  @Override
  public synchronized void replaced(List<CachedObject> list, long rv) {
    if (rv < resourceVersion) {
      LOG.warn(
          "{}: a full state at RV {} is older than the served RV {}; kept the newer state",
          resource,
          rv,
          resourceVersion);
      return;
    }
    if (resourceVersion > 0) {
      relists++;
    }
    objects.clear();
    byNode.clear();
    for (CachedObject o : list) {
      objects.put(o.key, o);
      index(o);
    }
    window.clear();
    windowBytes = 0;
    windowStart = rv;
    resourceVersion = rv;
    for (CacheWatcher w : watchers) {
      w.end();
    }
    watchers.clear();
    wake();
  }

  @Override
  public void added(CachedObject o) {
    change(EventType.ADDED, o);
  }

  @Override
  public void modified(CachedObject o) {
    change(EventType.MODIFIED, o);
  }

  @Override
  public void deleted(CachedObject o) {
    change(EventType.DELETED, o);
  }

  private synchronized void change(EventType type, CachedObject o) {
    if (resourceVersion == 0) {
      throw new IllegalStateException(resource + ": a change before the first full state");
    }
    if (o.resourceVersion <= resourceVersion) {
      // Already seen (a replayed event after a reconnect): applying it would go back in time.
      return;
    }
    CachedObject previous = objects.get(o.key);
    EventType t = type;
    if (type == EventType.DELETED) {
      if (previous == null) {
        // Deleted before we saw it: nothing any watcher could have been told of.
        advance(o.resourceVersion);
        return;
      }
      objects.remove(o.key);
      unindex(previous);
    } else {
      objects.put(o.key, o);
      if (previous != null) {
        unindex(previous);
      }
      index(o);
      t = previous == null ? EventType.ADDED : EventType.MODIFIED;
    }
    Event e = new Event(t, o.resourceVersion, o, previous);
    window.addLast(e);
    windowBytes += e.bytes();
    trim();
    resourceVersion = o.resourceVersion;
    // The object's bytes are framed once, shared by every watcher's stream (read-only buffers).
    byte[] shared = watchers.isEmpty() ? null : o.objectJson();
    for (CacheWatcher w : watchers) {
      if (!w.offer(e, shared)) {
        watchers.remove(w);
      }
    }
    wake();
  }

  @Override
  public synchronized void progressed(long rv) {
    advance(rv);
  }

  private void advance(long rv) {
    if (rv > resourceVersion && resourceVersion > 0) {
      resourceVersion = rv;
      wake();
    }
  }

  private void trim() {
    while (window.size() > maxEvents || (windowBytes > maxEventBytes && window.size() > 1)) {
      Event dropped = window.removeFirst();
      windowBytes -= dropped.bytes();
      windowStart = dropped.resourceVersion;
    }
  }

  private void index(CachedObject o) {
    if (nodeIndexed && o.nodeName != null) {
      byNode.computeIfAbsent(o.nodeName, n -> new TreeSet<>()).add(o.key);
    }
  }

  private void unindex(CachedObject o) {
    if (nodeIndexed && o.nodeName != null) {
      NavigableSet<String> keys = byNode.get(o.nodeName);
      if (keys != null) {
        keys.remove(o.key);
        if (keys.isEmpty()) {
          byNode.remove(o.nodeName);
        }
      }
    }
  }

  private void wake() {
    NavigableMap<Long, List<CompletableFuture<Void>>> due = waiters.headMap(resourceVersion, true);
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    for (List<CompletableFuture<Void>> l : due.values()) {
      ready.addAll(l);
    }
    due.clear();
    for (CompletableFuture<Void> f : ready) {
      completions.execute(() -> f.complete(null));
    }
  }

  // ---- reads ----

  /**
   * Completes when the cache has reached {@code rv}; after {@code wait} without reaching it, fails
   * with {@link TooLargeResourceVersion}, as the apiserver's {@code waitUntilFreshAndBlock}.
   */
  synchronized CompletableFuture<Void> awaitResourceVersion(long rv, Duration wait) {
    if (resourceVersion == 0) {
      return CompletableFuture.failedFuture(new NotReady());
    }
    if (rv <= resourceVersion) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    waiters.computeIfAbsent(rv, k -> new ArrayList<>()).add(f);
    TimeSource.Timer timer =
        clock.schedule(
            wait,
            () -> {
              long current;
              synchronized (this) {
                List<CompletableFuture<Void>> l = waiters.get(rv);
                if (l != null) {
                  l.remove(f);
                  if (l.isEmpty()) {
                    waiters.remove(rv);
                  }
                }
                current = resourceVersion;
              }
              f.completeExceptionally(new TooLargeResourceVersion(rv, current));
            });
    f.whenComplete((v, t) -> timer.cancel());
    return f;
  }

  /** One object's current state (a GET), or empty. */
  synchronized Optional<CachedObject> get(String namespace, String name) {
    requireSynced();
    return Optional.ofNullable(objects.get(CachedObject.key(namespace, name)));
  }

  /**
   * A page of the current state, the state at the cache's RV: a list served from the cache. {@code
   * limit} 0 means all.
   */
  synchronized Page listCurrent(Selection s, String start, int limit) {
    requireSynced();
    return pageFrom(s, resourceVersion, start, limit, new TreeMap<>());
  }

  /**
   * A page of the state at {@code rv}, from key {@code start} on (null: from the first): the state
   * now with every change after {@code rv} undone, from the window. Never the current state for an
   * older RV: 410 when the window no longer reaches back to {@code rv}.
   */
  synchronized Page listAt(Selection s, long rv, String start, int limit) {
    requireSynced();
    if (rv > resourceVersion) {
      throw new TooLargeResourceVersion(rv, resourceVersion);
    }
    if (rv < windowStart) {
      throw new Expired(rv, windowStart);
    }
    // The state at rv of every key changed since: the earliest later event's previous object.
    TreeMap<String, CachedObject> undone = new TreeMap<>();
    Iterator<Event> newestFirst = window.descendingIterator();
    while (newestFirst.hasNext()) {
      Event e = newestFirst.next();
      if (e.resourceVersion <= rv) {
        break;
      }
      undone.put(e.object.key, e.previous);
    }
    return pageFrom(s, rv, start, limit, undone);
  }

  private Page pageFrom(
      Selection s, long rv, String start, int limit, TreeMap<String, CachedObject> undone) {
    NavigableSet<String> candidates = candidates(s, start, undone);
    Iterable<CachedObject> states =
        () ->
            candidates.stream()
                .map(key -> undone.containsKey(key) ? undone.get(key) : objects.get(key))
                .iterator();
    return Page.of(s, rv, states, limit);
  }

  /** The keys a selection can match, in key order, from the narrowest index that applies. */
  private NavigableSet<String> candidates(
      Selection s, String start, TreeMap<String, CachedObject> undone) {
    TreeSet<String> keys = new TreeSet<>();
    if (s.name != null && (s.namespace != null || !objects.isEmpty())) {
      if (s.namespace != null) {
        keys.add(CachedObject.key(s.namespace, s.name));
      } else {
        for (String k : objects.keySet()) {
          if (k.equals(s.name) || k.endsWith("/" + s.name)) {
            keys.add(k);
          }
        }
      }
      for (String k : undone.keySet()) {
        if (k.equals(s.name) || k.endsWith("/" + s.name)) {
          keys.add(k);
        }
      }
    } else if (nodeIndexed && s.nodeName != null) {
      keys.addAll(byNode.getOrDefault(s.nodeName, Collections.emptyNavigableSet()));
      keys.addAll(undone.keySet());
    } else if (s.namespace != null) {
      String from = s.namespace + "/";
      String to = s.namespace + "/\uffff";
      keys.addAll(objects.subMap(from, true, to, true).navigableKeySet());
      keys.addAll(undone.subMap(from, true, to, true).navigableKeySet());
    } else {
      keys.addAll(objects.navigableKeySet());
      keys.addAll(undone.navigableKeySet());
    }
    return start == null ? keys : keys.tailSet(start, true);
  }

  /**
   * Opens a watch from {@code rv}: every event after it, in order, then every new one. {@code
   * initialState} first sends the current state as ADDED events (RV 0 or unset, or
   * sendInitialEvents). Throws {@link Expired} for an RV older than the window. An RV ahead of the
   * cache is accepted, as the cacher accepts it: the watcher gets only events after it (the
   * cacher's {@code processInterval} drops the events at or before the RV it starts from).
   */
  synchronized void watch(CacheWatcher w, long rv, boolean initialState) {
    requireSynced();
    if (initialState) {
      w.start(state(w.selection), resourceVersion, List.of());
    } else {
      if (rv < windowStart) {
        throw new Expired(rv, windowStart);
      }
      w.start(null, rv, since(rv));
    }
    register(w);
  }

  /**
   * The objects a selection matches now, from the narrowest index, as a list: a node's agent gets
   * its node's pods without a scan. References only; the watcher encodes them as its stream drains.
   */
  private List<CachedObject> state(Selection s) {
    List<CachedObject> state = new ArrayList<>();
    for (String key : candidates(s, null, new TreeMap<>())) {
      CachedObject o = objects.get(key);
      if (s.matches(o)) {
        state.add(o);
      }
    }
    return state;
  }

  /** The window's events after {@code rv}, oldest first. */
  private List<Event> since(long rv) {
    List<Event> after = new ArrayList<>();
    Iterator<Event> newestFirst = window.descendingIterator();
    while (newestFirst.hasNext()) {
      Event e = newestFirst.next();
      if (e.resourceVersion <= rv) {
        break;
      }
      after.add(e);
    }
    Collections.reverse(after);
    return after;
  }

  /**
   * Opens a watch whose initial state is {@code list}, a consistent list made upstream because the
   * cache had not reached the API server's RV: its objects as ADDED events, then every change after
   * its RV, which the cache passes on as it reaches them. Never the cache's older state. If the
   * cache has meanwhile relisted past the list (its window starts after it), its own state is the
   * fresher one and serves the read.
   */
  synchronized void watchFrom(CacheWatcher w, ListSnapshot list) {
    requireSynced();
    if (list.resourceVersion < windowStart) {
      watch(w, 0, true);
      return;
    }
    List<CachedObject> state = new ArrayList<>();
    for (CachedObject o : list.objects()) {
      if (w.selection.matches(o)) {
        state.add(o);
      }
    }
    w.start(state, list.resourceVersion, since(list.resourceVersion));
    register(w);
  }

  /**
   * Registers a started watcher, unless it ended meanwhile (its timeout or its client, while it
   * waited for its start or took its initial events): nothing would remove it before a change.
   */
  private void register(CacheWatcher w) {
    if (!w.ended()) {
      watchers.add(w);
    }
  }

  void forget(CacheWatcher w) {
    watchers.remove(w);
  }

  /** Sends each bookmark-taking watcher a bookmark at the cache's RV. */
  synchronized void bookmarks() {
    if (resourceVersion == 0) {
      return;
    }
    for (CacheWatcher w : watchers) {
      w.bookmark(resourceVersion);
    }
  }

  /** Sends {@code w} a bookmark at the cache's RV, if it has started (its initial events sent). */
  synchronized void bookmark(CacheWatcher w) {
    if (resourceVersion > 0 && watchers.contains(w)) {
      w.bookmark(resourceVersion);
    }
  }

  synchronized void endAll() {
    for (CacheWatcher w : watchers) {
      w.end();
    }
    watchers.clear();
  }

  private void requireSynced() {
    if (resourceVersion == 0) {
      throw new NotReady();
    }
  }
}
