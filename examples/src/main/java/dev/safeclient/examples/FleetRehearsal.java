package dev.safeclient.examples;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.fleet.ControlPlaneBill;
import dev.safeclient.testing.fleet.FleetCluster;
import dev.safeclient.testing.fleet.FleetDrill;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fleet rehearsal: the December 2024 outage pattern on a simulated cluster, and what the
 * control plane pays for three ways of writing the same node agent.
 *
 * <ol>
 *   <li>naive agents on plain client-java: every node lists every pod, on start and every minute;
 *   <li>the same code through {@link SafeClient} in ENFORCE;
 *   <li>node-scoped safe informers ({@code spec.nodeName}, start jitter, bookmarks);
 *   <li>the same informers reading through three relays ({@link RelayFleet}), authenticated.
 * </ol>
 *
 * <p>Scenarios 1 and 2 run a sample of agents for real and extrapolate linearly; scenario 3 runs
 * every agent, and so does scenario 4, on a KubeSim of its own with authentication on. {@code
 * --kubeconfig} measures one agent against a real cluster instead ({@link RealClusterRehearsal}).
 * {@code --help} lists the options.
 */
public final class FleetRehearsal {
  /** The ways of writing the agent. */
  enum Scenario {
    NAIVE("1 naive, client-java"),
    SAFE_CLIENT("2 same code, SafeClient"),
    INFORMERS("3 node-scoped informers"),
    RELAYS("4 informers via 3 relays");

    final String title;

    Scenario(String title) {
      this.title = title;
    }
  }

  /** The bills of one server version, and what the safe client said. */
  record VersionRun(
      String version,
      Map<Scenario, ControlPlaneBill> bills,
      WarningTally naiveWarnings,
      WarningTally informerWarnings,
      long podsInInformerCaches,
      RelayFleet.Figures relays) {}

  /** Everything a run measured. */
  record Result(FleetOptions options, int pods, long averagePodBytes, List<VersionRun> versions) {}

  private FleetRehearsal() {}

