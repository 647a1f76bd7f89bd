package dev.safeclient.core.internal.server;

import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.ListDecision;
import dev.safeclient.core.internal.request.ListDecision.Action;
import dev.safeclient.core.internal.rules.ConsistentListRule;
import dev.safeclient.core.internal.rules.UnpagedListRule;
import dev.safeclient.model.serving.BuiltInApis;
import dev.safeclient.model.serving.ReadRequest;
import dev.safeclient.model.serving.ReadServing;
import dev.safeclient.model.serving.ServerVersion;
import java.util.Optional;

/**
 * SC101 and SC102's one rule: for a plain consistent LIST (see {@code
 * ListOptions#isPlainConsistentList}), the cheapest form that keeps the caller's meaning on the
 * oldest server seen, ordered by objects read from etcd, then apiserver memory, seats, bytes and
 * requests; when in doubt the caller's own request, which costs exactly what plain client-java
 * costs.
 *
 * <ul>
 *   <li>Where the server serves the consistent list from the watch cache (1.31+ with a recent
 *       etcd): nothing is cheaper; no probe, no paging.
 *   <li>Where it reads etcd: {@code consistentApiClient()} pages it (bounded memory); {@code
 *       apiClient()} rewrites it to a watch-cache read only for a resource this process saw change
 *       within the cache's 3 s wait (or, seen in one answer only, whose changes there make it busy
 *       at the probe's revision), whose probe was never refused and whose cache did not lag
 *       recently. Otherwise the probe would cost a seat for nothing, or the read would wait 3 s and
 *       get 504.
 *   <li>Groups the apiserver may not serve from its own storage (CRDs cannot be told from
 *       aggregated APIs without rights agents lack) and resources whose watch cache is disabled are
 *       never probed.
 * </ul>
 */
public final class ListDecider {
  /**
   * The reason given for a group/version the apiserver of that version does not serve from its own
   * storage ({@link BuiltInApis}): where such a list is served is not known.
   */
  public static final String NOT_BUILT_IN = "not a built-in group";

  private final SafeClientConfig config;
  private final ResourceActivity activity;

  public ListDecider(SafeClientConfig config, ResourceActivity activity) {
    this.config = config;
    this.activity = activity;
  }

  /**
   * @param k a plain consistent LIST from {@code apiClient()} or {@code consistentApiClient()}
   * @param server the oldest version seen for its host; empty when unknown
   * @param identity who sends it (a digest of its credentials), for the probe's 403 memory
   */
  public ListDecision decide(KubeRequest k, Optional<ServerVersion> server, String identity) {
    String version = server.map(v -> "1." + v.minor()).orElse("unknown");
    String gr = k.groupResource();
    // Where the server reads a list is decided from what the user declared only. A paginated
    // RV=0 answer may also come from a cache that is not ready yet (after an apiserver restart,
    // CacheDelegator sends such lists to etcd), so that inference only ever stops the probe: a
    // request passed through costs exactly what plain client-java pays.
    boolean cacheEnabled = !config.watchCacheDisabled().contains(gr);
    boolean cacheSeenDisabled = activity.isWatchCacheDisabled(gr);
    if (server.isEmpty()) {
      return new ListDecision(Action.PASS_THROUGH, "server version unknown", version, false);
    }
    ReadRequest plain =
        ReadRequest.list()
            .labelSelector(k.hasQuery("labelSelector"))
            .fieldSelector(k.hasQuery("fieldSelector"));
    boolean fromEtcd =
        !ReadServing.decide(server.get(), plain, cacheEnabled, true, false).fromCache();
    // Only what this server version serves from its own storage, or a group the user names: a
    // CRD or aggregated group cannot be told apart by discovery without read access to CRDs or
    // APIServices.
    if (!BuiltInApis.servesFromOwnStorage(server.get(), k.group(), k.version())
        && !config.eligibleGroups().contains(k.group())) {
      return new ListDecision(Action.PASS_THROUGH, NOT_BUILT_IN, version, false);
    }
    boolean sc101Enforced = config.modeFor(ConsistentListRule.ID) == SafetyMode.ENFORCE;
    if (k.origin() == CallOrigin.USER && sc101Enforced) {
      if (config.allowStaleListReads() && cacheEnabled && !cacheSeenDisabled) {
        return new ListDecision(Action.READ_STALE, "allowStaleListReads", version, fromEtcd);
      }
      if (!fromEtcd) {
        return new ListDecision(
            Action.PASS_THROUGH, "server serves consistent lists from cache", version, false);
      }
      if (!cacheEnabled || cacheSeenDisabled) {
        return new ListDecision(Action.PASS_THROUGH, "watch cache disabled", version, true);
      }
      if (activity.probeForbiddenFor(identity, gr)) {
        return new ListDecision(
            Action.PASS_THROUGH, "probe forbidden for this identity", version, true);
      }
      if (activity.recentlyLagged(gr)) {
        return new ListDecision(
            Action.PASS_THROUGH, "watch cache lagged (504) recently", version, true);
      }
      if (!activity.busy(gr)) {
        if (activity.canEstimate(gr)) {
          return new ListDecision(
              Action.READ_FROM_CACHE_IF_BUSY,
              "read from etcd, resource seen in one answer",
              version,
              true);
        }
        return new ListDecision(
            Action.PASS_THROUGH, "resource not known to be busy", version, true);
      }
      return new ListDecision(
          Action.READ_FROM_CACHE, "read from etcd, resource busy", version, true);
    }
    boolean sc102Applies =
        k.origin() == CallOrigin.USER_CONSISTENT
            || (k.origin() == CallOrigin.USER
                && config.modeFor(ConsistentListRule.ID) == SafetyMode.OBSERVE);
    if (!sc102Applies) {
      return new ListDecision(Action.PASS_THROUGH, "SC101 decides", version, fromEtcd);
    }
    if (!fromEtcd) {
      return new ListDecision(
          Action.PASS_THROUGH, "server serves consistent lists from cache", version, false);
    }
    if (config.modeFor(UnpagedListRule.ID) == SafetyMode.OBSERVE) {
      return new ListDecision(Action.PASS_THROUGH, "SC102 observed", version, true);
    }
    return new ListDecision(Action.PAGE, "consistent list read from etcd", version, true);
  }
}
