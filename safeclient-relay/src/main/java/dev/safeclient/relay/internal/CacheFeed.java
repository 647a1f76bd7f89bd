package dev.safeclient.relay.internal;

import java.util.List;

/**
 * What a relayed resource's cache is told by its upstream reflector: a full state at a resource
 * version (the first list and every relist), one change, or progress (a bookmark). The adapter from
 * the informer's raw feed is a few lines; tests drive the cache through this directly.
 */
public interface CacheFeed {
  /** A full state at {@code resourceVersion}: the first list, or a relist. */
  void replaced(List<CachedObject> objects, long resourceVersion);

  void added(CachedObject object);

  void modified(CachedObject object);

  /** The object's last state, carrying the resource version of its deletion. */
  void deleted(CachedObject object);

  /** The upstream state has reached {@code resourceVersion} with no change of this resource. */
  void progressed(long resourceVersion);
}
