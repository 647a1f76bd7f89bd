package dev.safeclient.testing.fleet;

import dev.safeclient.model.time.TimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.KubeSimStats;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;

/**
 * Runs one agent per node of a {@link FleetCluster} against its {@link KubeSim}, and bills the
 * control plane: the start (until all agents synced), then a steady state of some simulated
 * minutes. Agents are any code over a client-java {@link ApiClient}: plain, wrapped, or an
 * informer.
 *
 * <pre>{@code
 * TimeSource clock = TimeSource.scaled(10);   // 1 simulated minute = 6 s
 * KubeSim sim = KubeSim.builder().clock(clock).build();
 * ControlPlaneBill bill = FleetDrill.builder(sim, cluster)
 *     .clock(clock)                           // the sim's, and the agents' clients'
 *     .agentsToRun(50)                        // a sample; the bill extrapolates to all nodes
 *     .run(node -> node.polling(Duration.ofMinutes(1),
 *         () -> new CoreV1Api(node.apiClient()).listPodForAllNamespaces().execute()));
 * }</pre>
 *
 * <p>The drill's polling periods, churn and steady-state window are on one {@link TimeSource}
 * ({@link Builder#clock}). Give the same object to the KubeSim ({@code KubeSim.Builder#clock}) and
 * to the agents' clients ({@code SafeClient.Builder#clock}), so that the agents' backoff, jitter
 * and budgets, the server's waits and APF seats, and the drill's minutes are one timeline. A scaled
 * source speeds all of them up alike; give the KubeSim a bookmark interval of 60 s divided by the
 * scale, since its bookmark ticker is real time. The I/O is real: sockets, and the machine's CPU,
 * which is why the time to all-synced and the sync timeout are wall time.
 */
public final class FleetDrill {
  /** One running agent. */
  public interface Agent extends AutoCloseable {
    /** Whether the agent has its first full view of what it watches. */
    boolean synced();

    @Override
    void close() throws Exception;
  }

  /** Starts the agent of one node; called once per agent, from one thread. */
  @FunctionalInterface
  public interface AgentFactory {
    Agent start(Node node) throws Exception;
  }

  /** One pass of a polling agent. */
  @FunctionalInterface
  public interface Pass {
    void run() throws Exception;
  }

  /** What an agent gets: its node, a client for the sim, and the drill's clock. */
  public final class Node {
    private final String name;
    private final ApiClient apiClient;

    private Node(String name, ApiClient apiClient) {
      this.name = name;
      this.apiClient = apiClient;
    }

    /** The node's name, as in the pods' {@code spec.nodeName}. */
    public String name() {
      return name;
    }

    /**
     * A plain client-java client for the sim, with the read timeout of 0 informers need. Each agent
     * gets its own {@link ApiClient}; all share one connection pool and dispatcher (the server
     * bills requests, not connections).
     */
    public ApiClient apiClient() {
      return apiClient;
    }

    /**
     * An agent that runs {@code pass} now and every {@code simulatedPeriod} (scaled), and counts as
     * synced once a pass has succeeded. A failed pass is retried at the next period.
     */
    public Agent polling(Duration simulatedPeriod, Pass pass) {
      AtomicBoolean synced = new AtomicBoolean();
      // One pass at a time, as an agent's own loop runs them: a pass that outlasts the period
      // makes the next one skip, never overlap.
      AtomicBoolean running = new AtomicBoolean();
      Ticks ticks =
          Ticks.every(
              clock,
              simulatedPeriod,
              () -> {
                if (!running.compareAndSet(false, true)) {
                  skippedPasses.incrementAndGet();
                  return;
                }
                passes.execute(
                    () -> {
                      try {
                        pass.run();
                        synced.set(true);
                      } catch (Exception e) {
                        failedPasses.incrementAndGet();
                      } finally {
                        running.set(false);
                      }
                    });
              });
      return new Agent() {
        @Override
        public boolean synced() {
          return synced.get();
        }

        @Override
        public void close() {
          ticks.close();
        }
      };
    }
  }

  private final KubeSim sim;
  private final FleetCluster cluster;
  private final int agentsToRun;
  private final TimeSource clock;
  // Only a clock this drill made (real time, when the builder was given none) is closed by it.
  private final boolean ownsClock;
  private final double steadyMinutes;
  private final double churnPerMinute;
  private final Duration syncTimeout;
  private final ExecutorService passes;
  private final AtomicLong failedPasses = new AtomicLong();
  private final AtomicLong skippedPasses = new AtomicLong();

