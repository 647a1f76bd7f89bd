package dev.safeclient.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.TimeSource;
import dev.safeclient.testing.ControlPlaneBill;
import dev.safeclient.testing.FleetCluster;
import dev.safeclient.testing.FleetDrill;
import dev.safeclient.testing.FormBill;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.KubeSimStats;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Scenario 3 of the default fleet rehearsal (200 nodes, one node-scoped informer each) on a 1.34
 * server: the size-based estimate (SizeBasedListCostEstimate) charges each cache-served list at
 * most 10 seats, so the fleet's start fits in the default APF concurrency without a 429.
 */
class FleetScenario3BillTest {
  @Test
  void onA134ServerNo429sAndAtMostTenSeatsPerCacheServedList() throws Exception {
    double timeScale = 30; // one simulated minute is 2 s
    TimeSource clock = TimeSource.system();
    try (KubeSim sim =
        KubeSim.builder()
            .serverVersion("1.34")
            .clock(TimeSource.scaled(timeScale)) // as the rehearsal runs it
            .bookmarkInterval(Duration.ofMillis((long) (60_000 / timeScale)))
            .build()) {
      FleetCluster cluster = FleetCluster.seed(sim, 200, 30); // the rehearsal's defaults
      ControlPlaneBill bill =
          FleetDrill.builder(sim, cluster)
              .agentsToRun(200)
              .timeScale(timeScale)
              .steadyMinutes(1)
              .churnPerMinute(0.02)
              .syncTimeout(Duration.ofMinutes(2))
              .run(
                  node -> {
                    NodeScopedAgent agent =
                        new NodeScopedAgent(node.apiClient(), node.name(), clock, w -> {});
                    return new FleetDrill.Agent() {
                      @Override
                      public boolean synced() {
                        return agent.synced();
                      }

                      @Override
                      public void close() {
                        agent.close();
                      }
                    };
                  });
      assertThat(bill.allSynced()).isNotNull();
      assertThat(bill.start().tooManyRequests()).isZero();
      assertThat(bill.perMinute().tooManyRequests()).isZero();
      for (KubeSimStats phase : new KubeSimStats[] {bill.startStats(), bill.steadyStats()}) {
        assertThat(phase.serverVersion()).isEqualTo("1.34");
        long cacheServedLists = 0;
        for (Map.Entry<String, FormBill> e : phase.byRequestForm().entrySet()) {
          if (e.getKey().startsWith("list ") && e.getKey().endsWith("@ watch-cache")) {
            assertThat(e.getValue().maxSeats()).as(e.getKey()).isLessThanOrEqualTo(10);
            cacheServedLists += e.getValue().requests();
          }
        }
        if (phase == bill.startStats()) {
          assertThat(cacheServedLists).isGreaterThanOrEqualTo(200); // one initial list a node
        }
      }
    } finally {
      clock.close();
    }
  }
}
