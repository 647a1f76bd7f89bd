package dev.safeclient.model.serving;

/** Where the apiserver answers a read from. */
public enum ServedFrom {
  /** The watch cache's current state (after waiting for a requested RV, if one was given). */
  WATCH_CACHE,
  /** A watch-cache snapshot at an exact resourceVersion (ListFromCacheSnapshot, 1.34+). */
  CACHE_SNAPSHOT,
  /** etcd: every key under the resource's prefix that the read passes is loaded. */
  ETCD
}
