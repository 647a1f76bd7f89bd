package dev.safeclient.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.examples.FleetRehearsal.FleetOptions;
import dev.safeclient.examples.FleetRehearsal.Result;
import dev.safeclient.examples.FleetRehearsal.Scenario;
import dev.safeclient.examples.FleetRehearsal.VersionRun;
import dev.safeclient.testing.fleet.ControlPlaneBill;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rehearsal at a small N, as CI runs it: the invariants of its table hold, whatever the
 * machine's speed.
 */
class FleetRehearsalTest {
  static Result result;
  static String out;

  @BeforeAll
  static void rehearse() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // 20 nodes, 5 run for real in scenarios 1 and 2; 30× time: one simulated minute is 2 s.
    FleetOptions options =
        FleetOptions.parse(
            "--nodes",
            "20",
            "--pods-per-node",
            "5",
            "--sample",
            "5",
            "--time-scale",
            "30",
            "--steady-minutes",
            "1",
            "--versions",
            "1.30");
    result = FleetRehearsal.run(options, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    out = bytes.toString(StandardCharsets.UTF_8);
  }

  private static ControlPlaneBill bill(Scenario s) {
    return result.versions().get(0).bills().get(s);
  }

  @Test
  void informersReadNothingFromStorageOnceSynced() {
    ControlPlaneBill informers = bill(Scenario.INFORMERS);
    assertThat(informers.allSynced()).isNotNull();
    assertThat(informers.agentsRun()).isEqualTo(20);
    assertThat(informers.perMinute().objectsReadFromStorage()).isZero();
    // Their first lists come from the watch cache too (RV=0, node index).
    assertThat(informers.start().objectsReadFromStorage()).isZero();
    assertThat(informers.start().objectsFromCache()).isEqualTo(100);
  }

  @Test
  void informersHoldEveryPodOfTheirNode() {
    VersionRun run = result.versions().get(0);
    assertThat(run.podsInInformerCaches()).isEqualTo(100);
    assertThat(run.informerWarnings().entries()).isEmpty();
  }

  @Test
  void onQuietPodsSafeClientPassesThroughAndNeverReadsMoreFromStorageThanTheNaiveCode() {
    ControlPlaneBill naive = bill(Scenario.NAIVE);
    ControlPlaneBill safe = bill(Scenario.SAFE_CLIENT);
    assertThat(naive.failedPasses()).isZero();
    assertThat(safe.failedPasses()).isZero();
    // On 1.30 each naive pass reads all 100 pods from etcd. Pods that change 1 % a minute are
    // quiet: a not-older-than read at etcd's revision would wait 3 s for a 504 on a real 1.30, so
    // SafeClient sends the agent's own list, at exactly its cost. The one exception is the known
    // trade: an agent's second list, with one answer seen and no rate yet, costs one limit=1 probe
    // (one object, one seat) to find out. Every later list has the rate and passes through.
    int agents = naive.agentsRun();
    assertThat(naive.perMinute().objectsReadFromStorage()).isGreaterThanOrEqualTo(100);
    assertThat(safe.perMinute().objectsReadFromStorage())
        .isLessThanOrEqualTo(naive.perMinute().objectsReadFromStorage() + agents);
    assertThat(safe.start().objectsReadFromStorage())
        .isLessThanOrEqualTo(naive.start().objectsReadFromStorage());
    assertThat(safe.perMinute().seats()).isLessThanOrEqualTo(naive.perMinute().seats() + agents);
    assertThat(safe.perMinute().requests())
        .isLessThanOrEqualTo(naive.perMinute().requests() + agents);
    // The bytes do not go away: each pass still downloads every pod; only SC103's Protobuf
    // shrinks them, by the encoding's ratio (about 0.5x of JSON for pods).
    assertThat(safe.perMinute().bytes())
        .isBetween(naive.perMinute().bytes() * 3 / 10, naive.perMinute().bytes());
  }

  @Test
  void informersSendFarFewerBytesPerMinute() {
    long naive = bill(Scenario.NAIVE).extrapolatedToFleet().perMinute().bytes();
    long informers = bill(Scenario.INFORMERS).perMinute().bytes();
    assertThat(informers * 10).isLessThan(naive);
  }

  @Test
  void theExtrapolationIsLabelled() {
    ControlPlaneBill naive = bill(Scenario.NAIVE);
    assertThat(naive.extrapolated()).isFalse();
    ControlPlaneBill fleet = naive.extrapolatedToFleet();
    assertThat(fleet.extrapolated()).isTrue();
    assertThat(fleet.start().objectsReadFromStorage())
        .isEqualTo(naive.start().objectsReadFromStorage() * 4);
    assertThat(out)
        .contains("5 of 20", "all 20", "(sample)", FleetReport.EXTRAPOLATED)
        .containsPattern("objects read from storage +[0-9,]+\\* +[0-9,]+\\* +0 +0\n");
  }

  @Test
  void printsTheWarningsWithRuleIdsAndCallSites() {
    assertThat(out)
        .contains("SC101 ×", "SC106 ×")
        .contains("at dev.safeclient.examples.NaiveNodeAgent.listAllPods(NaiveNodeAgent.java:");
  }
}
