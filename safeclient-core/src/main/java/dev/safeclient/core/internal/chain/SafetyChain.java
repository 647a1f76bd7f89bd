package dev.safeclient.core.internal.chain;

import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.core.internal.auth.CredentialRefreshInterceptor;
import dev.safeclient.core.internal.budget.BudgetInterceptor;
import dev.safeclient.core.internal.budget.InFlightInterceptor;
import dev.safeclient.core.internal.budget.ListSeatEstimate;
import dev.safeclient.core.internal.budget.StoredCounts;
import dev.safeclient.core.internal.metrics.MetricsInterceptor;
import dev.safeclient.core.internal.pipeline.ClassifyInterceptor;
import dev.safeclient.core.internal.pipeline.JsonListBodyFormat;
import dev.safeclient.core.internal.pipeline.LintInterceptor;
import dev.safeclient.core.internal.pipeline.ListBodyFormats;
import dev.safeclient.core.internal.pipeline.ListDecisionInterceptor;
import dev.safeclient.core.internal.pipeline.ListPager;
import dev.safeclient.core.internal.pipeline.ListPagingInterceptor;
import dev.safeclient.core.internal.pipeline.ListRewriteInterceptor;
import dev.safeclient.core.internal.pipeline.ProtobufNegotiationInterceptor;
import dev.safeclient.core.internal.pipeline.ServerWarningInterceptor;
import dev.safeclient.core.internal.pipeline.WatchEventWitness;
import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.core.internal.protobuf.ProtobufListBodyFormat;
import dev.safeclient.core.internal.relay.RelayTransport;
import dev.safeclient.core.internal.request.RequestClassifier;
import dev.safeclient.core.internal.retry.NoResponse;
import dev.safeclient.core.internal.retry.OverloadBreakerInterceptor;
import dev.safeclient.core.internal.retry.RetryAfterInterceptor;
import dev.safeclient.core.internal.retry.RetryInterceptor;
import dev.safeclient.core.internal.rules.RuleCatalogue;
import dev.safeclient.core.internal.server.ListDecider;
import dev.safeclient.core.internal.server.ResourceActivity;
import dev.safeclient.core.internal.server.ServerVersions;
import dev.safeclient.core.internal.transport.CallDeadlineInterceptor;
import dev.safeclient.core.internal.warning.WarningChannel;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.time.TimeSource;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;

/**
 * The safety chain as a value, as OkHttp's {@code RealCall} builds its interceptor list: the
 * application links outermost first, then the network links. {@link #assemble} is the one place the
 * order is written; the client's {@link OkHttpClient} is built from it by {@link #installInto}.
 *
 * <p>The order, and why it matters:
 *
 * <ol>
 *   <li>classify: every later link reads one classification instead of parsing the path again;
 *   <li>relay-route (only with a relay) right after: a relayed read leaves here for the relay's own
 *       client, so it spends none of the API server's budgets and meets none of the API server's
 *       rules; the relay's client has links of its own ({@link #relayLinks});
 *   <li>list-decision before lint, so that SC101/SC102's warnings are true for the server at hand;
 *   <li>lint, then SC101's rewrite and SC102's pager: the probe and each page pass every link below
 *       on their own;
 *   <li>server-warnings inside the rewrites, so that every response the server sent is relayed;
 *   <li>retry OUTSIDE the credential refresh, breaker, Retry-After memory and budgets: each attempt
 *       goes down through all of them again, so a retried request pays the budgets again;
 *   <li>protobuf-negotiation below retry and breaker (the error Status bodies they read arrive as
 *       JSON) and below the rewrites (the pager and SC101 see each page in its wire format);
 *   <li>metrics innermost: one count per HTTP exchange.
 * </ol>
 */
public final class SafetyChain {
  private final List<Link> links;
  private final List<Link> networkLinks;
  private final List<Link> relayLinks;

  SafetyChain(List<Link> links, List<Link> networkLinks, List<Link> relayLinks) {
    this.links = List.copyOf(links);
    this.networkLinks = List.copyOf(networkLinks);
    this.relayLinks = List.copyOf(relayLinks);
  }

