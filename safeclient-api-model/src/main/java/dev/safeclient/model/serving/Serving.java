package dev.safeclient.model.serving;

/**
 * Where one read is served, as the apiserver's cacher decides it, and what happens when the watch
 * cache cannot answer yet. Produced by {@link ReadServing#decide}.
 */
public final class Serving {
  /** What a read does when the watch cache is not (yet) able to answer it. */
  public enum WhenCacheBehind {
    /** Nothing to wait for: it is answered at once. */
    NONE,
    /**
     * Waits up to {@link ReadServing#FRESHNESS_WAIT}, then falls back to etcd (consistent reads).
     */
    WAIT_THEN_ETCD,
    /** Waits up to {@link ReadServing#FRESHNESS_WAIT}, then 504 ResourceVersionTooLarge. */
    WAIT_THEN_TOO_LARGE_RESOURCE_VERSION
  }

  /** What a read does when the watch cache is initialising. */
  public enum WhenNotReady {
    /** Served as decided: the cache is ready, or the read does not need it. */
    SERVE,
    /** Answered 429 "storage is (re)initializing" with Retry-After (1.31+). */
    TOO_MANY_REQUESTS,
    /** Waits for the cache, then 503 (1.30, ResilientWatchCacheInitialization off). */
    WAIT_THEN_SERVICE_UNAVAILABLE
  }

  private final ServedFrom from;
  private final boolean consistentRead;
  private final WhenCacheBehind whenBehind;
  private final WhenNotReady whenNotReady;
  private final boolean limitHonoured;

  Serving(
      ServedFrom from,
      boolean consistentRead,
      WhenCacheBehind whenBehind,
      WhenNotReady whenNotReady,
      boolean limitHonoured) {
    this.from = from;
    this.consistentRead = consistentRead;
    this.whenBehind = whenBehind;
    this.whenNotReady = whenNotReady;
    this.limitHonoured = limitHonoured;
  }

  public ServedFrom from() {
    return from;
  }

  public boolean fromCache() {
    return from != ServedFrom.ETCD;
  }

  /** A consistent read (RV unset, or an inconsistent continuation) that the cache serves. */
  public boolean consistentRead() {
    return consistentRead;
  }

  public WhenCacheBehind whenCacheBehind() {
    return whenBehind;
  }

  public WhenNotReady whenNotReady() {
    return whenNotReady;
  }

  /**
   * Whether the answer is paged by {@code limit}: etcd and snapshots page; the cache's current
   * state ignores limit for RV "0" and up to 1.33 for a not-older-than read.
   */
  public boolean limitHonoured() {
    return limitHonoured;
  }

  @Override
  public String toString() {
    return from
        + (consistentRead ? " consistent" : "")
        + (whenBehind == WhenCacheBehind.NONE ? "" : " " + whenBehind)
        + (whenNotReady == WhenNotReady.SERVE ? "" : " " + whenNotReady)
        + (limitHonoured ? "" : " limit ignored");
  }
}
