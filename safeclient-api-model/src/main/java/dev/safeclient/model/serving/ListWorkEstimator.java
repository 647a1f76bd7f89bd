package dev.safeclient.model.serving;

/**
 * API Priority and Fairness's seat estimate for a read, per server version: listWorkEstimator in
 * k8s.io/apiserver pkg/util/flowcontrol/request/list_work_estimator.go, with config.go's limits.
 */
public final class ListWorkEstimator {
  /** config.go objectsPerSeat: the count-based estimate's divisor. */
  static final double OBJECTS_PER_SEAT = 100.0;

  /** list_work_estimator.go bytesPerSeat (1.34+). */
  static final long BYTES_PER_SEAT = 100_000;

  /** cacheWithStreamingMaxMemoryUsage: a cache-served list streams, so at most 1 MB counts. */
  static final long CACHE_WITH_STREAMING_MAX_MEMORY_USAGE = 1_000_000;

  /** maxObjectSize: the average assumed when the tracker knows a count but no size. */
  static final long MAX_OBJECT_SIZE = 1_500_000;

  /** config.go minimumSeats. */
  static final int MINIMUM_SEATS = 1;

  /** config.go maximumSeatsLimit up to 1.33. */
  static final int MAXIMUM_SEATS_LIMIT = 10;

  /** config.go maximumListSeatsLimit from 1.34. */
  static final int MAXIMUM_LIST_SEATS_LIMIT = 100;

  private ListWorkEstimator() {}

  /**
   * listWorkEstimator.estimate: the initial seats of a LIST or WATCH (a GET is not estimated by it
   * and takes the minimum).
   *
   * @param storedObjects the object-count tracker's count for the resource (all namespaces)
   * @param averageObjectBytes the average size etcd stores (Protobuf for built-ins, JSON for CRDs)
   * @param priorityLevelMaxSeats the priority level's max seats ({@link #priorityLevelMaxSeats}), 0
   *     when unknown
   */
  public static int estimate(
      ServerVersion v,
      ReadRequest r,
      long storedObjects,
      long averageObjectBytes,
      int priorityLevelMaxSeats) {
    if (r.verb == ReadRequest.Verb.GET) {
      return MINIMUM_SEATS;
    }
    long cap = v.minor() >= 34 ? MAXIMUM_LIST_SEATS_LIMIT : MAXIMUM_SEATS_LIMIT;
    long maxSeats = priorityLevelMaxSeats;
    if (maxSeats == 0 || maxSeats > cap) {
      maxSeats = cap;
    }
    if (r.verb == ReadRequest.Verb.WATCH) {
      boolean legacyWatch =
          v.enabled(FeatureGate.LEGACY_WATCH_CHARGED_AS_LIST) && (r.rvUnset() || r.rvZero());
      if (!r.sendInitialEvents && !legacyWatch) {
        return MINIMUM_SEATS;
      }
    }
    boolean fromCache = ReadServing.estimatedFromCache(v, r);
    // RequestInfo.Name is set for a metadata.name field selector; only 1.34+ estimates that as 1.
    boolean matchesSingle = v.minor() >= 34 && r.namesOne;
    long seats =
        v.enabled(FeatureGate.SIZE_BASED_LIST_COST_ESTIMATE)
            ? seatsBasedOnObjectSize(r, storedObjects, averageObjectBytes, fromCache, matchesSingle)
            : seatsBasedOnObjectCount(r, storedObjects, fromCache, matchesSingle);
    return (int) Math.max(MINIMUM_SEATS, Math.min(maxSeats, seats));
  }

  /** listWorkEstimator.seatsBasedOnObjectCount (the whole estimate up to 1.33). */
  static long seatsBasedOnObjectCount(
      ReadRequest r, long stored, boolean fromCache, boolean matchesSingle) {
    long limit = r.limit > 0 && r.limit < stored ? r.limit : stored;
    long objects;
    if (matchesSingle) {
      objects = 1;
    } else if (fromCache) {
      objects = stored;
    } else if (r.hasSelector()) {
      objects = stored + limit;
    } else {
      objects = 2 * limit;
    }
    return (long) Math.ceil(objects / OBJECTS_PER_SEAT);
  }

  /** listWorkEstimator.seatsBasedOnObjectSize (SizeBasedListCostEstimate, 1.34+). */
  static long seatsBasedOnObjectSize(
      ReadRequest r, long stored, long avgBytes, boolean fromCache, boolean matchesSingle) {
    if (avgBytes <= 0 && stored != 0) {
      avgBytes = MAX_OBJECT_SIZE;
    }
    long limited = r.limit > 0 && r.limit < stored ? r.limit : stored;
    long objects;
    if (matchesSingle) {
      objects = 1;
    } else if (fromCache) {
      objects = limited;
    } else if (r.hasSelector()) {
      objects = Math.max(limited, stored / 2);
    } else {
      objects = limited;
    }
    long memory = objects * avgBytes;
    if (fromCache) {
      memory = Math.min(memory, CACHE_WITH_STREAMING_MAX_MEMORY_USAGE);
    }
    return (long) Math.ceil((double) memory / BYTES_PER_SEAT);
  }

  /**
   * apf_controller.go: a priority level's max seats, max(1, min(ceil(0.15 × nominal concurrency),
   * nominal concurrency / hand size)), which bounds a list's estimate from 1.34.
   */
  public static int priorityLevelMaxSeats(int nominalConcurrency, int handSize) {
    double pct = Math.ceil(nominalConcurrency * 0.15);
    return (int) Math.max(1, Math.min(pct, (double) (nominalConcurrency / Math.max(1, handSize))));
  }
}