  public static void main(String[] args) throws Exception {
    // The rehearsal prints the warnings itself, grouped; keep thousands of log lines out of it.
    System.setProperty("org.slf4j.simpleLogger.log.dev.safeclient.warnings", "off");
    // Thousands of informers retrying a 429 each log it; the table counts them instead.
    System.setProperty("org.slf4j.simpleLogger.log.dev.safeclient.informer", "error");
    System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
    FleetOptions options;
    try {
      options = FleetOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(FleetOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.println(FleetOptions.USAGE);
      return;
    }
    if (options.kubeconfig() != null) {
      RealClusterRehearsal.run(options, System.out);
    } else {
      run(options, System.out);
    }
    // Informer and OkHttp threads are daemons; exec:java waits for none of them.
    System.exit(0);
  }

  /** Runs the simulated rehearsal and prints the tables. */
  static Result run(FleetOptions o, PrintStream out) throws Exception {
    out.printf(
        Locale.ROOT,
        "Fleet rehearsal: %,d nodes, %,d pods (%d a node), %s%% of pods changing per minute.%n",
        o.nodes(),
        o.nodes() * o.podsPerNode(),
        o.podsPerNode(),
        trim(o.churnPerMinute() * 100));
    out.printf(
        Locale.ROOT,
        "Time is scaled %s×: one simulated minute lasts %s s (agents' polling, pod churn, bookmarks,"
            + " the steady-state window and KubeSim's clock, on which requests hold their APF"
            + " seats).%n",
        trim(o.timeScale()),
        trim(60 / o.timeScale()));
    out.printf(
        Locale.ROOT,
        "Scenarios 1 and 2 run %d agents for real and extrapolate linearly to %,d; scenarios 3 and"
            + " 4 run all %,d.%n%n",
        Math.min(o.sample(), o.nodes()),
        o.nodes(),
        o.nodes());
    List<VersionRun> runs = new ArrayList<>();
    int pods = 0;
    long podBytes = 0;
    for (String version : o.versions()) {
      // One timeline at the rehearsal's scale for KubeSim (its waits, and how long each request
      // holds its APF seats), the drill (polling, churn, the steady window) and every agent's
      // client and informers (budgets, backoff, jitter).
      TimeSource clock = TimeSource.scaled(o.timeScale());
      try {
        VersionRun direct = null;
        if (o.scenarios().stream().anyMatch(s -> s != Scenario.RELAYS)) {
          try (KubeSim sim =
              KubeSim.builder()
                  .serverVersion(version)
                  .clock(clock)
                  // The bookmark ticker is real time: a simulated minute at the rehearsal's scale.
                  .bookmarkInterval(Duration.ofMillis((long) (60_000 / o.timeScale())))
                  .build()) {
            long t0 = System.nanoTime();
            FleetCluster cluster = FleetCluster.seed(sim, o.nodes(), o.podsPerNode());
            pods = cluster.pods();
            podBytes = cluster.averagePodBytes();
            out.printf(
                Locale.ROOT,
                "[%s] seeded %,d pods (%,d bytes of JSON each) in %.1f s%n",
                version,
                pods,
                podBytes,
                (System.nanoTime() - t0) / 1e9);
            direct = runVersion(o, sim, cluster, clock, version, out);
          }
        }
        // Scenario 4 runs on a KubeSim of its own, once the one of scenarios 1-3 is closed: the
        // process holds one cluster's pods at a time.
        RelayFleet.Outcome relayed = null;
        // Scenarios 3 and 4 run the same informers: their warnings are told together.
        WarningTally informerWarnings =
            direct == null ? new WarningTally() : direct.informerWarnings();
        if (o.scenarios().contains(Scenario.RELAYS)) {
          long t0 = System.nanoTime();
          relayed = RelayFleet.run(o, version, clock, informerWarnings, out);
          out.printf(
              Locale.ROOT,
              "[%s] scenario %s: %,d agents, done in %.1f s%n",
              version,
              Scenario.RELAYS.title,
              relayed.bill().agentsRun(),
              (System.nanoTime() - t0) / 1e9);
          pods = relayed.pods();
          podBytes = relayed.averagePodBytes();
        }
        runs.add(withRelays(o, version, direct, informerWarnings, relayed));
      } finally {
        clock.close();
      }
    }
    Result result = new Result(o, pods, podBytes, runs);
    out.println();
    if (o.scenarios().size() == Scenario.values().length) {
      FleetReport.print(result, out);
    } else {
      for (VersionRun v : runs) {
        v.bills().forEach((s, b) -> out.println(v.version() + " " + s.title + ": " + b));
        FleetReport.printRelayFigures(v, out);
      }
    }
    return result;
  }

  private static VersionRun runVersion(
      FleetOptions o,
      KubeSim sim,
      FleetCluster cluster,
      TimeSource clock,
      String version,
      PrintStream out)
      throws Exception {
    Map<Scenario, ControlPlaneBill> bills = new EnumMap<>(Scenario.class);
    WarningTally naiveWarnings = new WarningTally();
    WarningTally informerWarnings = new WarningTally();
    AtomicLong cached = new AtomicLong();
    for (Scenario s : o.scenarios()) {
      if (s == Scenario.RELAYS) {
        continue; // run by run(), on a KubeSim of its own
      }
      FleetDrill.Builder drill =
          FleetDrill.builder(sim, cluster)
              .agentsToRun(s == Scenario.INFORMERS ? o.nodes() : o.sample())
              .clock(clock)
              .steadyMinutes(o.steadyMinutes())
              .churnPerMinute(o.churnPerMinute())
              // Long enough for 5,000 informers on a shared 2-core machine; a fleet that has not
              // synced by then is reported as such, not waited for.
              .syncTimeout(Duration.ofMinutes(2));
      long t0 = System.nanoTime();
      ControlPlaneBill bill =
          switch (s) {
            case NAIVE ->
                drill.run(
                    node -> {
                      NaiveNodeAgent agent = new NaiveNodeAgent(node.apiClient());
                      return node.polling(Duration.ofMinutes(1), agent::listAllPods);
                    });
            case SAFE_CLIENT ->
                drill.run(
                    node -> {
                      // The same agent code; only the ApiClient it is given changed.
                      SafeClient safe =
                          SafeClient.builder(node.apiClient())
                              .mode(SafetyMode.ENFORCE)
                              .nodeName(node.name()) // as a DaemonSet pod gets it from NODE_NAME
                              .warningInterval(Duration.ZERO) // count every warning
                              .warningListener(naiveWarnings)
                              // The rehearsal's timeline, so that what the client measures in
                              // time (how often a resource changes against the cache's 3 s wait,
                              // its budgets) is measured in the time KubeSim charges in.
                              .clock(clock)
                              .build();
                      NaiveNodeAgent agent = new NaiveNodeAgent(safe.apiClient());
                      return node.polling(Duration.ofMinutes(1), agent::listAllPods);
                    });
            case INFORMERS ->
                drill.run(
                    node -> {
                      NodeScopedAgent agent =
                          new NodeScopedAgent(
                              node.apiClient(), node.name(), clock, informerWarnings);
                      return new FleetDrill.Agent() {
                        @Override
                        public boolean synced() {
                          return agent.synced();
                        }

                        @Override
                        public void close() {
                          cached.addAndGet(agent.pods().size());
                          agent.close();
                        }
                      };
                    });
            case RELAYS -> throw new IllegalStateException("run by run()");
          };
      out.printf(
          Locale.ROOT,
          "[%s] scenario %s: %,d agents, done in %.1f s%n",
          version,
          s.title,
          bill.agentsRun(),
          (System.nanoTime() - t0) / 1e9);
      bills.put(s, bill);
    }
    return new VersionRun(version, bills, naiveWarnings, informerWarnings, cached.get(), null);
  }

  /** The version's run with scenario 4's bill and figures added, in the scenarios' order. */
  private static VersionRun withRelays(
      FleetOptions o,
      String version,
      VersionRun direct,
      WarningTally informerWarnings,
      RelayFleet.Outcome relayed) {
    Map<Scenario, ControlPlaneBill> bills = new EnumMap<>(Scenario.class);
    for (Scenario s : o.scenarios()) {
      if (s == Scenario.RELAYS) {
        bills.put(s, relayed.bill());
      } else {
        bills.put(s, direct.bills().get(s));
      }
    }
    return new VersionRun(
        version,
        bills,
        direct == null ? new WarningTally() : direct.naiveWarnings(),
        informerWarnings,
        direct == null ? 0 : direct.podsInInformerCaches(),
        relayed == null ? null : relayed.figures());
  }

  static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.2f", d);
  }

