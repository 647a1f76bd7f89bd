package dev.safeclient.testing.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The harness bills what the agents sent, and extrapolates a sample linearly. */
class FleetDrillTest {
  @Test
  void billsASampleOfPollingAgentsAndExtrapolatesIt() throws Exception {
    // One simulated minute = 1 s, for the sim and the drill alike.
    TimeSource clock = TimeSource.scaled(60);
    try (KubeSim sim = KubeSim.builder().serverVersion("1.30").clock(clock).build()) {
      FleetCluster cluster = FleetCluster.seed(sim, 8, 5);
      assertThat(cluster.pods()).isEqualTo(40);
      assertThat(sim.count(sim.resource("v1", "pods"))).isEqualTo(40);

      ControlPlaneBill bill =
          FleetDrill.builder(sim, cluster)
              .agentsToRun(2)
              .clock(clock)
              .steadyMinutes(1)
              .churnPerMinute(0)
              .run(
                  node ->
                      node.polling(
                          Duration.ofMinutes(1),
                          () ->
                              new CoreV1Api(node.apiClient()).listPodForAllNamespaces().execute()));

      assertThat(bill.agentsRun()).isEqualTo(2);
      assertThat(bill.nodes()).isEqualTo(8);
      assertThat(bill.extrapolated()).isFalse();
      assertThat(bill.allSynced()).isNotNull();
      assertThat(bill.failedPasses()).isZero();
      // Each pass is a consistent list: all 40 pods read from etcd on 1.30.
      assertThat(bill.start().objectsReadFromStorage() % 40).isZero();
      assertThat(bill.start().objectsReadFromStorage()).isGreaterThanOrEqualTo(80);
      assertThat(bill.start().objectsFromCache()).isZero();

      ControlPlaneBill fleet = bill.extrapolatedToFleet();
      assertThat(fleet.extrapolated()).isTrue();
      assertThat(fleet.start().objectsReadFromStorage())
          .isEqualTo(bill.start().objectsReadFromStorage() * 4);
      assertThat(fleet.perMinute().bytes()).isEqualTo(bill.perMinute().bytes() * 4);
      assertThat(fleet.start().tooManyRequests()).isEqualTo(bill.start().tooManyRequests());
      assertThat(fleet.allSynced()).isEqualTo(bill.allSynced());
    } finally {
      clock.close();
    }
  }

  @Test
  void churnUpdatesTheRequestedShareOfPodsWithoutBillingThem() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    try (KubeSim sim = KubeSim.builder().clock(clock).build()) {
      FleetCluster cluster = FleetCluster.seed(sim, 10, 10);
      long rv = sim.resourceVersion();
      sim.resetStats();
      // 60% of 100 pods a minute: one update a second, on the clock.
      try (AutoCloseable churn = cluster.churn(0.6, clock)) {
        clock.advance(Duration.ofSeconds(30));
      }
      assertThat(cluster.updates()).isEqualTo(30);
      assertThat(sim.resourceVersion()).isEqualTo(rv + cluster.updates());
      assertThat(sim.stats().requests()).isZero();
      assertThat(sim.get(sim.resource("v1", "pods"), "team-0", "app-0-0"))
          .contains("\"restartCount\":1");
    }
  }
}
