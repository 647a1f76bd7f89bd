package dev.safeclient.spring;

import dev.safeclient.core.SafetyMode;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything under {@code safeclient.}, bound once at startup and immutable. Each default is the
 * one written (with its reason) on {@link dev.safeclient.core.SafeClient.Builder} and {@link
 * dev.safeclient.informer.InformerOptions}; it is stated here with {@code @DefaultValue} so that
 * IDEs see it in the generated configuration metadata, and a test checks each one against a client
 * and informer options built by core with nothing set. A value the builders refuse fails startup
 * naming its property.
 *
 * @param mode OBSERVE (warn), ENFORCE (rewrite to the safe form and warn) or STRICT (reject).
 * @param userAgent The User-Agent sent with every request. Defaults to {@code
 *     spring.application.name}.
 * @param qps Requests per second the client-side token bucket allows.
 * @param burst Token bucket burst.
 * @param listCostPerSecond APF seats per second that LISTs may cost, the list-cost budget.
 * @param maxInFlight Non-watch requests in flight at once.
 * @param maxWatches Watches open at once.
 * @param listPageSize Objects per page when paging a LIST.
 * @param allowStaleListReads Lets SC101 rewrite to resourceVersion=0 (possibly stale data).
 * @param nodeName The node this process runs on, for SC106. Defaults to the NODE_NAME variable.
 * @param warningInterval At most one log line per rule and call site per interval.
 * @param maxBudgetWait The longest a request waits for a budget before failing.
 * @param callTimeout Timeout of each exchange of a non-watch call.
 * @param pingInterval HTTP/2 ping interval that detects half-open connections.
 * @param kubeconfig A kubeconfig file to use instead of {@code $KUBECONFIG}, {@code ~/.kube/config}
 *     and the in-cluster service account.
 * @param context The kubeconfig context to use; its current-context when unset. Resolved once at
 *     startup: the credentials stay pinned to that context's user and server, and are still
 *     refreshed.
 * @param lazy Create the Kubernetes beans on first use instead of at startup, for apps that must
 *     start without a cluster. Inject them through {@code ObjectProvider} or {@code @Lazy} then.
 * @param protobuf Protobuf for built-in types (SC103).
 * @param breaker The overload breaker, per host and resource group.
 * @param relay A read-only relay that reads of some resources go to instead of the API server.
 * @param informer Options of every informer the starter declares.
 * @param health Actuator health.
 * @param rules Per-rule overrides of the mode, keyed by rule id: {@code
 *     safeclient.rules.SC106.mode}.
 * @param informers Informers declared in configuration, started after the context is refreshed.
 */
