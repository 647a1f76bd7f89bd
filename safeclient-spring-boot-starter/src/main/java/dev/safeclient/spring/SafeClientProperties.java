package dev.safeclient.spring;

import dev.safeclient.core.SafetyMode;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything under {@code safeclient.}. An unset value keeps core's default, which is written (with
 * its reason) on {@link dev.safeclient.core.SafeClient.Builder} and {@link
 * dev.safeclient.informer.InformerOptions}. The configuration metadata states those defaults for
 * IDEs ({@code additional-spring-configuration-metadata.json}); a test checks each one against a
 * client built from empty properties.
 */
@ConfigurationProperties(prefix = "safeclient")
public class SafeClientProperties implements InitializingBean {
  /**
   * The shortest readiness staleness threshold accepted. Bookmarks arrive about every 60 s on an
   * idle watch, and a watch is renewed every 5-10 min; three missed bookmarks is a real outage, not
   * a slow minute. Anything shorter would pull every replica out of its Service on a blip.
   */
  public static final Duration MIN_READINESS_STALENESS_THRESHOLD = Duration.ofMinutes(3);

  /** OBSERVE (warn), ENFORCE (rewrite to the safe form and warn) or STRICT (reject). */
  private SafetyMode mode;

  /** The User-Agent sent with every request. Defaults to {@code spring.application.name}. */
  private String userAgent;

  /** Requests per second the client-side token bucket allows. */
  private Double qps;

  /** Token bucket burst. */
  private Integer burst;

  /** APF seats per second that LISTs may cost, the list-cost budget. */
  private Double listCostPerSecond;

  /** Non-watch requests in flight at once. */
  private Integer maxInFlight;

  /** Watches open at once. */
  private Integer maxWatches;

  /** Objects per page when paging a LIST. */
  private Integer listPageSize;

  /** Lets SC101 rewrite to resourceVersion=0 (possibly stale data). */
  private Boolean allowStaleListReads;

  /** The node this process runs on, for SC106. Defaults to the NODE_NAME variable. */
  private String nodeName;

  /** At most one log line per rule and call site per interval. */
  private Duration warningInterval;

  /** The longest a request waits for a budget before failing. */
  private Duration maxBudgetWait;

  /** Timeout of each exchange of a non-watch call. */
  private Duration callTimeout;

  /** HTTP/2 ping interval that detects half-open connections. */
  private Duration pingInterval;

  /**
   * A kubeconfig file to use instead of {@code $KUBECONFIG}, {@code ~/.kube/config} and the
   * in-cluster service account.
   */
  private String kubeconfig;

  /**
   * The kubeconfig context to use; its current-context when unset. Resolved once at startup: the
   * credentials stay pinned to that context's user and server, and are still refreshed.
   */
  private String context;

  /**
   * Create the Kubernetes beans on first use instead of at startup, for apps that must start
   * without a cluster. Inject them through {@code ObjectProvider} or {@code @Lazy} then.
   */
  private boolean lazy;

  private final Protobuf protobuf = new Protobuf();
  private final Breaker breaker = new Breaker();
  private final Informer informer = new Informer();
  private final Health health = new Health();

  /** Per-rule overrides of the mode, keyed by rule id: {@code safeclient.rules.SC106.mode}. */
  private final Map<String, Rule> rules = new LinkedHashMap<>();

  /** Informers declared in configuration, started after the context is refreshed. */
  private final List<DeclaredInformer> informers = new ArrayList<>();

