package dev.safeclient.testing;

import com.google.gson.JsonObject;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The simulated storage: one global, monotonically increasing resourceVersion, and MVCC history
 * until compaction. Every write reaches each simulated apiserver's watch cache in RV order.
 */
final class Etcd {
  /**
   * History kept at most, whatever its age: enough for continue tokens of a 150k-object list under
   * steady churn, small enough that a long benchmark does not keep every old object alive.
   */
  static final int HISTORY_CAPACITY = 500_000;

  final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<ResourceType, Keyspace> keyspaces = new HashMap<>();
  private final Clock clock;
  private final long compactionMillis;
  final List<SimulatedApiserver> watchers = new CopyOnWriteArrayList<>();
  private volatile long rv = 1;

  Etcd(Clock clock, long compactionMillis) {
    this.clock = clock;
    this.compactionMillis = compactionMillis;
  }

  long currentRv() {
    return rv;
  }

  /** Call with the read or write lock held. */
  Keyspace keyspace(ResourceType t) {
    Keyspace k = keyspaces.get(t);
    if (k == null) {
      if (!lock.isWriteLockedByCurrentThread()) {
        return new Keyspace(); // nothing stored yet; an empty view
      }
      k = new Keyspace();
      keyspaces.put(t, k);
    }
    return k;
  }

  Map<ResourceType, Keyspace> keyspaces() {
    return keyspaces;
  }

  /**
   * Commits a write; the caller holds the write lock. Stamps the next RV into {@code object}'s
   * metadata, encodes it once (and records the size etcd stores), and hands the change to every
   * watch cache.
   */
  Change commit(ResourceType t, Change.Type type, JsonObject object, StoredObject previous) {
    long next = rv + 1;
    object.getAsJsonObject("metadata").addProperty("resourceVersion", Long.toString(next));
    StoredObject stored = StoredObject.of(object);
    stored.stored(ProtobufEncoding.storedSize(t, stored));
    long now = clock.millis();
    Change c = new Change(next, t, type, stored, previous, now);
    Keyspace k = keyspace(t);
    k.apply(c);
    k.compact(now - compactionMillis, HISTORY_CAPACITY);
    rv = next;
    for (SimulatedApiserver a : watchers) {
      a.offer(c);
    }
    return c;
  }

  /**
   * Whether the state at {@code rv} is gone: a later change is older than the compaction period, so
   * etcd has compacted past {@code rv}. Read-only: callers may hold only the read lock.
   */
  boolean isCompacted(ResourceType t, long rv) {
    Keyspace k = keyspace(t);
    if (rv < k.compactedRv) {
      return true;
    }
    long oldest = clock.millis() - compactionMillis;
    // The first change after rv decides; walk back from the newest (few changes follow rv).
    Change first = null;
    java.util.Iterator<Change> it = k.history.descendingIterator();
    while (it.hasNext()) {
      Change c = it.next();
      if (c.resourceVersion <= rv) {
        break;
      }
      first = c;
    }
    if (first != null) {
      return first.timeMillis < oldest;
    }
    return false;
  }
}
