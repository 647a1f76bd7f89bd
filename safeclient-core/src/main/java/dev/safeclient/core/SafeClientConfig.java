package dev.safeclient.core;

import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.serving.ServerVersion;
import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The immutable settings of one {@link SafeClient}, built by {@link SafeClient.Builder}. Each
 * default says why it has its value.
 */
public final class SafeClientConfig {
  private final SafetyMode mode;
  private final Map<String, SafetyMode> ruleModes;
  private final String userAgent;
  private final double qps;
  private final int burst;
  private final double listCostPerSecond;
  private final int leasesRenewed;
  private final Duration leaseRenewPeriod;
  private final int maxInFlight;
  private final int maxWatches;
  private final int listPageSize;
  private final boolean allowStaleListReads;
  private final boolean protobuf;
  private final int maxProtobufObjectBytes;
  private final String nodeName;
  private final Duration warningInterval;
  private final Consumer<SafetyWarning> warningListener;
  private final SafeClientMetrics metrics;
  private final Duration maxBudgetWait;
  private final Duration callTimeout;
  private final Duration pingInterval;
  private final boolean breakerEnabled;
  private final Duration breakerOpenDuration;
  private final float breakerFailureRateThreshold;
  private final TokenSource tokenSource;
  private final RelayRoute relay;
  private final TimeSource clock;
  private final ServerVersion serverVersion;
  private final boolean oldEtcd;
  private final Set<String> watchCacheDisabled;
  private final Set<String> eligibleGroups;

  SafeClientConfig(SafeClient.Builder b) {
    this.mode = b.mode;
    this.ruleModes = Map.copyOf(b.ruleModes);
    this.userAgent = b.userAgent;
    this.qps = b.qps;
    this.burst = b.burst;
    this.listCostPerSecond = b.listCostPerSecond;
    this.leasesRenewed = b.leasesRenewed;
    this.leaseRenewPeriod = b.leaseRenewPeriod;
    this.maxInFlight = b.maxInFlight;
    this.maxWatches = b.maxWatches;
    this.listPageSize = b.listPageSize;
    this.allowStaleListReads = b.allowStaleListReads;
    this.protobuf = b.protobuf;
    this.maxProtobufObjectBytes = b.maxProtobufObjectBytes;
    this.nodeName = b.nodeName;
    this.warningInterval = b.warningInterval;
    this.warningListener = b.warningListener;
    this.metrics = b.metrics;
    this.maxBudgetWait = b.maxBudgetWait;
    this.callTimeout = b.callTimeout;
    this.pingInterval = b.pingInterval;
    this.breakerEnabled = b.breakerEnabled;
    this.breakerOpenDuration = b.breakerOpenDuration;
    this.breakerFailureRateThreshold = b.breakerFailureRateThreshold;
    this.tokenSource = b.tokenSource;
    this.relay = b.relay;
    this.clock = b.clock;
    this.serverVersion = b.serverVersion;
    this.oldEtcd = b.oldEtcd;
    this.watchCacheDisabled = Set.copyOf(b.watchCacheDisabled);
    this.eligibleGroups = Set.copyOf(b.eligibleGroups);
  }

  public SafetyMode mode() {
    return mode;
  }

  /** The mode in force for one rule: its override if set, else {@link #mode()}. */
  public SafetyMode modeFor(String ruleId) {
    return ruleModes.getOrDefault(ruleId, mode);
  }

  public Map<String, SafetyMode> ruleModes() {
    return ruleModes;
  }

  public String userAgent() {
    return userAgent;
  }

  public double qps() {
    return qps;
  }

  public int burst() {
    return burst;
  }

  public double listCostPerSecond() {
    return listCostPerSecond;
  }

  /** How many coordination Leases this client renews; sizes the Lease bucket. */
  public int leasesRenewed() {
    return leasesRenewed;
  }

  /** How often each Lease is renewed; sizes the Lease bucket. */
  public Duration leaseRenewPeriod() {
    return leaseRenewPeriod;
  }

  public int maxInFlight() {
    return maxInFlight;
  }

  public int maxWatches() {
    return maxWatches;
  }

  public int listPageSize() {
    return listPageSize;
  }

  /**
   * SC101 rewrites to {@code resourceVersion=0&limit=<page>} instead of probe-then-NotOlderThan.
   */
  public boolean allowStaleListReads() {
    return allowStaleListReads;
  }

  /** The server version to decide for instead of the one learnt from {@code /version}; or null. */
  public ServerVersion serverVersion() {
    return serverVersion;
  }

  /** Whether the cluster's etcd lacks progress requests (older than 3.4.31 / 3.5.13). */
  public boolean oldEtcd() {
    return oldEtcd;
  }

  /** Resources ({@code pods}, {@code deployments.apps}) whose watch cache is disabled. */
  public Set<String> watchCacheDisabled() {
    return watchCacheDisabled;
  }

  /** API groups besides the built-in ones that the kube-apiserver serves from its own storage. */
  public Set<String> eligibleGroups() {
    return eligibleGroups;
  }

  public boolean protobuf() {
    return protobuf;
  }

  /** The largest Protobuf watch frame or single-object body accepted. */
  public int maxProtobufObjectBytes() {
    return maxProtobufObjectBytes;
  }

  /** The node this process runs on (SC106), from the builder or {@code NODE_NAME}. */
  public Optional<String> nodeName() {
    return Optional.ofNullable(nodeName);
  }

  public Duration warningInterval() {
    return warningInterval;
  }

  public Consumer<SafetyWarning> warningListener() {
    return warningListener;
  }

  public SafeClientMetrics metrics() {
    return metrics;
  }

  public Duration maxBudgetWait() {
    return maxBudgetWait;
  }

  public Duration callTimeout() {
    return callTimeout;
  }

  public Duration pingInterval() {
    return pingInterval;
  }

  public boolean breakerEnabled() {
    return breakerEnabled;
  }

  public Duration breakerOpenDuration() {
    return breakerOpenDuration;
  }

  public float breakerFailureRateThreshold() {
    return breakerFailureRateThreshold;
  }

  /** Fresh credentials after a 401; null when the client was wrapped without a source. */
  public TokenSource tokenSource() {
    return tokenSource;
  }

  public TimeSource clock() {
    return clock;
  }

  /** The relay reads of some resources go to, if any. */
  public Optional<RelayRoute> relay() {
    return Optional.ofNullable(relay);
  }
}