  /** The options, parsed from the command line. */
  record FleetOptions(
      int nodes,
      int podsPerNode,
      int sample,
      double timeScale,
      double steadyMinutes,
      double churnPerMinute,
      List<String> versions,
      String kubeconfig,
      Duration observe,
      String node,
      boolean nodesGiven,
      List<Scenario> scenarios,
      boolean help) {
    static final String USAGE =
        String.join(
            "\n",
            "usage: FleetRehearsal [options]",
            "  --nodes N           nodes, one agent each (default 200; the outage: 5000;",
            "                      real-cluster mode: the N to extrapolate to, default 5000)",
            "  --pods-per-node P   pods on each node (default 30)",
            "  --sample S          agents run for real in scenarios 1 and 2 (default 10)",
            "  --time-scale X      simulated seconds per real second (default 5)",
            "  --steady-minutes M  simulated minutes of steady state measured (default 2)",
            "  --churn F           fraction of pods changing per simulated minute (default 0.01)",
            "  --versions V,V      server versions to rehearse on (default 1.30,1.34)",
            "  --scenarios 1,2,3,4 which scenarios to run (default all four)",
            "  --kubeconfig [PATH] measure one agent against a real cluster, read-only",
            "                      (PATH defaults to $KUBECONFIG, then ~/.kube/config)",
            "  --observe SECONDS   real-cluster mode: how long to watch (default 60)",
            "  --node NAME         real-cluster mode: the node the informer agent watches",
            "                      (default: the first node listed)");

    private static List<Scenario> scenarios(String list) {
      List<Scenario> out = new ArrayList<>();
      for (String n : list.split(",")) {
        out.add(Scenario.values()[Integer.parseInt(n.trim()) - 1]);
      }
      return out;
    }

    static FleetOptions parse(String... args) {
      Map<String, String> a = new LinkedHashMap<>();
      boolean kube = false;
      String kubePath = null;
      boolean help = false;
      for (int i = 0; i < args.length; i++) {
        String k = args[i];
        if (k.equals("--help") || k.equals("-h")) {
          help = true;
        } else if (k.equals("--kubeconfig")) {
          kube = true;
          if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
            kubePath = args[++i];
          }
        } else if (k.startsWith("--") && i + 1 < args.length) {
          a.put(k, args[++i]);
        } else {
          throw new IllegalArgumentException("unknown or incomplete option: " + k);
        }
      }
      List<String> known =
          List.of(
              "--nodes",
              "--pods-per-node",
              "--sample",
              "--time-scale",
              "--steady-minutes",
              "--churn",
              "--versions",
              "--observe",
              "--node",
              "--scenarios");
      for (String k : a.keySet()) {
        if (!known.contains(k)) {
          throw new IllegalArgumentException("unknown option: " + k);
        }
      }
      if (kube && kubePath == null) {
        String env = System.getenv("KUBECONFIG");
        kubePath =
            env != null && !env.isBlank()
                ? env.split(java.io.File.pathSeparator)[0]
                : System.getProperty("user.home") + "/.kube/config";
      }
      FleetOptions o =
          new FleetOptions(
              Integer.parseInt(a.getOrDefault("--nodes", "200")),
              Integer.parseInt(a.getOrDefault("--pods-per-node", "30")),
              Integer.parseInt(a.getOrDefault("--sample", "10")),
              Double.parseDouble(a.getOrDefault("--time-scale", "5")),
              Double.parseDouble(a.getOrDefault("--steady-minutes", "2")),
              Double.parseDouble(a.getOrDefault("--churn", "0.01")),
              List.of(a.getOrDefault("--versions", "1.30,1.34").split(",")),
              kube ? kubePath : null,
              Duration.ofSeconds(Long.parseLong(a.getOrDefault("--observe", "60"))),
              a.get("--node"),
              a.containsKey("--nodes"),
              scenarios(a.getOrDefault("--scenarios", "1,2,3,4")),
              help);
      if (o.nodes < 1 || o.podsPerNode < 1 || o.sample < 1) {
        throw new IllegalArgumentException("--nodes, --pods-per-node and --sample must be >= 1");
      }
      return o;
    }
  }
}