  @Override
  public void afterPropertiesSet() {
    rules.forEach(
        (id, rule) -> {
          if (!id.matches("(?i)SC\\d{3}")) {
            throw new InvalidSafeClientPropertyException(
                "safeclient.rules." + id,
                "'" + id + "' is not a rule id.",
                "Use a rule id from the catalogue, such as safeclient.rules.SC106.mode=OBSERVE.");
          }
          if (rule.getMode() == null) {
            throw new InvalidSafeClientPropertyException(
                "safeclient.rules." + id + ".mode",
                "no mode is set for this rule override.",
                "Set safeclient.rules." + id + ".mode to OBSERVE, ENFORCE or STRICT.");
          }
        });
    Set<String> names = new HashSet<>();
    for (int i = 0; i < informers.size(); i++) {
      DeclaredInformer d = informers.get(i);
      String where = "safeclient.informers[" + i + "]";
      if (d.getResource() == null || d.getResource().isBlank()) {
        throw new InvalidSafeClientPropertyException(
            where + ".resource",
            "every declared informer needs a resource.",
            "Set " + where + ".resource to a resource's plural name, such as pods.");
      }
      if (!names.add(d.name())) {
        throw new InvalidSafeClientPropertyException(
            where + ".name",
            "two informers are named '" + d.name() + "'.",
            "Give one of them another name (" + where + ".name).");
      }
      if ((d.getType() == null) != (d.getListType() == null)) {
        throw new InvalidSafeClientPropertyException(
            where + (d.getType() == null ? ".type" : ".list-type"),
            "type and list-type go together.",
            "Set both " + where + ".type and " + where + ".list-type, or neither.");
      }
      if (d.getType() == null) {
        BuiltInResources.require(where, d.getResource(), d.getGroup(), d.getVersion());
      } else if (d.getGroup() == null || d.getVersion() == null) {
        throw new InvalidSafeClientPropertyException(
            where + (d.getGroup() == null ? ".group" : ".version"),
            "an informer with a type of its own needs its group and version.",
            "Set " + where + ".group (\"\" for the core group) and " + where + ".version.");
      }
    }
    Duration threshold = health.getReadiness().getStalenessThreshold();
    if (threshold != null
        && threshold.compareTo(MIN_READINESS_STALENESS_THRESHOLD) < 0
        && !health.getReadiness().isAllowShortStalenessThresholdForTests()) {
      throw new InvalidSafeClientPropertyException(
          "safeclient.health.readiness.staleness-threshold",
          "it is "
              + asWritten(threshold)
              + ", below the minimum of "
              + asWritten(MIN_READINESS_STALENESS_THRESHOLD)
              + ". An idle watch gets a bookmark about once a minute; a shorter threshold takes"
              + " every replica out of its Service at once on a short API-server blip.",
          "Set safeclient.health.readiness.staleness-threshold to at least "
              + asWritten(MIN_READINESS_STALENESS_THRESHOLD)
              + ", or remove it: staleness then stays a health detail and the"
              + " safeclient.informer.staleness.seconds gauge, and never takes the pod out.");
    }
  }

  /** A duration as it would be written in application.yaml: 1m, 90s, 1500ms. */
  private static String asWritten(Duration d) {
    for (ChronoUnit unit :
        new ChronoUnit[] {ChronoUnit.HOURS, ChronoUnit.MINUTES, ChronoUnit.SECONDS}) {
      if (d.toNanos() % unit.getDuration().toNanos() == 0) {
        return d.dividedBy(unit.getDuration())
            + (unit == ChronoUnit.HOURS ? "h" : unit == ChronoUnit.MINUTES ? "m" : "s");
      }
    }
    return d.toMillis() + "ms";
  }

  /** Protobuf for built-in types (SC103). */
  public static class Protobuf {
    /** Ask for Protobuf with JSON as the fallback. */
    private Boolean enabled;

    public Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** The overload breaker, per host and resource group. */
  public static class Breaker {
    /** Whether the breaker is on. */
    private Boolean enabled;

    /** How long the breaker stays open before a half-open probe; jittered ×[1, 1.5) per client. */
    private Duration openDuration;

    /** Percent of overload signals among the last 20 calls (at least 10) that opens it. */
    private Float failureRateThreshold;

    public Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getOpenDuration() {
      return openDuration;
    }

    public void setOpenDuration(Duration openDuration) {
      this.openDuration = openDuration;
    }

    public Float getFailureRateThreshold() {
      return failureRateThreshold;
    }

    public void setFailureRateThreshold(Float failureRateThreshold) {
      this.failureRateThreshold = failureRateThreshold;
    }
  }

