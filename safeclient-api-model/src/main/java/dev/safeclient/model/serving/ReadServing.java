package dev.safeclient.model.serving;

import java.time.Duration;

/**
 * Where the apiserver serves a GET, LIST or WATCH, per server version: the cacher's and its
 * delegator's decision functions (k8s.io/apiserver pkg/storage/cacher), as pure functions.
 */
public final class ReadServing {
  /**
   * How long the watch cache waits for a requested resourceVersion before giving up (the cacher's
   * blockTimeout in watch_cache.go: 3 s), then 504 ResourceVersionTooLarge or, for a consistent
   * read, a fallback to etcd.
   */
  public static final Duration FRESHNESS_WAIT = Duration.ofSeconds(3);

  /**
   * etcd's {@code --experimental-watch-progress-notify-interval} default: a quiet resource's cache
   * learns that etcd moved on only this often, unless it can request progress (1.31+).
   */
  public static final Duration DEFAULT_PROGRESS_NOTIFY_INTERVAL = Duration.ofMinutes(10);

  private ReadServing() {}

  /**
   * Decides where a read is served.
   *
   * @param watchCacheEnabled false for a resource whose watch cache is disabled: every read goes to
   *     etcd (the registry's storage is not wrapped by a cacher)
   * @param cacheReady false while the cache (re)initialises after an apiserver start
   * @param snapshotRetained whether the cache still holds a snapshot at the request's exact RV (or
   *     its continue token's RV); ignored before ListFromCacheSnapshot
   */
  public static Serving decide(
      ServerVersion v,
      ReadRequest r,
      boolean watchCacheEnabled,
      boolean cacheReady,
      boolean snapshotRetained) {
    if (!watchCacheEnabled) {
      return new Serving(
          ServedFrom.ETCD, false, Serving.WhenCacheBehind.NONE, Serving.WhenNotReady.SERVE, true);
    }
    switch (r.verb) {
      case GET:
        return get(v, r, cacheReady);
      case WATCH:
        return watch(v, r, cacheReady);
      default:
        return list(v, r, cacheReady, snapshotRetained);
    }
  }

  /**
   * Cacher.Get: RV unset reads etcd; any other RV is served by the cache, RV "0" at once, a
   * specific RV after waiting for the cache to reach it. An RV "0" GET on a cache that is not ready
   * goes to etcd.
   */
  private static Serving get(ServerVersion v, ReadRequest r, boolean ready) {
    if (r.rvUnset() || (r.rvZero() && !ready)) {
      return etcd(true);
    }
    Serving.WhenNotReady notReady = ready ? Serving.WhenNotReady.SERVE : notReadyAnswer(v);
    return new Serving(
        ServedFrom.WATCH_CACHE,
        false,
        r.rvZero()
            ? Serving.WhenCacheBehind.NONE
            : Serving.WhenCacheBehind.WAIT_THEN_TOO_LARGE_RESOURCE_VERSION,
        notReady,
        true);
  }

  /**
   * Cacher.Watch: every watch is served by the cache. RV unset with a consistent-read-capable
   * server first waits until the cache caught up with etcd (as a consistent list does).
   */
  private static Serving watch(ServerVersion v, ReadRequest r, boolean ready) {
    Serving.WhenCacheBehind behind = Serving.WhenCacheBehind.NONE;
    if (r.rvUnset() && v.consistentReadSupported()) {
      behind = Serving.WhenCacheBehind.WAIT_THEN_ETCD;
    } else if (!r.rvUnset() && !r.rvZero()) {
      behind = Serving.WhenCacheBehind.WAIT_THEN_TOO_LARGE_RESOURCE_VERSION;
    }
    return new Serving(
        ServedFrom.WATCH_CACHE,
        r.rvUnset(),
        behind,
        ready ? Serving.WhenNotReady.SERVE : notReadyAnswer(v),
        true);
  }

  /** CacheDelegator.GetList (1.34+), Cacher.GetList (1.30–1.33). */
  private static Serving list(ServerVersion v, ReadRequest r, boolean ready, boolean retained) {
    boolean snapshots = v.enabled(FeatureGate.LIST_FROM_CACHE_SNAPSHOT);
    Delegation d = shouldDelegateList(v, r, snapshots, retained);
    if (d.delegate) {
      return etcd(true);
    }
    if (!ready) {
      if (v.enabled(FeatureGate.RESILIENT_WATCH_CACHE_INITIALIZATION)) {
        if (shouldDelegateListOnNotReadyCache(r)) {
          return etcd(true);
        }
        return new Serving(
            ServedFrom.WATCH_CACHE,
            d.consistentRead,
            Serving.WhenCacheBehind.NONE,
            Serving.WhenNotReady.TOO_MANY_REQUESTS,
            false);
      }
      if (r.rvUnset() || r.rvZero()) { // listRV == 0
        return etcd(true);
      }
      return new Serving(
          ServedFrom.WATCH_CACHE,
          d.consistentRead,
          Serving.WhenCacheBehind.NONE,
          Serving.WhenNotReady.WAIT_THEN_SERVICE_UNAVAILABLE,
          false);
    }
    if (d.snapshot) {
      return new Serving(
          ServedFrom.CACHE_SNAPSHOT,
          d.consistentRead,
          Serving.WhenCacheBehind.NONE,
          Serving.WhenNotReady.SERVE,
          true);
    }
    Serving.WhenCacheBehind behind =
        d.consistentRead
            ? Serving.WhenCacheBehind.WAIT_THEN_ETCD
            : r.rvZero()
                ? Serving.WhenCacheBehind.NONE
                : Serving.WhenCacheBehind.WAIT_THEN_TOO_LARGE_RESOURCE_VERSION;
    // The cache pages its answer only from 1.34 (or for a consistent read from 1.31, whose
    // continuation then reads etcd until snapshots exist); RV "0" always gets everything.
    boolean paged = !r.rvZero() && (d.consistentRead || v.minor() >= 34);
    return new Serving(
        ServedFrom.WATCH_CACHE, d.consistentRead, behind, Serving.WhenNotReady.SERVE, paged);
  }

