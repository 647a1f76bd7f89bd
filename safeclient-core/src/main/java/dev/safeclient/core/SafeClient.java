package dev.safeclient.core;

import dev.safeclient.core.auth.DefaultConfig;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.internal.auth.CredentialRefreshInterceptor;
import dev.safeclient.core.internal.budget.BudgetInterceptor;
import dev.safeclient.core.internal.budget.InFlightInterceptor;
import dev.safeclient.core.internal.budget.StoredCounts;
import dev.safeclient.core.internal.chain.SafetyChain;
import dev.safeclient.core.internal.json.JsonBodyCodec;
import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.core.internal.pipeline.ListDecisionInterceptor;
import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.core.internal.protobuf.ProtobufWatchEventReader;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.retry.OverloadBreakerInterceptor;
import dev.safeclient.core.internal.retry.RetryAfterInterceptor;
import dev.safeclient.core.internal.retry.RetryInterceptor;
import dev.safeclient.core.internal.rules.DefaultUserAgentRule;
import dev.safeclient.core.internal.rules.RuleCatalogue;
import dev.safeclient.core.internal.server.ListAnswerWitness;
import dev.safeclient.core.internal.server.ResourceActivity;
import dev.safeclient.core.internal.server.ServerVersions;
import dev.safeclient.core.internal.transport.CallDeadlineInterceptor;
import dev.safeclient.core.internal.warning.WarningChannel;
import dev.safeclient.core.metrics.KnownTags;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.serving.ServerVersion;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The entry point: wraps an official {@link ApiClient} so that every call made through {@link
 * #apiClient()} is classified, linted and turned into its safe form.
 *
 * <p>All views share one {@link OkHttpClient}: one connection pool, one dispatcher and one set of
 * budgets. They differ only in the {@link CallOrigin} tag they put on each request.
 */
public final class SafeClient implements AutoCloseable {
  private final ApiClient base;
  private final SafeClientConfig config;
  private final WarningChannel warnings;
  private final TolerantJson tolerantJson;
  private final OkHttpClient pipeline;
  private final SafeApiClient apiClient;
  private final SafeApiClient consistentApiClient;
  private final SafeApiClient libraryApiClient;
  private final ProtobufCodec protobuf;
  private final StoredCounts storedCounts = new StoredCounts();
  private final ResourceActivity activity;
  private final CallDeadlineInterceptor callDeadlines;
  private final Dispatcher leaseDispatcher;
  private final SafetyChain chain;
  private final ClientInternals internals;

  static {
    ClientInternals.grantAccess(client -> client.internals);
  }

  private SafeClient(ApiClient base, SafeClientConfig config) {
    this.base = base;
    this.config = config;
    this.warnings =
        new WarningChannel(
            config.warningListener(),
            config.metrics(),
            config.warningInterval(),
            config.clock()::nanoTime);
    this.tolerantJson = new TolerantJson(warnings);
    JsonBodyCodec jsonBodies =
        new JsonBodyCodec(tolerantJson, warnings, config.modeFor(JsonBodyCodec.UPDATE_RULE_ID));
    ServerVersions versions = new ServerVersions(config.serverVersion(), config.oldEtcd());
    this.protobuf =
        new ProtobufCodec(
            warnings,
            tolerantJson,
            config.clock(),
            config.maxProtobufObjectBytes(),
            () -> versions.oldest(hostKey(base.getBasePath())));
    this.callDeadlines = new CallDeadlineInterceptor(config.callTimeout());
    this.activity = new ResourceActivity(config.clock());
    this.chain =
        SafetyChain.assemble(
            base.getBasePath(),
            config,
            versions,
            warnings,
            protobuf,
            storedCounts,
            activity,
            callDeadlines,
            base.getHttpClient());
    this.pipeline = buildPipeline(base, config, chain);
    this.leaseDispatcher = new Dispatcher();
    // Every Lease of a virtual kubelet may renew at once; the Lease bucket paces them.
    leaseDispatcher.setMaxRequestsPerHost(leaseDispatcher.getMaxRequests());
    OkHttpClient leasePipeline = pipeline.newBuilder().dispatcher(leaseDispatcher).build();
    String userAgent = DefaultUserAgentRule.effectiveUserAgent(base, config.userAgent(), warnings);
    ListAnswerWitness listAnswers = new ListAnswerWitness(activity);
    this.apiClient =
        new SafeApiClient(
            base,
            pipeline,
            leasePipeline,
            CallOrigin.USER,
            userAgent,
            jsonBodies,
            protobuf,
            listAnswers);
    this.consistentApiClient =
        new SafeApiClient(
            base,
            pipeline,
            leasePipeline,
            CallOrigin.USER_CONSISTENT,
            userAgent,
            jsonBodies,
            protobuf,
            listAnswers);
    this.libraryApiClient =
        new SafeApiClient(
            base,
            pipeline,
            leasePipeline,
            CallOrigin.LIBRARY,
            userAgent,
            jsonBodies,
            protobuf,
            listAnswers);
    this.internals =
        new ClientInternals(
            libraryApiClient, protobuf, tolerantJson, storedCounts, activity, warnings, chain);
  }

  /**
   * The client's {@link OkHttpClient}, built from its {@link SafetyChain} (the one place the order
   * of the links is written): classify → relay route (with a relay) → list decision → watch-event
   * witness → lint → SC101 rewrite → SC102 paging → server warnings → retry → credential refresh →
   * breaker → Retry-After → budgets → in-flight → call deadline → Protobuf → metrics. Retry sits
   * outside the budgets: each attempt pays them again.
   */
  private static OkHttpClient buildPipeline(
      ApiClient base, SafeClientConfig config, SafetyChain chain) {
    OkHttpClient.Builder b =
        base.getHttpClient()
            .newBuilder()
            // OkHttp would replay requests below our interceptors and outside the budgets.
            .retryOnConnectionFailure(false)
            .pingInterval(config.pingInterval());
    chain.installInto(b);
    config.metrics().clientBuilt(knownTags(base, config));
    return b.build();
  }

  /** The key the version of the client's server is learnt under. */
  private static String hostKey(String basePath) {
    okhttp3.HttpUrl url = basePath == null ? null : okhttp3.HttpUrl.parse(basePath);
    return url == null ? "" : ListDecisionInterceptor.hostKey(url);
  }

  private static KnownTags knownTags(ApiClient base, SafeClientConfig config) {
    List<String> retryReasons = new ArrayList<>(RetryInterceptor.FIXED_REASONS);
    retryReasons.add(CredentialRefreshInterceptor.RETRY_REASON);
    List<String> budgets = new ArrayList<>(BudgetInterceptor.BUDGETS);
    budgets.addAll(InFlightInterceptor.BUDGETS);
    budgets.add(RetryAfterInterceptor.BUDGET);
    List<String> breakers = new ArrayList<>();
    if (config.breakerEnabled()) {
      budgets.add(OverloadBreakerInterceptor.BUDGET);
      HttpUrl url = HttpUrl.parse(base.getBasePath());
      if (url != null) {
        breakers.add(OverloadBreakerInterceptor.key(url, ""));
      }
    }
    return new KnownTags(retryReasons, budgets, RuleCatalogue.IDS, breakers);
  }

  /** A client with the defaults: {@link SafetyMode#ENFORCE}, QPS 5, burst 10. */
  public static SafeClient wrap(ApiClient base) {
    return builder(base).build();
  }

  public static Builder builder(ApiClient base) {
    return new Builder(base);
  }

  /**
   * A client with the defaults, built from this process's own configuration: {@code $KUBECONFIG},
   * else {@code ~/.kube/config}, else the in-cluster service account. Its credentials are pinned to
   * the context's user and server as they were at build time ({@link DefaultConfig}): re-read every
   * minute and on a 401 (which is replayed once), never another user's, never sent elsewhere. Never
   * falls back to {@code http://localhost:8080}: no configuration is an {@link IOException}.
   */
  public static SafeClient fromDefaultConfig() throws IOException {
    return builderFromDefaultConfig().build();
  }

  /** As {@link #fromDefaultConfig()}, for further options before {@code build()}. */
  public static Builder builderFromDefaultConfig() throws IOException {
    DefaultConfig found = DefaultConfig.load();
    return builder(found.apiClient()).tokenSource(found.tokenSource());
  }

  /** The safe default view: an official {@link ApiClient} for every generated API. */
  public ApiClient apiClient() {
    return apiClient;
  }

  /**
   * A view whose LISTs are consistent reads: resourceVersion unset, paged with {@code limit}/{@code
   * continue} and handed back as one list. For callers who need read-after-any-write. It shares the
   * connection pool and budgets of {@link #apiClient()}, and works for async calls.
   */
  public ApiClient consistentApiClient() {
    return consistentApiClient;
  }

  public SafeClientConfig config() {
    return config;
  }

  /**
   * Releases what this client started: the call-deadline sweeper thread stops once no open client
   * is left. Not the {@code Dispatcher} nor the {@code ConnectionPool}: they are the base client's,
   * shared with it and with every other {@code SafeClient} built on it. Calls through this client's
   * views fail afterwards. Idempotent.
   */
  @Override
  public void close() {
    callDeadlines.close();
    // Ours: the dispatcher of async Lease calls, and its threads.
    leaseDispatcher.executorService().shutdown();
  }

  /** The base client this one wraps. */
  public ApiClient base() {
    return base;
  }

  /** Builds a {@link SafeClient}. Every option has a documented default. */
  public static final class Builder {
    private final ApiClient base;
    SafetyMode mode = SafetyMode.ENFORCE;
    final Map<String, SafetyMode> ruleModes = new HashMap<>();
    String userAgent;
    // client-go's defaults (rest.Config): a fleet of agents each at 5 QPS is what control planes
    // are sized for; burst 10 lets a controller's start-up GETs through without waiting.
    double qps = 5;
    int burst = 10;
    // APF seats per second: one full-cost LIST (10 seats) every 2 s. A client polling big
    // collections is slowed even when its request count is low: the shape of the outage.
    double listCostPerSecond = 5;
    // One leader election (client-go's RetryPeriod 2 s): 1 QPS, burst 6, as before this option.
    int leasesRenewed = 1;
    Duration leaseRenewPeriod = Duration.ofSeconds(2);
    // client-go's max-in-flight default on the server side is 400 for the whole cluster; one
    // client holding more than 10 non-watch requests is almost always a loop gone wide.
    int maxInFlight = 10;
    int maxWatches = 100;
    // client-go's pager default: 500 objects a page.
    int listPageSize = 500;
    boolean allowStaleListReads = false;
    boolean protobuf = true;
    int maxProtobufObjectBytes = ProtobufWatchEventReader.DEFAULT_MAX_FRAME_BYTES;
    String nodeName = System.getenv("NODE_NAME");
    Duration warningInterval = Duration.ofMinutes(1);
    Consumer<SafetyWarning> warningListener;
    SafeClientMetrics metrics = SafeClientMetrics.NOOP;
    Duration maxBudgetWait = Duration.ofSeconds(30);
    // Far above a healthy GET/LIST's latency, below the server's own 60 s request timeout.
    Duration callTimeout = Duration.ofSeconds(60);
    // client-go's HTTP/2 ReadIdleTimeout: detects a half-open connection within a minute.
    Duration pingInterval = Duration.ofSeconds(30);
    boolean breakerEnabled = true;
    // Short: the Retry-After memory already paces an APF storm; the breaker is for overload the
    // server cannot express (503s, timeouts), and every open second delays recovery. Jittered per
    // client to [5, 7.5) s.
    Duration breakerOpenDuration = Duration.ofSeconds(5);
    // Half of the last 20 calls signalling overload: one slow second is not enough to open it.
    float breakerFailureRateThreshold = 50f;
    TokenSource tokenSource;
    TimeSource clock = TimeSource.system();
    ServerVersion serverVersion;
    boolean oldEtcd;
    final Set<String> watchCacheDisabled = new HashSet<>();
    final Set<String> eligibleGroups = new HashSet<>();
    RelayRoute relay;

    private Builder(ApiClient base) {
      this.base = Objects.requireNonNull(base, "base");
    }

    public Builder mode(SafetyMode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** Overrides the mode of one rule, such as {@code ruleMode("SC106", SafetyMode.OBSERVE)}. */
    public Builder ruleMode(String ruleId, SafetyMode mode) {
      ruleModes.put(Objects.requireNonNull(ruleId, "ruleId"), Objects.requireNonNull(mode));
      return this;
    }

    public Builder userAgent(String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    public Builder qps(double qps) {
      if (!(qps > 0)) {
        throw new IllegalArgumentException("qps must be > 0: " + qps);
      }
      this.qps = qps;
      return this;
    }

    public Builder burst(int burst) {
      if (burst < 1) {
        throw new IllegalArgumentException("burst must be >= 1: " + burst);
      }
      this.burst = burst;
      return this;
    }

    public Builder listCostPerSecond(double seatsPerSecond) {
      if (!(seatsPerSecond > 0)) {
        throw new IllegalArgumentException("listCostPerSecond must be > 0: " + seatsPerSecond);
      }
      this.listCostPerSecond = seatsPerSecond;
      return this;
    }

    /**
     * The coordination Leases this client renews and how often (leader election: 1 every 2 s; a
     * kubelet: its node's every 10 s; a virtual kubelet: one per node it serves). Sizes the Lease
     * bucket: twice the renewal rate, burst one per Lease plus 5, both capped at 50.
     */
    public Builder leaseRenewals(int leases, Duration renewPeriod) {
      if (leases < 1) {
        throw new IllegalArgumentException("leases must be >= 1: " + leases);
      }
      if (renewPeriod.isZero() || renewPeriod.isNegative()) {
        throw new IllegalArgumentException("renewPeriod must be > 0: " + renewPeriod);
      }
      this.leasesRenewed = leases;
      this.leaseRenewPeriod = renewPeriod;
      return this;
    }

    public Builder maxInFlight(int maxInFlight) {
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be >= 1: " + maxInFlight);
      }
      this.maxInFlight = maxInFlight;
      return this;
    }

    public Builder maxWatches(int maxWatches) {
      if (maxWatches < 1) {
        throw new IllegalArgumentException("maxWatches must be >= 1: " + maxWatches);
      }
      this.maxWatches = maxWatches;
      return this;
    }

    public Builder listPageSize(int listPageSize) {
      if (listPageSize < 1) {
        throw new IllegalArgumentException("listPageSize must be >= 1: " + listPageSize);
      }
      this.listPageSize = listPageSize;
      return this;
    }

    /**
     * Lets SC101 rewrite to {@code resourceVersion=0&limit=<listPageSize>}: cheaper, but the answer
     * may be older than what this client already saw. Only for callers that accept stale data, such
     * as monitoring agents. Off by default.
     */
    public Builder allowStaleListReads(boolean allow) {
      this.allowStaleListReads = allow;
      return this;
    }

    /**
     * The server version SC101/SC102 decide for, such as {@code "1.30"}, instead of the oldest one
     * learnt from {@code /version}: for clusters whose feature gates differ from the release's
     * defaults, or that cannot be asked.
     */
    public Builder serverVersion(String version) {
      this.serverVersion = ServerVersion.of(version);
      return this;
    }

    /** As {@link #serverVersion(String)}, with gates of one's own. */
    public Builder serverVersion(ServerVersion version) {
      this.serverVersion = Objects.requireNonNull(version, "version");
      return this;
    }

    /**
     * The cluster's etcd is older than 3.4.31 / 3.5.13 (no progress requests): consistent lists are
     * then read from etcd on every version, which {@code /version} cannot tell. Off by default.
     */
    public Builder oldEtcd(boolean old) {
      this.oldEtcd = old;
      return this;
    }

    /**
     * Resources whose watch cache is disabled ({@code --watch-cache-sizes=pods#0}), as {@code pods}
     * or {@code deployments.apps}: every read goes to etcd, so SC101 never probes them.
     */
    public Builder watchCacheDisabled(String... groupResources) {
      for (String gr : groupResources) {
        watchCacheDisabled.add(Objects.requireNonNull(gr));
      }
      return this;
    }

    /**
     * API groups besides the built-in ones that SC101/SC102 may rewrite, such as a CRD group: the
     * kube-apiserver serves them from its own storage and watch cache. Any other group passes
     * through, since an aggregated API ignores {@code limit} and returns no resourceVersion.
     */
    public Builder eligibleGroups(String... groups) {
      for (String g : groups) {
        eligibleGroups.add(Objects.requireNonNull(g));
      }
      return this;
    }

    /** Protobuf for built-in types (SC103). On by default. */
    public Builder protobuf(boolean enabled) {
      this.protobuf = enabled;
      return this;
    }

    /**
     * The largest Protobuf watch frame or single-object body accepted (default 64 MiB, far above
     * any object etcd stores): a declared length beyond it is a typed error at once, never an
     * allocation. List bodies are not capped.
     */
    public Builder maxProtobufObjectBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxProtobufObjectBytes must be >= 1: " + bytes);
      }
      this.maxProtobufObjectBytes = bytes;
      return this;
    }

    /** The node this process runs on, for SC106. Defaults to the {@code NODE_NAME} variable. */
    public Builder nodeName(String nodeName) {
      this.nodeName = nodeName;
      return this;
    }

    /** At most one log line per (rule, call site) per interval; the rest are counted. */
    public Builder warningInterval(Duration interval) {
      this.warningInterval = Objects.requireNonNull(interval);
      return this;
    }

    public Builder warningListener(Consumer<SafetyWarning> listener) {
      this.warningListener = listener;
      return this;
    }

    public Builder metrics(SafeClientMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics);
      return this;
    }

    /** The longest a request waits for a budget before {@code BudgetExhaustedException}. */
    public Builder maxBudgetWait(Duration maxWait) {
      if (maxWait.isNegative()) {
        throw new IllegalArgumentException("maxBudgetWait must be >= 0: " + maxWait);
      }
      this.maxBudgetWait = maxWait;
      return this;
    }

    /**
     * The deadline of each exchange of a non-watch call, from sending the request to the answer's
     * last byte. Real time, whatever the {@link #clock(TimeSource)}: it cuts real I/O.
     */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = Objects.requireNonNull(callTimeout);
      return this;
    }

    public Builder pingInterval(Duration pingInterval) {
      this.pingInterval = Objects.requireNonNull(pingInterval);
      return this;
    }

    /** The overload breaker (per host and resource group). On by default. */
    public Builder breakerEnabled(boolean enabled) {
      this.breakerEnabled = enabled;
      return this;
    }

    /** How long the breaker stays open before a half-open probe; jittered per client. */
    public Builder breakerOpenDuration(Duration openDuration) {
      this.breakerOpenDuration = Objects.requireNonNull(openDuration);
      return this;
    }

    /** Percent of overload signals among recent calls that opens the breaker. */
    public Builder breakerFailureRateThreshold(float percent) {
      if (!(percent > 0 && percent <= 100)) {
        throw new IllegalArgumentException("breakerFailureRateThreshold in (0, 100]: " + percent);
      }
      this.breakerFailureRateThreshold = percent;
      return this;
    }

    /**
     * Where fresh credentials come from after a 401 (one refresh, one replay). Without one, a 401
     * is returned as it is and logged once. {@link SafeClient#fromDefaultConfig()} sets it.
     */
    public Builder tokenSource(TokenSource tokenSource) {
      this.tokenSource = tokenSource;
      return this;
    }

    /**
     * Where this client reads time and waits: the token buckets, Retry-After memory, retry backoff,
     * breaker, the budget's view of a call's deadline, the warnings' rate limits, SC107 and SC101's
     * change rates; and, unless given their own, the informers built on this client. Tests and
     * drills pass one {@code VirtualTimeSource} for the whole timeline; production keeps {@link
     * TimeSource#system()}. Socket and OkHttp timeouts, and {@link #callTimeout(Duration)}, stay on
     * real time: they cut real I/O, which no virtual clock can hurry.
     */
    public Builder clock(TimeSource clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /**
     * Reads (GET, LIST, WATCH) of the route's resources go to a read-only relay, with the relay's
     * token and CA; everything else goes to the API server. See {@link RelayRoute}. None by
     * default.
     */
    public Builder relay(RelayRoute route) {
      this.relay = route;
      return this;
    }

    /**
     * Reads (GET, LIST, WATCH) of {@code resources} go to the read-only relay at {@code url}, as
     * {@link #relay(RelayRoute)} with the route's defaults: the relay's CA from {@link
     * RelayRoute#DEFAULT_CA_FILE}, its projected token from {@link RelayRoute#DEFAULT_TOKEN_FILE}
     * (never the API server's token), no direct fallback. For other files, or a fallback, build the
     * {@link RelayRoute}.
     *
     * @param url the relay's base URL, {@code https://} only
     * @param resources as {@link RelayRoute.Builder#resources(String...)}: {@code v1/pods}, {@code
     *     apps/v1/deployments}
     * @throws IllegalArgumentException for a URL that is not https, or a name that is not one
     *     resource's
     * @throws IllegalStateException if the CA or the token is not mounted where the defaults say
     */
    public Builder relay(URI url, String... resources) {
      return relay(RelayRoute.builder(url).resources(resources).build());
    }

    Builder relay(URI url, Path caFile, Path tokenFile, String... resources) {
      return relay(RelayRoute.mounted(url, caFile, tokenFile, resources));
    }

    public SafeClient build() {
      return new SafeClient(base, new SafeClientConfig(this));
    }
  }
}