  /** Options of every informer the starter declares. */
  public static class Informer {
    /**
     * The largest random delay before an informer's first LIST; 0 turns it off. Unset: 10 s when
     * NODE_NAME is set (a DaemonSet), else none.
     */
    private Duration startJitter;

    /** Drop metadata.managedFields before caching. */
    private Boolean stripManagedFields;

    /** Streaming list (sendInitialEvents) instead of LIST then WATCH. */
    private Boolean watchList;

    /**
     * A declared informer not synced this long after start is reported (an ERROR log and a health
     * detail). Startup never waits for it.
     */
    // Far above a healthy first LIST plus the 10 s start jitter, short enough to show in a rollout.
    private Duration syncTimeout = Duration.ofMinutes(2);

    public Duration getStartJitter() {
      return startJitter;
    }

    public void setStartJitter(Duration startJitter) {
      this.startJitter = startJitter;
    }

    public Boolean getStripManagedFields() {
      return stripManagedFields;
    }

    public void setStripManagedFields(Boolean stripManagedFields) {
      this.stripManagedFields = stripManagedFields;
    }

    public Boolean getWatchList() {
      return watchList;
    }

    public void setWatchList(Boolean watchList) {
      this.watchList = watchList;
    }

    public Duration getSyncTimeout() {
      return syncTimeout;
    }

    public void setSyncTimeout(Duration syncTimeout) {
      this.syncTimeout = syncTimeout;
    }
  }

  /** Actuator health. */
  public static class Health {
    private final Readiness readiness = new Readiness();

    public Readiness getReadiness() {
      return readiness;
    }
  }

  /** The informer contributor of the readiness group. */
  public static class Readiness {
    /**
     * Opt-in: also report OUT_OF_SERVICE while a required informer has had no event or bookmark for
     * this long (only once it has seen a bookmark). At least 3 min. Unset (the default): staleness
     * is a detail and a metric only and never takes the pod out.
     */
    private Duration stalenessThreshold;

    /** For tests only: accept a staleness threshold under 3 min. */
    private boolean allowShortStalenessThresholdForTests;

    public Duration getStalenessThreshold() {
      return stalenessThreshold;
    }

    public void setStalenessThreshold(Duration stalenessThreshold) {
      this.stalenessThreshold = stalenessThreshold;
    }

    public boolean isAllowShortStalenessThresholdForTests() {
      return allowShortStalenessThresholdForTests;
    }

    public void setAllowShortStalenessThresholdForTests(boolean allow) {
      this.allowShortStalenessThresholdForTests = allow;
    }
  }

  /** A per-rule override. */
  public static class Rule {
    /** The mode of this rule, overriding safeclient.mode. */
    private SafetyMode mode;

    public SafetyMode getMode() {
      return mode;
    }

    public void setMode(SafetyMode mode) {
      this.mode = mode;
    }
  }

  /** One informer declared in configuration. */
  public static class DeclaredInformer {
    /** A unique name to look the informer up by; defaults to the resource. */
    private String name;

    /** The resource's plural name, such as pods or deployments. */
    private String resource;

    /** The API group; for a built-in resource it is known and may be left out. */
    private String group;

    /** The API version; for a built-in resource it is known and may be left out. */
    private String version;

    /** One namespace; all namespaces (or a cluster-scoped resource) when unset. */
    private String namespace;

    private String labelSelector;

    /** Such as spec.nodeName=${NODE_NAME} for a node agent's pods. */
    private String fieldSelector;

    /** Readiness is OUT_OF_SERVICE until this informer has synced once (default true). */
    private boolean required = true;

    /** The model class name, for resources outside the built-in table (CRDs). */
    private String type;

    /** The list model class name, with type. */
    private String listType;

    /** Resync period; 0 (the default) turns it off. */
    private Duration resync = Duration.ZERO;