  private FleetDrill(Builder b) {
    this.sim = b.sim;
    this.cluster = b.cluster;
    this.agentsToRun = Math.min(b.agentsToRun, b.cluster.nodes());
    this.ownsClock = b.clock == null;
    this.clock = ownsClock ? TimeSource.system() : b.clock;
    this.steadyMinutes = b.steadyMinutes;
    this.churnPerMinute = b.churnPerMinute;
    this.syncTimeout = b.syncTimeout;
    // One thread per pass in flight: agents that poll at the same moment really do send their
    // requests at once, as a DaemonSet's pods do.
    this.passes =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fleet-agent");
              t.setDaemon(true);
              return t;
            });
  }

  public static Builder builder(KubeSim sim, FleetCluster cluster) {
    return new Builder(sim, cluster);
  }

  private ControlPlaneBill run(AgentFactory factory) throws Exception {
    OkHttpClient http = sim.apiClient().getHttpClient();
    List<Agent> agents = new ArrayList<>(agentsToRun);
    try (AutoCloseable churn = cluster.churn(churnPerMinute, clock)) {
      sim.resetStats();
      long t0 = clock.nanoTime();
      // Wall time: how long the machine took to sync the fleet, whatever the clock's scale.
      long wall0 = System.nanoTime();
      for (int k = 0; k < agentsToRun; k++) {
        // A sample is spread evenly over the nodes.
        int node = (int) ((long) k * cluster.nodes() / agentsToRun);
        ApiClient client = new ApiClient();
        client.setBasePath(sim.url());
        client.setHttpClient(http);
        agents.add(factory.start(new Node(FleetCluster.nodeName(node), client)));
      }
      long deadline = wall0 + syncTimeout.toNanos();
      int synced = 0;
      while (System.nanoTime() < deadline) {
        synced = (int) agents.stream().filter(Agent::synced).count();
        if (synced == agents.size()) {
          break;
        }
        Thread.sleep(20);
      }
      Duration allSynced = Duration.ofNanos(System.nanoTime() - wall0);
      KubeSimStats startStats = sim.stats();
      ControlPlaneBill.Phase start = ControlPlaneBill.Phase.of(startStats);
      // Polling agents fire at t0 + k minutes. The steady window opens half a minute off that
      // grid, so that each minute-period pass lands in it exactly once per minute even when
      // passes run late on a loaded machine; what happens before it opens is billed to neither.
      long minute = Duration.ofMinutes(1).toNanos();
      long elapsed = clock.nanoTime() - t0;
      long k = Math.max(0, (elapsed - minute / 2 + minute - 1) / minute);
      sleepUntil(t0 + k * minute + minute / 2);
      sim.resetStats();
      sleepUntil(clock.nanoTime() + (long) (steadyMinutes * minute));
      KubeSimStats steadyStats = sim.stats();
      ControlPlaneBill.Phase steady = ControlPlaneBill.Phase.of(steadyStats);
      ControlPlaneBill.Phase perMinute = steady.times(1 / steadyMinutes);
      // Peaks and 429s are levels and events of the window, not rates: keep them as measured.
      perMinute =
          new ControlPlaneBill.Phase(
              perMinute.requests(),
              perMinute.objectsReadFromStorage(),
              perMinute.objectsFromCache(),
              perMinute.bytes(),
              perMinute.seats(),
              steady.tooManyRequests(),
              steady.peakRequestsPerSecond());
      return new ControlPlaneBill(
          cluster.nodes(),
          agents.size(),
          start,
          perMinute,
          synced == agents.size() ? allSynced : null,
          synced,
          steadyMinutes,
          false,
          failedPasses.get(),
          skippedPasses.get(),
          startStats,
          steadyStats);
    } finally {
      closeAll(agents);
      if (ownsClock) {
        clock.close();
      }
      passes.shutdownNow();
      passes.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  private void sleepUntil(long nanoTime) throws InterruptedException {
    clock.sleep(Duration.ofNanos(nanoTime - clock.nanoTime()));
  }

  /** Closes the agents in parallel: thousands of informers each join their threads. */
  private static void closeAll(List<Agent> agents) throws InterruptedException {
    ExecutorService closers = Executors.newFixedThreadPool(8);
    for (Agent a : agents) {
      closers.execute(
          () -> {
            try {
              a.close();
            } catch (Exception e) {
              // one agent failing to close must not keep the others open
            }
          });
    }
    closers.shutdown();
    closers.awaitTermination(2, TimeUnit.MINUTES);
  }

  /** Options for one drill. */
  public static final class Builder {
    private final KubeSim sim;
    private final FleetCluster cluster;
    private int agentsToRun = Integer.MAX_VALUE;
    private TimeSource clock; // null: real time, on a timer thread of the drill's own
    private double steadyMinutes = 2;
    private double churnPerMinute = 0.01; // 1% of pods a minute: a busy, not a frantic, cluster
    private Duration syncTimeout = Duration.ofMinutes(5);

    private Builder(KubeSim sim, FleetCluster cluster) {
      this.sim = Objects.requireNonNull(sim, "sim");
      this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    /** Run this many agents for real (spread over the nodes); the rest are extrapolated. */
    public Builder agentsToRun(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("agentsToRun must be >= 1: " + n);
      }
      agentsToRun = n;
      return this;
    }

    /**
     * The time the polling periods, the churn and the steady-state window run on: the KubeSim's and
     * the agents' clients' own ({@link TimeSource#scaled} for a rehearsal at a time scale). Real
     * time by default. The drill does not close a clock it is given.
     */
    public Builder clock(TimeSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The steady-state window after all agents synced, in simulated minutes. */
    public Builder steadyMinutes(double minutes) {
      if (!(minutes > 0)) {
        throw new IllegalArgumentException("steadyMinutes must be > 0: " + minutes);
      }
      steadyMinutes = minutes;
      return this;
    }

    /** The fraction of pods updated each simulated minute. */
    public Builder churnPerMinute(double fraction) {
      churnPerMinute = fraction;
      return this;
    }

    /** How long to wait for all agents to sync (wall time). */
    public Builder syncTimeout(Duration timeout) {
      syncTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** Starts the agents, measures, stops them; returns the bill of the agents that ran. */
    public ControlPlaneBill run(AgentFactory factory) throws Exception {
      return new FleetDrill(this).run(Objects.requireNonNull(factory, "factory"));
    }
  }
}
