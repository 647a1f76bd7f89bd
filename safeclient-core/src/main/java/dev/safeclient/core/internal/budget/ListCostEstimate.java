package dev.safeclient.core.internal.budget;

import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import dev.safeclient.model.serving.FeatureGate;
import dev.safeclient.model.serving.ListWorkEstimator;
import dev.safeclient.model.serving.ReadRequest;
import dev.safeclient.model.serving.ServerVersion;
import java.util.OptionalLong;

/**
 * The APF seats a LIST (or a watch that starts with the current state) will be charged, estimated
 * before it is sent the way the API server does (k8s.io/apiserver
 * pkg/util/flowcontrol/request/list_work_estimator.go), from the number of objects stored for the
 * resource, not the number returned.
 */
public final class ListCostEstimate {
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
   * The release whose estimate the budget charges, which knows no server version: the count-based
   * estimate as 1.30 makes it (consistent lists read from etcd, so an unpaged one counts twice its
   * objects), with 1.35's charge of a watch from the current state as a list. No modelled release's
   * count-based estimate is higher.
   */
  static final ServerVersion ESTIMATED_AS =
      ServerVersion.ofMinor(ServerVersion.OLDEST_MINOR)
          .with(FeatureGate.LEGACY_WATCH_CHARGED_AS_LIST, true);

  /** An unknown count: more than any limit, as a degraded APF count is; the estimate caps it. */
  private static final long UNKNOWN_STORED = 1L << 40;

  /**
   * Seats for one request: {@link ListWorkEstimator#estimate} (the one model of
   * list_work_estimator.go, which KubeSim charges too) for {@link #ESTIMATED_AS}.
   *
   * @param stored the objects stored for the resource; empty when unknown, which is treated as
   *     "more than any limit", as a degraded APF count is
   */
  public static int seats(KubeRequest r, OptionalLong stored) {
    long n = stored.isPresent() ? stored.getAsLong() : UNKNOWN_STORED;
    // Sizes are not known here; the count-based estimate does not use them.
    return ListWorkEstimator.estimate(ESTIMATED_AS, readRequest(r), n, 0, 0);
  }

  /** The request's ListOptions as the model reads them. */
  static ReadRequest readRequest(KubeRequest r) {
    String match = r.query("resourceVersionMatch");
    ReadRequest q =
        (r.verb() == Verb.WATCH ? ReadRequest.watch() : ReadRequest.list())
            .resourceVersion(r.query("resourceVersion"))
            .match(
                "Exact".equals(match)
                    ? ReadRequest.Match.EXACT
                    : "NotOlderThan".equals(match)
                        ? ReadRequest.Match.NOT_OLDER_THAN
                        : ReadRequest.Match.UNSET)
            .limit(parseLimit(r.query("limit")))
            .labelSelector(r.hasQuery("labelSelector"))
            .fieldSelector(r.hasQuery("fieldSelector"))
            .sendInitialEvents(r.flag("sendInitialEvents"));
    String cont = r.query("continue");
    if (cont != null && !cont.isEmpty()) {
      // Every continuation is read from etcd up to 1.30, whatever its token's revision.
      q = q.continueFrom(cont, 0);
    }
    return q;
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
