package dev.safeclient.core.budget;

import dev.safeclient.core.request.KubeRequest;
import dev.safeclient.core.request.Verb;
import java.util.OptionalLong;

/**
 * The APF seats a LIST (or a watch that starts with the current state) will be charged, estimated
 * before it is sent the way the API server does (k8s.io/apiserver
 * pkg/util/flowcontrol/request/list_work_estimator.go), from the number of objects stored for the
 * resource, not the number returned.
 */
public final class ListCostEstimate {
  /** list_work_estimator.go: ObjectsPerSeat. */
  static final int OBJECTS_PER_SEAT = 100;

  /** list_work_estimator.go: maximumSeats; also what we assume when the count is unknown. */
  public static final int MAX_SEATS = 10;

  private ListCostEstimate() {}

  /** Whether this request is charged like a list by APF. */
  public static boolean applies(KubeRequest r) {
    if (r.verb() == Verb.LIST) {
      return true;
    }
    // A watch from RV "" or "0" first replays every object as ADDED: APF charges it like a list.
    if (r.verb() == Verb.WATCH) {
      String rv = r.query("resourceVersion");
      return rv == null || rv.isEmpty() || rv.equals("0");
    }
    return false;
  }

  /**
   * Seats for one request.
   *
   * @param stored the objects stored for the resource; empty when unknown, which is treated as
   *     "more than any limit", as a degraded APF count is
   */
  public static int seats(KubeRequest r, OptionalLong stored) {
    long limit = parseLimit(r.query("limit"));
    boolean selected = r.hasQuery("labelSelector") || r.hasQuery("fieldSelector");
    double objects;
    if (r.verb() == Verb.WATCH || !fromStorage(r, limit)) {
      objects = stored.isPresent() ? stored.getAsLong() : Double.POSITIVE_INFINITY;
    } else {
      double n = stored.isPresent() ? stored.getAsLong() : Double.POSITIVE_INFINITY;
      double effectiveLimit = limit > 0 ? Math.min(limit, n) : n;
      objects = selected ? n + effectiveLimit : 2 * effectiveLimit;
    }
    return seatsFor(objects);
  }

  static int seatsFor(double objects) {
    if (Double.isInfinite(objects)) {
      return MAX_SEATS;
    }
    int seats = (int) Math.ceil(objects / OBJECTS_PER_SEAT);
    return Math.max(1, Math.min(MAX_SEATS, seats));
  }

  /**
   * storage/cacher.go shouldDelegateList, before consistent reads from cache (up to 1.30, and the
   * fallback after): a consistent read (RV unset), an Exact match, or a limit with an RV other than
   * "0" goes to etcd.
   */
  static boolean fromStorage(KubeRequest r, long limit) {
    String rv = r.query("resourceVersion");
    if (rv == null || rv.isEmpty()) {
      return true;
    }
    if ("Exact".equals(r.query("resourceVersionMatch"))) {
      return true;
    }
    if (r.hasQuery("continue")) {
      return true;
    }
    return limit > 0 && !rv.equals("0");
  }

  private static long parseLimit(String s) {
    if (s == null || s.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