  /**
   * The links of the relay's own client, outermost first; empty without a relay. They are the
   * relay's politeness: its 429s and Retry-After (a relay that has not synced says when to come
   * back), buckets and in-flight caps of the same sizes as the API server's but of its own (a relay
   * is a server a fleet shares, and a relayed read must not spend the API server's budgets), the
   * relay's token with one re-read and replay on a 401, the call deadline, Protobuf, metrics.
   */
  public List<Link> relayLinks() {
    return relayLinks;
  }

  /** The application links, outermost first. */
  public List<Link> links() {
    return links;
  }

  /** The network links (they see each attempt on the connection), outermost first. */
  public List<Link> networkLinks() {
    return networkLinks;
  }

  /** The names of every link in order, application links first. */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    links.forEach(l -> names.add(l.name()));
    networkLinks.forEach(l -> names.add(l.name()));
    return names;
  }

  /** Adds every link, in order, to {@code builder}. */
  public OkHttpClient.Builder installInto(OkHttpClient.Builder builder) {
    links.forEach(l -> builder.addInterceptor(l.interceptor()));
    networkLinks.forEach(l -> builder.addNetworkInterceptor(l.interceptor()));
    return builder;
  }

  /** The chain of one client. */
  public static SafetyChain assemble(
      String basePath,
      SafeClientConfig config,
      ServerVersions versions,
      WarningChannel warnings,
      ProtobufCodec protobuf,
      StoredCounts storedCounts,
      ResourceActivity activity,
      CallDeadlineInterceptor callDeadlines,
      OkHttpClient callers) {
    SafeClientMetrics metrics = config.metrics();
    TimeSource clock = config.clock();
    List<Link> links = new ArrayList<>();
    links.add(
        Link.of(
            "classify",
            "tags each request with its Kubernetes classification (verb, resource, origin)",
            new ClassifyInterceptor(new RequestClassifier(basePath), clock)));
    List<Link> relayLinks = new ArrayList<>();
    if (config.relay().isPresent()) {
      RelayTransport relay = new RelayTransport(config.relay().get(), clock);
      relayLinks.add(
          Link.of(
              "retry", "retries when the relay said when", new RetryInterceptor(clock, metrics)));
      relayLinks.add(
          Link.of(
              "credential-refresh",
              "the relay's token, re-read and replayed once on a 401",
              new CredentialRefreshInterceptor(relay.token(), metrics)));
      relayLinks.add(
          Link.of(
              "retry-after",
              "holds calls for the window the relay's 429 asked for; says its 429s are the relay's",
              RetryAfterInterceptor.forRelay(clock, warnings, metrics),
              "SC202"));
      relayLinks.add(budget("the relay's own token buckets", config, new StoredCounts()));
      relayLinks.add(inFlight("the relay's own caps of requests and watches in flight", config));
      relayLinks.add(Link.of("call-deadline", "the deadline of each exchange", callDeadlines));
      relayLinks.add(
          Link.of(
              "protobuf-negotiation",
              "asks the relay for Protobuf on built-in GET/LIST, JSON as the fallback",
              new ProtobufNegotiationInterceptor(config, warnings, protobuf),
              "SC103"));
      relayLinks.add(
          Link.of("metrics", "one count per HTTP exchange", new MetricsInterceptor(metrics)));
      OkHttpClient.Builder relayClient = relay.clientBuilder(callers, config.pingInterval());
      relayLinks.forEach(l -> relayClient.addInterceptor(l.interceptor()));
      relayLinks.add(
          Link.of("no-response-witness", "network: for the retry link", new NoResponse.Witness()));
      relayClient.addNetworkInterceptor(relayLinks.get(relayLinks.size() - 1).interceptor());
      links.add(
          Link.of(
              "relay-route",
              "sends reads of the relayed resources to the relay, everything else on",
              relay.router(basePath, relayClient.build(), clock)));
    }
    links.add(
        Link.of(
            "list-decision",
            "decides what SC101/SC102 do with a plain consistent LIST on the server at hand",
            new ListDecisionInterceptor(
                versions, activity, new ListDecider(config, activity), basePath, metrics),
            "SC101",
            "SC102"));
    links.add(
        Link.of(
            "watch-event-witness",
            "a caller's watch events tell SC101 the resource is busy",
            new WatchEventWitness(activity),
            "SC101"));
    // Formats the pager and SC101's probe read, chosen by each response's content type.
    ListBodyFormats listFormats =
        new ListBodyFormats(List.of(new JsonListBodyFormat(), new ProtobufListBodyFormat()));
    ListPager pager = new ListPager(config.listPageSize(), listFormats, metrics);
    links.add(
        Link.of(
            "lint",
            "runs the request rules: warns, or rejects in STRICT",
            new LintInterceptor(
                RuleCatalogue.requestRules(config, clock::nanoTime), config, warnings),
            "SC101",
            "SC102",
            "SC104",
            "SC105",
            "SC106",
            "SC107",
            "SC109"));
    links.add(
        Link.of(
            "list-rewrite",
            "SC101's probe and rewrite to a watch-cache read",
            new ListRewriteInterceptor(pager, listFormats, activity, metrics, clock),
            "SC101"));
    links.add(
        Link.of(
            "list-paging",
            "SC102's paging of a consistent LIST read from etcd",
            new ListPagingInterceptor(pager),
            "SC102"));
    links.add(
        Link.of(
            "server-warnings",
            "relays the server's Warning headers of every response",
            new ServerWarningInterceptor(warnings),
            "SC201"));
    links.add(
        Link.of(
            "retry",
            "retries when the server said when, and requests that never left",
            new RetryInterceptor(clock, metrics)));
    links.add(
        Link.of(
            "credential-refresh",
            "one credential refresh and replay on a 401",
            new CredentialRefreshInterceptor(config.tokenSource(), metrics)));
    if (config.breakerEnabled()) {
      links.add(
          Link.of(
              "overload-breaker",
              "stops calls to an overloaded host and group for a while",
              new OverloadBreakerInterceptor(
                  config.breakerOpenDuration(),
                  config.breakerFailureRateThreshold(),
                  config.maxBudgetWait(),
                  clock,
                  metrics)));
    }
    links.add(
        Link.of(
            "retry-after",
            "holds calls for the window a 429 or 503's Retry-After asked for; relays APF 429s",
            new RetryAfterInterceptor(clock, warnings, metrics),
            "SC202"));
    links.add(
        budget("token buckets: requests, Leases, and APF seats of LISTs", config, storedCounts));
    links.add(inFlight("caps the requests and watches in flight", config));
    links.add(Link.of("call-deadline", "the deadline of each exchange", callDeadlines));
    links.add(
        Link.of(
            "protobuf-negotiation",
            "asks for Protobuf on built-in GET/LIST, JSON as the fallback",
            new ProtobufNegotiationInterceptor(config, warnings, protobuf),
            "SC103"));
    links.add(
        Link.of(
            "metrics", "one count per HTTP exchange", new MetricsInterceptor(config.metrics())));
    List<Link> network =
        List.of(
            Link.of(
                "no-response-witness",
                "tells the retry link whether an attempt failed before any answer, on a pooled"
                    + " connection",
                new NoResponse.Witness()),
            Link.of(
                "reconnect-witness",
                "relearns the server's version after a reconnect",
                versions.reconnectWitness()));
    return new SafetyChain(links, network, relayLinks);
  }

  /** A client's token buckets; the relay's client has buckets of the same sizes, its own. */
  private static Link budget(String description, SafeClientConfig config, StoredCounts counts) {
    return Link.of(
        "budget",
        description,
        new BudgetInterceptor(
            config.qps(),
            config.burst(),
            config.listCostPerSecond(),
            BudgetInterceptor.leaseBudget(config.leasesRenewed(), config.leaseRenewPeriod()),
            config.maxBudgetWait(),
            counts,
            ListSeatEstimate.STORED_COUNT,
            config.metrics(),
            config.clock()));
  }

  private static Link inFlight(String description, SafeClientConfig config) {
    return Link.of(
        "in-flight",
        description,
        new InFlightInterceptor(
            config.maxInFlight(),
            config.maxWatches(),
            config.maxBudgetWait(),
            config.metrics(),
            config.clock()));
  }
}