    /** The name, or the resource when none is set. */
    public String name() {
      return name != null && !name.isBlank() ? name : resource;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public String getResource() {
      return resource;
    }

    public void setResource(String resource) {
      this.resource = resource;
    }

    public String getGroup() {
      return group;
    }

    public void setGroup(String group) {
      this.group = group;
    }

    public String getVersion() {
      return version;
    }

    public void setVersion(String version) {
      this.version = version;
    }

    public String getNamespace() {
      return namespace;
    }

    public void setNamespace(String namespace) {
      this.namespace = namespace;
    }

    public String getLabelSelector() {
      return labelSelector;
    }

    public void setLabelSelector(String labelSelector) {
      this.labelSelector = labelSelector;
    }

    public String getFieldSelector() {
      return fieldSelector;
    }

    public void setFieldSelector(String fieldSelector) {
      this.fieldSelector = fieldSelector;
    }

    public boolean isRequired() {
      return required;
    }

    public void setRequired(boolean required) {
      this.required = required;
    }

    public String getType() {
      return type;
    }

    public void setType(String type) {
      this.type = type;
    }

    public String getListType() {
      return listType;
    }

    public void setListType(String listType) {
      this.listType = listType;
    }

    public Duration getResync() {
      return resync;
    }

    public void setResync(Duration resync) {
      this.resync = resync;
    }
  }

  public SafetyMode getMode() {
    return mode;
  }

  public void setMode(SafetyMode mode) {
    this.mode = mode;
  }

  public String getUserAgent() {
    return userAgent;
  }

  public void setUserAgent(String userAgent) {
    this.userAgent = userAgent;
  }

  public Double getQps() {
    return qps;
  }

  public void setQps(Double qps) {
    this.qps = qps;
  }

  public Integer getBurst() {
    return burst;
  }

  public void setBurst(Integer burst) {
    this.burst = burst;
  }

  public Double getListCostPerSecond() {
    return listCostPerSecond;
  }

  public void setListCostPerSecond(Double listCostPerSecond) {
    this.listCostPerSecond = listCostPerSecond;
  }

  public Integer getMaxInFlight() {
    return maxInFlight;
  }

  public void setMaxInFlight(Integer maxInFlight) {
    this.maxInFlight = maxInFlight;
  }

  public Integer getMaxWatches() {
    return maxWatches;
  }

  public void setMaxWatches(Integer maxWatches) {
    this.maxWatches = maxWatches;
  }

  public Integer getListPageSize() {
    return listPageSize;
  }

  public void setListPageSize(Integer listPageSize) {
    this.listPageSize = listPageSize;
  }

  public Boolean getAllowStaleListReads() {
    return allowStaleListReads;
  }

  public void setAllowStaleListReads(Boolean allowStaleListReads) {
    this.allowStaleListReads = allowStaleListReads;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public Duration getWarningInterval() {
    return warningInterval;
  }

  public void setWarningInterval(Duration warningInterval) {
    this.warningInterval = warningInterval;
  }

  public Duration getMaxBudgetWait() {
    return maxBudgetWait;
  }

  public void setMaxBudgetWait(Duration maxBudgetWait) {
    this.maxBudgetWait = maxBudgetWait;
  }

  public Duration getCallTimeout() {
    return callTimeout;
  }

  public void setCallTimeout(Duration callTimeout) {
    this.callTimeout = callTimeout;
  }

  public Duration getPingInterval() {
    return pingInterval;
  }

  public void setPingInterval(Duration pingInterval) {
    this.pingInterval = pingInterval;
  }

  public String getKubeconfig() {
    return kubeconfig;
  }

  public void setKubeconfig(String kubeconfig) {
    this.kubeconfig = kubeconfig;
  }

  public String getContext() {
    return context;
  }

  public void setContext(String context) {
    this.context = context;
  }

  public boolean isLazy() {
    return lazy;
  }

  public void setLazy(boolean lazy) {
    this.lazy = lazy;
  }

  public Protobuf getProtobuf() {
    return protobuf;
  }

  public Breaker getBreaker() {
    return breaker;
  }

  public Informer getInformer() {
    return informer;
  }

  public Health getHealth() {
    return health;
  }

  public Map<String, Rule> getRules() {
    return rules;
  }

  public List<DeclaredInformer> getInformers() {
    return informers;
  }
}
