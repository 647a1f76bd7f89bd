package dev.safeclient.examples;

import dev.safeclient.core.RelayRoute;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.examples.FleetRehearsal.FleetOptions;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.relay.Relay;
import dev.safeclient.relay.RelayedResource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.KubeSimStats;
import dev.safeclient.testing.fleet.ControlPlaneBill;
import dev.safeclient.testing.fleet.FleetCluster;
import dev.safeclient.testing.fleet.FleetDrill;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Scenario 4: scenario 3's node-scoped agents, each reading its pods through one of three relays
 * (round-robin) instead of from the API server. Authentication is on: each agent presents a token
 * bound to the relays' audience, which the relay reviews with the API server (TokenReview,
 * SubjectAccessReview) and caches. Besides the drill's bill it measures, with the agents still
 * running: the delay from a write to the agent's handler, what an API-server restart and a relay
 * restart cost the API server.
 */
final class RelayFleet {
  static final int RELAYS = 3;
  static final String AUDIENCE = "https://relay.fleet.example";
  static final String RELAY_USER = "system:serviceaccount:relay:relay";

  /** Each relay's own User-Agent ("fleet-relay-0/1.0", ...): what one relay costs is countable. */
  static final String RELAY_USER_AGENT = "fleet-relay-";

  private static final String RELAY_TOKEN = "fleet-relay-token";

  /** The writes whose delay to the handler is measured: enough for a p99 without a burst. */
  static final int DELAY_PROBES = 100;

  /** How long a phase may take to settle on a shared machine before it is reported unsettled. */
  private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(2);

  /** What scenario 4 measured beyond the drill's bill. */
  record Figures(
      int relays,
      int apiServerWatches,
      long tokenReviewsAtStart,
      long subjectAccessReviewsAtStart,
      long tokenReviewsPerMinute,
      long subjectAccessReviewsPerMinute,
      long agentRequestsToApiServer,
      long podsInCaches,
      int agentsHoldingExactlyTheirPods,
      List<Long> writeToHandlerMillis,
      Restart apiServerRestart,
      Restart relayRestart,
      boolean relayRestartedOnSamePort) {

    long writeToHandlerPercentile(int p) {
      if (writeToHandlerMillis.isEmpty()) {
        return -1;
      }
      List<Long> sorted = writeToHandlerMillis.stream().sorted().toList();
      int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
      return sorted.get(Math.max(0, i));
    }
  }

  /**
   * What a restart cost the API server, counted from the restart until all was settled again and a
   * simulated minute more. {@code requests} and the reviews are all the API server saw then,
   * including the reviews of agents whose cached review had expired when their informer renewed its
   * watch (every 5-10 minutes, whatever the restart); {@code relayRequests} are those of the relays
   * concerned (all three for an API-server restart, the new one for a relay restart).
   */
  record Restart(
      long requests,
      long lists,
      long watches,
      long tokenReviews,
      long subjectAccessReviews,
      long relayRequests,
      long agentRequests,
      boolean settled) {
    static Restart of(KubeSimStats s, String relayUserAgentPrefix, boolean settled) {
      return new Restart(
          s.requests(),
          s.requests("list", "pods"),
          s.requests("watch", "pods"),
          s.tokenReviews(),
          s.subjectAccessReviews(),
          byUserAgent(s, relayUserAgentPrefix),
          byUserAgent(s, NodeScopedAgent.USER_AGENT),
          settled);
    }
  }