  private static Serving etcd(boolean limitHonoured) {
    return new Serving(
        ServedFrom.ETCD,
        false,
        Serving.WhenCacheBehind.NONE,
        Serving.WhenNotReady.SERVE,
        limitHonoured);
  }

  private static Serving.WhenNotReady notReadyAnswer(ServerVersion v) {
    return v.enabled(FeatureGate.RESILIENT_WATCH_CACHE_INITIALIZATION)
        ? Serving.WhenNotReady.TOO_MANY_REQUESTS
        : Serving.WhenNotReady.WAIT_THEN_SERVICE_UNAVAILABLE;
  }

  /** delegator.Result. */
  static final class Delegation {
    final boolean delegate;
    final boolean consistentRead;
    final boolean snapshot;

    Delegation(boolean delegate, boolean consistentRead, boolean snapshot) {
      this.delegate = delegate;
      this.consistentRead = consistentRead;
      this.snapshot = snapshot;
    }
  }

  /**
   * delegator.ShouldDelegateList (1.33+; cacher.shouldDelegateList in 1.31–1.32 decides the same
   * without snapshots), and 1.30's shouldDelegateList, where any limit with an RV other than "0"
   * went to etcd.
   *
   * @param snapshots whether the helper has snapshots: the Cacher with ListFromCacheSnapshot; APF's
   *     estimator always passes delegator.CacheWithoutSnapshots
   */
  static Delegation shouldDelegateList(
      ServerVersion v, ReadRequest r, boolean snapshots, boolean retained) {
    if (v.minor() <= 30) {
      boolean consistentReadFromStorage = r.rvUnset() && !v.consistentReadSupported();
      boolean hasLimit = r.limit > 0 && !r.rvZero();
      boolean unsupportedMatch =
          r.match != ReadRequest.Match.UNSET && r.match != ReadRequest.Match.NOT_OLDER_THAN;
      boolean delegate =
          consistentReadFromStorage || r.hasContinue() || hasLimit || unsupportedMatch;
      return new Delegation(delegate, !delegate && r.rvUnset(), false);
    }
    switch (r.match) {
      case EXACT:
        return shouldDelegateExactRv(snapshots, retained);
      case NOT_OLDER_THAN:
        return new Delegation(false, false, false);
      default:
        if (r.hasContinue()) {
          return shouldDelegateContinue(v, r, snapshots, retained);
        }
        if (r.limit > 0 && !r.rvUnset() && !r.rvZero()) { // legacy exact match
          return shouldDelegateExactRv(snapshots, retained);
        }
        if (r.rvUnset()) {
          return shouldDelegateConsistentRead(v);
        }
        return new Delegation(false, false, false);
    }
  }

  /** Cacher.ShouldDelegateExactRV: a retained snapshot serves it, else etcd. */
  private static Delegation shouldDelegateExactRv(boolean snapshots, boolean retained) {
    return snapshots && retained
        ? new Delegation(false, false, true)
        : new Delegation(true, false, false);
  }

  /** Cacher.ShouldDelegateContinue: positive RV like an exact RV; negative is a consistent read. */
  private static Delegation shouldDelegateContinue(
      ServerVersion v, ReadRequest r, boolean snapshots, boolean retained) {
    if (!snapshots) {
      return new Delegation(true, false, false);
    }
    if (r.continueRv > 0) {
      return shouldDelegateExactRv(true, retained);
    }
    return shouldDelegateConsistentRead(v);
  }

  /** Cacher.ShouldDelegateConsistentRead. */
  private static Delegation shouldDelegateConsistentRead(ServerVersion v) {
    return new Delegation(!v.consistentReadSupported(), true, false);
  }

  /**
   * delegator.go shouldDelegateListOnNotReadyCache: with ResilientWatchCacheInitialization a
   * selector-free list with a limit goes to etcd while the cache initialises; others get 429.
   */
  static boolean shouldDelegateListOnNotReadyCache(ReadRequest r) {
    return !r.hasSelector() && r.limit > 0;
  }

  /**
   * The estimator's view (list_work_estimator.go): whether APF counts the request as served from
   * the cache. It never sees snapshots, readiness or a disabled watch cache, so continuations and
   * exact reads are always estimated as etcd reads, and watches always as cache reads.
   */
  public static boolean estimatedFromCache(ServerVersion v, ReadRequest r) {
    if (r.verb == ReadRequest.Verb.WATCH) {
      return true;
    }
    return !shouldDelegateList(v, r, false, false).delegate;
  }
}
