package dev.safeclient.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.examples.FleetRehearsal.FleetOptions;
import dev.safeclient.examples.FleetRehearsal.Result;
import dev.safeclient.examples.FleetRehearsal.Scenario;
import dev.safeclient.examples.FleetRehearsal.VersionRun;
import dev.safeclient.testing.FigureGuard;
import dev.safeclient.testing.fleet.ControlPlaneBill;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fleet rehearsal's scenario-4 figures at its default size (200 nodes, 30 pods each, one
 * node-scoped informer per node, round-robin over 3 authenticated relays), as counts from KubeSim's
 * bill: one upstream list and watch of pods per relay whatever the nodes, a bounded bill for an
 * API-server restart and for a relay restart, one TokenReview per agent, no agent request to the
 * API server, and every agent's cache holding exactly its node's pods. The times (all-synced, write
 * to handler) are wall-clock: they stay in {@code fleet.md}.
 */
@FigureGuard(protects = "benchmarks/results/fleet.md")
class FleetScenario4GuardTest {
  static final int NODES = 200;
  static final int PODS_PER_NODE = 30;
  static final int RELAYS = RelayFleet.RELAYS;
  static ControlPlaneBill bill;
  static RelayFleet.Figures f;
  static String out;

  @BeforeAll
  static void rehearse() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // 10× time: one simulated minute is 6 s. Not 30× as scenario 3: the relays' review cache keeps
    // an
    // answer for a simulated minute, and an agent's list and watch, over TLS on a busy machine, can
    // be more than 2 s of real time apart (seen at 30×: 274 TokenReviews for 200 agents).
    FleetOptions options =
        FleetOptions.parse(
            "--nodes",
            Integer.toString(NODES),
            "--pods-per-node",
            Integer.toString(PODS_PER_NODE),
            "--time-scale",
            "10",
            "--steady-minutes",
            "1",
            "--scenarios",
            "4",
            "--versions",
            "1.34");
    Result result =
        FleetRehearsal.run(options, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    out = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(out);
    VersionRun run = result.versions().get(0);
    bill = run.bills().get(Scenario.RELAYS);
    f = run.relays();
    System.out.println(f);
  }

  @Test
  void everyAgentSyncsThroughTheRelaysAndHoldsExactlyItsNodesPods() {
    assertThat(bill.agentsRun()).as(out).isEqualTo(NODES);
    assertThat(bill.allSynced()).as(out).isNotNull();
    assertThat(f.agentsHoldingExactlyTheirPods()).as(out).isEqualTo(NODES);
    assertThat(f.podsInCaches()).as(out).isEqualTo((long) NODES * PODS_PER_NODE);
    // Every write probed reached its agent's handler.
    assertThat(f.writeToHandlerMillis()).as(out).hasSize(RelayFleet.DELAY_PROBES);
  }

  @Test
  void theApiServerServesOneListAndOneWatchPerRelayWhateverTheNodes() {
    assertThat(f.apiServerWatches()).as(out).isEqualTo(RELAYS);
    assertThat(bill.startStats().requests("list", "pods")).as(out).isEqualTo(RELAYS);
    assertThat(bill.startStats().requests("watch", "pods")).as(out).isEqualTo(RELAYS);
    assertThat(bill.steadyStats().requests("list", "pods")).as(out).isZero();
    assertThat(f.agentRequestsToApiServer()).as(out).isZero();
    assertThat(bill.start().objectsReadFromStorage() + bill.perMinute().objectsReadFromStorage())
        .as(out)
        .isZero();
  }

  @Test
  void eachAgentsTokenIsReviewedOnceWithinTheCacheTtl() {
    // Each agent's first request needs its review; its later ones within the TTL hit the cache.
    assertThat(f.tokenReviewsAtStart()).as(out).isEqualTo(NODES);
    // A SubjectAccessReview per question (the list and the watch ask different verbs).
    assertThat(f.subjectAccessReviewsAtStart()).as(out).isBetween((long) NODES, 2L * NODES);
  }

  @Test
  void anApiServerRestartCostsEachRelayAWatchNotTheAgents() {
    RelayFleet.Restart r = f.apiServerRestart();
    assertThat(r.settled()).as(out).isTrue();
    // Each relay resumes its watch, or at worst relists once and watches again.
    assertThat(r.lists() + r.watches()).as(out).isLessThanOrEqualTo(RELAYS * 3L);
    assertThat(r.watches()).as(out).isGreaterThanOrEqualTo(RELAYS);
    assertThat(r.agentRequests()).as(out).isZero();
  }

  @Test
  void aRelayRestartCostsOneListOneWatchAndItsAgentsReviews() {
    RelayFleet.Restart r = f.relayRestart();
    long onRelay = (NODES + RELAYS - 1) / RELAYS;
    assertThat(f.relayRestartedOnSamePort()).as(out).isTrue();
    assertThat(r.settled()).as(out).isTrue();
    assertThat(r.lists()).as(out).isEqualTo(1);
    assertThat(r.watches()).as(out).isEqualTo(1);
    assertThat(r.agentRequests()).as(out).isZero();
    // The new relay's review cache is empty: its agents are reviewed again (a TokenReview, and a
    // SubjectAccessReview for the list and one for the watch: about 3 each, seen 3.1 and 3.8),
    // bounded at twice that; nothing else. The other relays' reviews in the same window (their
    // agents' watch renewals once the one-minute cache expired) are not this restart's.
    assertThat(r.relayRequests()).as(out).isBetween(2 + onRelay, 2 + 4 * onRelay);
  }
}