  /** Requests whose User-Agent starts so: SafeClient may add to the one it is given. */
  static long byUserAgent(KubeSimStats s, String prefix) {
    return s.requestsByUserAgent().entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** The drill's bill, the figures, and the pods the fleet's cluster was seeded with. */
  record Outcome(ControlPlaneBill bill, Figures figures, int pods, long averagePodBytes) {}

  private RelayFleet() {}

  static Outcome run(
      FleetOptions o,
      String version,
      TimeSource clock,
      Consumer<SafetyWarning> warnings,
      PrintStream out)
      throws Exception {
    KubeSim.Builder b =
        KubeSim.builder()
            .serverVersion(version)
            .clock(clock)
            .bookmarkInterval(Duration.ofMillis((long) (60_000 / o.timeScale())))
            .user(RELAY_TOKEN, RELAY_USER)
            .authDelegator(RELAY_USER)
            .allow(RELAY_USER, "get,list,watch", "pods");
    for (int i = 0; i < o.nodes(); i++) {
      String node = FleetCluster.nodeName(i);
      b.user(apiToken(node), agentUser(node))
          .user(relayToken(node), agentUser(node))
          .tokenAudiences(relayToken(node), AUDIENCE)
          .allow(agentUser(node), "get,list,watch", "pods");
    }
    Path dir = Files.createTempDirectory("fleet-relays");
    List<NodeScopedAgent> agents = new ArrayList<>();
    List<Integer> relayOf = new ArrayList<>();
    List<Relay> relays = new ArrayList<>();
    try (KubeSim sim = b.build()) {
      FleetCluster cluster = FleetCluster.seed(sim, o.nodes(), o.podsPerNode());
      RehearsalTls tls = RehearsalTls.create(dir);
      Path cert = tls.certificate();
      Path key = tls.privateKey();
      byte[] ca = tls.caPem();
      Map<String, Long> pending = new ConcurrentHashMap<>();
      List<Long> delays = java.util.Collections.synchronizedList(new ArrayList<>());
      ControlPlaneBill bill =
          FleetDrill.builder(sim, cluster)
              .agentsToRun(o.nodes())
              .clock(clock)
              .steadyMinutes(o.steadyMinutes())
              .churnPerMinute(o.churnPerMinute())
              .syncTimeout(Duration.ofMinutes(2))
              .run(
                  node -> {
                    if (relays.isEmpty()) {
                      // The relays start with the fleet: their lists and watches are in the bill.
                      for (int r = 0; r < RELAYS; r++) {
                        relays.add(relay(sim, clock, cert, key, r, 0).start());
                      }
                      await(() -> relays.stream().allMatch(x -> x.health().synced()));
                    }
                    int r = agents.size() % RELAYS;
                    Path token = dir.resolve(node.name() + ".token");
                    Files.writeString(token, relayToken(node.name()) + "\n");
                    ApiClient api = node.apiClient();
                    api.setApiKeyPrefix("Bearer");
                    api.setApiKey(apiToken(node.name()));
                    NodeScopedAgent agent =
                        new NodeScopedAgent(
                            api,
                            node.name(),
                            clock,
                            warnings,
                            RelayRoute.builder(relays.get(r).url())
                                .caPem(ca)
                                .tokenFile(token)
                                .resources("v1/pods")
                                .build(),
                            pod -> {
                              Long t0 = pending.remove(key(pod));
                              if (t0 != null) {
                                delays.add((System.nanoTime() - t0) / 1_000_000);
                              }
                            });
                    agents.add(agent);
                    relayOf.add(r);
                    return new FleetDrill.Agent() {
                      @Override
                      public boolean synced() {
                        return agent.synced();
                      }

                      @Override
                      public void close() {
                        // Kept running past the drill for the restarts; closed below.
                      }
                    };
                  });
      out.printf(
          Locale.ROOT,
          "[%s] scenario 4: %,d agents synced through %d relays%n",
          version,
          bill.agentsSynced(),
          RELAYS);

      long inCaches = 0;
      int exact = 0;
      for (int i = 0; i < agents.size(); i++) {
        List<V1Pod> pods = agents.get(i).pods();
        inCaches += pods.size();
        String node = FleetCluster.nodeName(i);
        if (pods.size() == o.podsPerNode()
            && pods.stream().allMatch(p -> node.equals(p.getSpec().getNodeName()))) {
          exact++;
        }
      }

      // The delay from a write to the handler: one pod on each of DELAY_PROBES agents spread over
      // the fleet, written one at a time (the churn has stopped with the drill).
      int probes = Math.min(DELAY_PROBES, agents.size());
      for (int k = 0; k < probes; k++) {
        List<V1Pod> pods = agents.get((int) ((long) k * agents.size() / probes)).pods();
        if (pods.isEmpty()) {
          continue;
        }
        V1Pod pod = pods.stream().min(Comparator.comparing(RelayFleet::key)).orElseThrow();
        pending.put(key(pod), System.nanoTime());
        cluster.statusUpdate(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        // One write at a time: the delay is the path's, not a queue's.
        awaitQuietly(() -> !pending.containsKey(key(pod)), Duration.ofSeconds(10));
      }
      pending.clear();

      // An API-server restart: the listener closes, every watch breaks, then it comes back.
      sim.resetStats();
      sim.outage(true);
      clock.sleep(Duration.ofSeconds(10));
      sim.outage(false);
      boolean settled =
          awaitQuietly(
              () ->
                  sim.stats().watchesOpen() == RELAYS
                      && relays.stream().allMatch(x -> x.health().synced() && !x.health().stale())
                      && agents.stream().allMatch(NodeScopedAgent::synced),
              SETTLE_TIMEOUT);
      // A simulated minute more: what a restart triggers later (relists, reviews) is billed too.
      clock.sleep(Duration.ofMinutes(1));
      Restart apiServerRestart = Restart.of(sim.stats(), RELAY_USER_AGENT, settled);

      // A relay restart: relay 0 closes and a new one starts on its port; its agents' routes are
      // fixed, so they reconnect to it.
      sim.resetStats();
      int port = relays.get(0).url().getPort();
      relays.get(0).close();
      boolean samePort = true;
      Relay restarted;
      try {
        restarted = relay(sim, clock, cert, key, 0, port).start();
      } catch (IllegalStateException e) {
        samePort = false;
        restarted = relay(sim, clock, cert, key, 0, 0).start();
      }
      relays.set(0, restarted);
      long onRelay0 = relayOf.stream().filter(r -> r == 0).count();
      Relay r0 = restarted;
      boolean relaySettled =
          samePort
              && awaitQuietly(
                  () ->
                      r0.health().synced()
                          && r0.health().resources().get(0).watchers() >= onRelay0
                          && agents.stream().allMatch(NodeScopedAgent::synced),
                  SETTLE_TIMEOUT);
      clock.sleep(Duration.ofMinutes(1));
      Restart relayRestart = Restart.of(sim.stats(), RELAY_USER_AGENT + "0/", relaySettled);

      KubeSimStats start = bill.startStats();
      KubeSimStats steady = bill.steadyStats();
      double perMinute = 1 / bill.steadyMinutes();
      Figures figures =
          new Figures(
              RELAYS,
              steady.watchesOpen(),
              start.tokenReviews(),
              start.subjectAccessReviews(),
              Math.round(steady.tokenReviews() * perMinute),
              Math.round(steady.subjectAccessReviews() * perMinute),
              byUserAgent(start, NodeScopedAgent.USER_AGENT)
                  + byUserAgent(steady, NodeScopedAgent.USER_AGENT),
              inCaches,
              exact,
              List.copyOf(delays),
              apiServerRestart,
              relayRestart,
              samePort);
      return new Outcome(bill, figures, cluster.pods(), cluster.averagePodBytes());
    } finally {
      closeAll(agents);
      for (Relay r : relays) {
        r.close();
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static Relay relay(
      KubeSim sim, TimeSource clock, Path cert, Path key, int index, int port) {
    ApiClient api = sim.apiClient();
    api.setApiKeyPrefix("Bearer");
    api.setApiKey(RELAY_TOKEN);
    return Relay.builder(
            SafeClient.builder(api)
                .userAgent(RELAY_USER_AGENT + index + "/1.0")
                // As the relay's own main builds it (relay.yaml's upstream qps and burst).
                .qps(Relay.DEFAULT_UPSTREAM_QPS)
                .burst(Relay.DEFAULT_UPSTREAM_BURST)
                .nodeName(null)
                .clock(clock)
                .build())
        .resource(RelayedResource.pods())
        .audience(AUDIENCE)
        .tls(cert, key)
        .listen("127.0.0.1", port)
        .clock(clock)
        .build();
  }

  private static String key(V1Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  static String agentUser(String node) {
    return "system:serviceaccount:agents:agent-" + node;
  }

  private static String apiToken(String node) {
    return "fleet-agent-api-" + node;
  }

  private static String relayToken(String node) {
    return "fleet-agent-relay-" + node;
  }

  private static void await(BooleanSupplier done) throws InterruptedException {
    if (!awaitQuietly(done, SETTLE_TIMEOUT)) {
      throw new IllegalStateException("the relays did not sync within " + SETTLE_TIMEOUT);
    }
  }

  /** Polls real time, as the drill waits for its fleet; false if {@code timeout} passed first. */
  private static boolean awaitQuietly(BooleanSupplier done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  /** Closes the agents in parallel: each joins its informer threads. */
  private static void closeAll(List<NodeScopedAgent> agents) throws InterruptedException {
    ExecutorService closers = Executors.newFixedThreadPool(8);
    for (NodeScopedAgent a : agents) {
      closers.execute(a::close);
    }
    closers.shutdown();
    closers.awaitTermination(2, TimeUnit.MINUTES);
  }
}
