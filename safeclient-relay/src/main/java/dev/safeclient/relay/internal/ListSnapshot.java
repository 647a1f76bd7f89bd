package dev.safeclient.relay.internal;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A full state at one resource version that is not the cache's: what one coalesced consistent
 * upstream LIST answered. Kept (one per resource) so that the continue tokens of its pages can be
 * served from it.
 */
final class ListSnapshot {
  final long resourceVersion;
  private final TreeMap<String, CachedObject> objects = new TreeMap<>();

  ListSnapshot(long resourceVersion, List<CachedObject> items) {
    this.resourceVersion = resourceVersion;
    for (CachedObject o : items) {
      objects.put(o.key, o);
    }
  }

  ResourceCache.Page page(Selection s, String start, int limit) {
    return ResourceCache.Page.of(
        s,
        resourceVersion,
        (start == null ? objects : objects.tailMap(start, true)).values(),
        limit);
  }

  Collection<CachedObject> objects() {
    return objects.values();
  }

  Optional<CachedObject> get(String key) {
    return Optional.ofNullable(objects.get(key));
  }

  int size() {
    return objects.size();
  }
}
