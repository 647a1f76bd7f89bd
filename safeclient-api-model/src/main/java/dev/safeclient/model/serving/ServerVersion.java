package dev.safeclient.model.serving;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A Kubernetes server release as the set of feature gates that shape its reads, plus whether its
 * etcd supports progress requests. Immutable; {@link #with(FeatureGate, boolean)} and {@link
 * #withOldEtcd()} return changed copies, the way {@code --feature-gates} and an old etcd change a
 * real server.
 */
public final class ServerVersion {
  /** The oldest and newest releases modelled (checked against kubernetes/apiserver v0.30–v0.36). */
  public static final int OLDEST_MINOR = 30;

  public static final int NEWEST_MINOR = 36;

  private final int minor;
  private final Set<FeatureGate> gates;
  private final boolean etcdProgressRequests;

  private ServerVersion(int minor, Set<FeatureGate> gates, boolean etcdProgressRequests) {
    this.minor = minor;
    this.gates = gates;
    this.etcdProgressRequests = etcdProgressRequests;
  }

  /** {@code "1.30"} .. {@code "1.36"} (a leading {@code v} and a patch part are accepted). */
  public static ServerVersion of(String version) {
    String v = Objects.requireNonNull(version).startsWith("v") ? version.substring(1) : version;
    String[] parts = v.split("\\.");
    if (parts.length < 2 || !parts[0].equals("1")) {
      throw new IllegalArgumentException("a server version like \"1.31\": " + version);
    }
    int minor;
    try {
      minor = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a server version like \"1.31\": " + version, e);
    }
    return ofMinor(minor);
  }

  /**
   * The release {@code 1.<minor>} with its default gates and an etcd that has progress requests.
   */
  public static ServerVersion ofMinor(int minor) {
    if (minor < OLDEST_MINOR || minor > NEWEST_MINOR) {
      throw new IllegalArgumentException(
          "server version 1." + minor + " is not modelled (1.30 to 1.36)");
    }
    return new ServerVersion(minor, defaultGates(minor), true);
  }

  /** Defaults per kube_features.go at v0.30..v0.36. */
  private static Set<FeatureGate> defaultGates(int minor) {
    EnumSet<FeatureGate> g = EnumSet.noneOf(FeatureGate.class);
    if (minor >= 31) {
      g.add(FeatureGate.CONSISTENT_LIST_FROM_CACHE);
      g.add(FeatureGate.RESILIENT_WATCH_CACHE_INITIALIZATION);
    }
    if (minor >= 32) {
      g.add(FeatureGate.AUTHORIZE_NODE_WITH_SELECTORS);
    }
    if (minor == 32 || minor >= 34) {
      g.add(FeatureGate.WATCH_LIST);
    }
    if (minor >= 34) {
      g.add(FeatureGate.LIST_FROM_CACHE_SNAPSHOT);
      g.add(FeatureGate.SIZE_BASED_LIST_COST_ESTIMATE);
    }
    if (minor >= 35) {
      g.add(FeatureGate.LEGACY_WATCH_CHARGED_AS_LIST);
    }
    return g;
  }

  /** A copy with one gate set, as {@code --feature-gates=Gate=on|off} would. */
  public ServerVersion with(FeatureGate gate, boolean enabled) {
    EnumSet<FeatureGate> g =
        gates.isEmpty() ? EnumSet.noneOf(FeatureGate.class) : EnumSet.copyOf(gates);
    if (enabled) {
      g.add(gate);
    } else {
      g.remove(gate);
    }
    return new ServerVersion(minor, g, etcdProgressRequests);
  }

  /**
   * A copy whose etcd is older than 3.4.31 / 3.5.13: it has no progress requests, so consistent
   * reads are not served from the cache and a cache behind etcd advances only on its resource's own
   * events and periodic progress notifications.
   */
  public ServerVersion withOldEtcd() {
    return new ServerVersion(minor, gates, false);
  }

  public int minor() {
    return minor;
  }

  public boolean enabled(FeatureGate gate) {
    return gates.contains(gate);
  }

  /** etcd's RequestWatchProgress (etcdfeature.DefaultFeatureSupportChecker). */
  public boolean etcdSupportsProgressRequests() {
    return etcdProgressRequests;
  }

  /**
   * delegator.ConsistentReadSupported: a consistent read can wait for the cache to catch up, since
   * the cache can ask etcd for a progress notification. Without it a consistent read goes to etcd.
   */
  public boolean consistentReadSupported() {
    return enabled(FeatureGate.CONSISTENT_LIST_FROM_CACHE) && etcdProgressRequests;
  }

  /**
   * Whether a cache behind etcd asks etcd for progress when a read needs it (from 1.31, with
   * ConsistentListFromCache and a recent etcd: the cacher's waitUntilFreshAndBlock path with
   * RequestWatchProgress). Otherwise only the resource's own events and etcd's periodic progress
   * notifications move it.
   */
  public boolean requestsProgressOnDemand() {
    return consistentReadSupported();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServerVersion
        && ((ServerVersion) o).minor == minor
        && ((ServerVersion) o).gates.equals(gates)
        && ((ServerVersion) o).etcdProgressRequests == etcdProgressRequests;
  }

  @Override
  public int hashCode() {
    return Objects.hash(minor, gates, etcdProgressRequests);
  }

  @Override
  public String toString() {
    return "1." + minor + (etcdProgressRequests ? "" : " (old etcd)") + " " + gates;
  }
}