@ConfigurationProperties(prefix = "safeclient")
public record SafeClientProperties(
    @DefaultValue("ENFORCE") SafetyMode mode,
    String userAgent,
    @DefaultValue("5") double qps,
    @DefaultValue("10") int burst,
    @DefaultValue("5") double listCostPerSecond,
    @DefaultValue("10") int maxInFlight,
    @DefaultValue("100") int maxWatches,
    @DefaultValue("500") int listPageSize,
    @DefaultValue("false") boolean allowStaleListReads,
    String nodeName,
    @DefaultValue("1m") Duration warningInterval,
    @DefaultValue("30s") Duration maxBudgetWait,
    @DefaultValue("60s") Duration callTimeout,
    @DefaultValue("30s") Duration pingInterval,
    String kubeconfig,
    String context,
    @DefaultValue("false") boolean lazy,
    @DefaultValue Protobuf protobuf,
    @DefaultValue Breaker breaker,
    @DefaultValue Relay relay,
    @DefaultValue Informer informer,
    @DefaultValue Health health,
    Map<String, Rule> rules,
    List<DeclaredInformer> informers) {
  /**
   * The shortest readiness staleness threshold accepted. Bookmarks arrive about every 60 s on an
   * idle watch, and a watch is renewed every 5-10 min; three missed bookmarks is a real outage, not
   * a slow minute. Anything shorter would pull every replica out of its Service on a blip.
   */
  static final Duration MIN_READINESS_STALENESS_THRESHOLD = Duration.ofMinutes(3);

  /** Checks what the builders cannot: rule ids, declared informers, the readiness threshold. */
  public SafeClientProperties {
    rules = rules == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(rules));
    informers = informers == null ? List.of() : List.copyOf(informers);
    rules.forEach(SafeClientProperties::checkRule);
    checkInformers(informers);
    checkStalenessThreshold(health.readiness());
  }

  private static void checkRule(String id, Rule rule) {
    if (!id.matches("(?i)SC\\d{3}")) {
      throw new InvalidSafeClientPropertyException(
          "safeclient.rules." + id,
          "'" + id + "' is not a rule id.",
          "Use a rule id from the catalogue, such as safeclient.rules.SC106.mode=OBSERVE.");
    }
    if (rule.mode() == null) {
      throw new InvalidSafeClientPropertyException(
          "safeclient.rules." + id + ".mode",
          "no mode is set for this rule override.",
          "Set safeclient.rules." + id + ".mode to OBSERVE, ENFORCE or STRICT.");
    }
  }

  private static void checkInformers(List<DeclaredInformer> informers) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < informers.size(); i++) {
      DeclaredInformer d = informers.get(i);
      String where = "safeclient.informers[" + i + "]";
      if (d.resource() == null || d.resource().isBlank()) {
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
      if ((d.type() == null) != (d.listType() == null)) {
        throw new InvalidSafeClientPropertyException(
            where + (d.type() == null ? ".type" : ".list-type"),
            "type and list-type go together.",
            "Set both " + where + ".type and " + where + ".list-type, or neither.");
      }
      if (d.type() == null) {
        BuiltInResources.require(where, d.resource(), d.group(), d.version());
      } else if (d.group() == null || d.version() == null) {
        throw new InvalidSafeClientPropertyException(
            where + (d.group() == null ? ".group" : ".version"),
            "an informer with a type of its own needs its group and version.",
            "Set " + where + ".group (\"\" for the core group) and " + where + ".version.");
      }
    }
  }

  private static void checkStalenessThreshold(Readiness readiness) {
    Duration threshold = readiness.stalenessThreshold();
    if (threshold != null
        && threshold.compareTo(MIN_READINESS_STALENESS_THRESHOLD) < 0
        && !readiness.allowShortStalenessThresholdForTests()) {
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

  /**
   * Protobuf for built-in types (SC103).
   *
   * @param enabled Ask for Protobuf with JSON as the fallback.
   */
  public record Protobuf(@DefaultValue("true") boolean enabled) {}

  /**
   * The overload breaker, per host and resource group.
   *
   * @param enabled Whether the breaker is on.
   * @param openDuration How long the breaker stays open before a half-open probe; jittered ×[1,
   *     1.5) per client.
   * @param failureRateThreshold Percent of overload signals among the last 20 calls (at least 10)
   *     that opens it.
   */
  public record Breaker(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("5s") Duration openDuration,
      @DefaultValue("50") float failureRateThreshold) {}

  /**
   * A read-only relay (safeclient-relay) that GET, LIST and WATCH of the listed resources go to;
   * everything else goes to the API server.
   *
   * @param url The relay's https URL. No relay when unset.
   * @param caFile The PEM file of the CA trusted for the relay, and for the relay only. Unset:
   *     core's RelayRoute.DEFAULT_CA_FILE, the mount of the relay's CA ConfigMap.
   * @param tokenFile The projected ServiceAccount token file sent to the relay, bound to the
   *     relay's audience; re-read every minute and on a 401. Unset: core's
   *     RelayRoute.DEFAULT_TOKEN_FILE, the mount of that projected token.
   * @param resources The relayed resources as group/version/plural, v1/pods for the core group.
   * @param directFallback Read from the API server, within its budgets, once the relay has failed
   *     for 30 s ×[1, 2) per client.
   */
  public record Relay(
      java.net.URI url,
      java.nio.file.Path caFile,
      java.nio.file.Path tokenFile,
      List<String> resources,
      @DefaultValue("false") boolean directFallback) {
    public Relay {
      resources = resources == null ? List.of() : List.copyOf(resources);
    }
  }

  /**
   * Options of every informer the starter declares.
   *
   * @param startJitter The largest random delay before an informer's first LIST; 0 turns it off.
   *     Unset: 10 s when NODE_NAME is set (a DaemonSet), else none.
   * @param stripManagedFields Drop metadata.managedFields before caching.
   * @param watchList Streaming list (sendInitialEvents) instead of LIST then WATCH.
   * @param syncTimeout A declared informer not synced this long after start is reported (an ERROR
   *     log and a health detail). Startup never waits for it.
   */
  public record Informer(
      Duration startJitter,
      @DefaultValue("true") boolean stripManagedFields,
      @DefaultValue("false") boolean watchList,
      // Far above a healthy first LIST plus the 10 s start jitter, short enough to show in a
      // rollout.
      @DefaultValue("2m") Duration syncTimeout) {}

  /**
   * Actuator health.
   *
   * @param readiness The informer contributor of the readiness group.
   */
  public record Health(@DefaultValue Readiness readiness) {}

  /**
   * The informer contributor of the readiness group.
   *
   * @param stalenessThreshold Opt-in: also report OUT_OF_SERVICE while a required informer has had
   *     no event or bookmark for this long (only once it has seen a bookmark). At least 3 min.
   *     Unset (the default): staleness is a detail and a metric only and never takes the pod out.
   * @param allowShortStalenessThresholdForTests For tests only: accept a staleness threshold under
   *     3 min.
   */
  public record Readiness(
      Duration stalenessThreshold,
      @DefaultValue("false") boolean allowShortStalenessThresholdForTests) {}

  /**
   * A per-rule override.
   *
   * @param mode The mode of this rule, overriding safeclient.mode.
   */
  public record Rule(SafetyMode mode) {}

  /**
   * One informer declared in configuration.
   *
   * @param name A unique name to look the informer up by; defaults to the resource.
   * @param resource The resource's plural name, such as pods or deployments.
   * @param group The API group; for a built-in resource it is known and may be left out.
   * @param version The API version; for a built-in resource it is known and may be left out.
   * @param namespace One namespace; all namespaces (or a cluster-scoped resource) when unset.
   * @param labelSelector A label selector, such as app=web.
   * @param fieldSelector Such as spec.nodeName=${NODE_NAME} for a node agent's pods.
   * @param required Readiness is OUT_OF_SERVICE until this informer has synced once.
   * @param type The model class name, for resources outside the built-in table (CRDs).
   * @param listType The list model class name, with type.
   * @param resync Resync period; 0 turns it off.
   */
  public record DeclaredInformer(
      String name,
      String resource,
      String group,
      String version,
      String namespace,
      String labelSelector,
      String fieldSelector,
      @DefaultValue("true") boolean required,
      String type,
      String listType,
      @DefaultValue("0s") Duration resync) {
    /** The name is the resource when none is set. */
    public DeclaredInformer {
      if (name == null || name.isBlank()) {
        name = resource;
      }
      if (resync == null) {
        resync = Duration.ZERO;
      }
    }
  }
}
