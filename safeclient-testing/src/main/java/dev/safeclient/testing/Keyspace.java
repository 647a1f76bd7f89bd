package dev.safeclient.testing;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * The objects of one resource, sorted by key like etcd, with a bounded history of changes so a
 * state at an older resourceVersion can be read (etcd's MVCC before compaction; the watch cache's
 * event window and, from 1.34, its snapshots). Not thread-safe: the owner locks.
 */
final class Keyspace {
  final TreeMap<String, StoredObject> current = new TreeMap<>();
  final ArrayDeque<Change> history = new ArrayDeque<>();

  /** States at RVs at or after this one can be rebuilt; older ones are compacted away. */
  long compactedRv;

  /** JSON bytes of the current objects. */
  long bytes;

  /** Bytes etcd stores for the current objects (Protobuf for built-in kinds, JSON for CRDs). */
  long storedBytes;

  void apply(Change c) {
    StoredObject before =
        c.type == Change.Type.DELETED ? current.remove(c.key) : current.put(c.key, c.object);
    if (before != null) {
      bytes -= before.json.length;
      storedBytes -= before.storedBytes();
    }
    if (c.type != Change.Type.DELETED) {
      bytes += c.object.json.length;
      storedBytes += c.object.storedBytes();
    }
    history.addLast(c);
  }

  /** Drops history older than {@code minTimeMillis} or beyond {@code capacity} entries. */
  void compact(long minTimeMillis, int capacity) {
    while (!history.isEmpty()
        && (history.size() > capacity || history.peekFirst().timeMillis < minTimeMillis)) {
      compactedRv = history.pollFirst().resourceVersion;
    }
  }

  boolean canReadAt(long rv) {
    return rv >= compactedRv;
  }

  int size() {
    return current.size();
  }

  /** The average JSON size of the current objects. */
  long averageObjectBytes() {
    return current.isEmpty() ? 0 : bytes / current.size();
  }

  /**
   * The average size etcd stores, as the apiserver's object-count tracker estimates it for APF
   * (storage.Stats.EstimatedAverageObjectSizeBytes).
   */
  long averageStoredBytes() {
    return current.isEmpty() ? 0 : storedBytes / current.size();
  }

  /** Number of objects under the key prefix of {@code namespace} ("" = all). */
  int countUnder(String namespace) {
    return namespace.isEmpty() ? current.size() : range(current, namespace, "").size();
  }

  /**
   * The objects under {@code namespace} ("" = all) with keys after {@code afterKey} (exclusive; ""
   * = from the start), in key order, as they were at {@code rv} ({@code rv <= 0} = now).
   */
  Iterator<StoredObject> iterate(String namespace, String afterKey, long rv) {
    NavigableMap<String, StoredObject> live = range(current, namespace, afterKey);
    TreeMap<String, StoredObject> overlay = new TreeMap<>();
    if (rv > 0) {
      Iterator<Change> it = history.descendingIterator();
      while (it.hasNext()) {
        Change c = it.next();
        if (c.resourceVersion <= rv) {
          break;
        }
        overlay.put(c.key, c.previous); // older changes overwrite: the state just before them
      }
    }
    NavigableMap<String, StoredObject> past = range(overlay, namespace, afterKey);
    if (past.isEmpty()) {
      return live.values().iterator();
    }
    return new MergedIterator(live, past);
  }

  private static NavigableMap<String, StoredObject> range(
      NavigableMap<String, StoredObject> map, String namespace, String afterKey) {
    NavigableMap<String, StoredObject> m = map;
    if (!namespace.isEmpty()) {
      // '/' + 1 == '0': every "ns/..." key sorts below "ns0".
      m = m.subMap(namespace + "/", true, namespace + "0", false);
    }
    if (!afterKey.isEmpty()) {
      m = m.tailMap(afterKey, false);
    }
    return m;
  }

  /** Merges the live map with an overlay of older states (null value = did not exist then). */
  private static final class MergedIterator implements Iterator<StoredObject> {
    private final Iterator<Map.Entry<String, StoredObject>> live;
    private final Iterator<Map.Entry<String, StoredObject>> past;
    private Map.Entry<String, StoredObject> l;
    private Map.Entry<String, StoredObject> p;
    private StoredObject next;

    MergedIterator(
        NavigableMap<String, StoredObject> live, NavigableMap<String, StoredObject> past) {
      this.live = live.entrySet().iterator();
      this.past = past.entrySet().iterator();
      l = this.live.hasNext() ? this.live.next() : null;
      p = this.past.hasNext() ? this.past.next() : null;
      advance();
    }

    private void advance() {
      next = null;
      while (next == null && (l != null || p != null)) {
        int cmp = l == null ? 1 : p == null ? -1 : l.getKey().compareTo(p.getKey());
        if (cmp < 0) {
          next = l.getValue();
          l = live.hasNext() ? live.next() : null;
        } else {
          next = p.getValue(); // may be null: absent at that RV
          if (cmp == 0) {
            l = live.hasNext() ? live.next() : null;
          }
          p = past.hasNext() ? past.next() : null;
        }
      }
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public StoredObject next() {
      if (next == null) {
        throw new NoSuchElementException();
      }
      StoredObject n = next;
      advance();
      return n;
    }
  }
}
