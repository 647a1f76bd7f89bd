package dev.safeclient.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.examples.FleetRehearsal.FleetOptions;
import dev.safeclient.examples.FleetRehearsal.Result;
import dev.safeclient.examples.FleetRehearsal.Scenario;
import dev.safeclient.testing.fleet.ControlPlaneBill;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Scenario 2 on 1.30 where pods are busy: after each agent's first list, which passes through, the
 * safe client reads the naive code's lists from the watch cache, so etcd serves under 1 % of what
 * it serves the naive code per steady minute.
 */
class FleetRehearsalBusyPodsTest {

  @Test
  void onBusyPodsSafeClientTakesTheNaiveListsOffEtcdAfterTheFirst() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // 600 pods, a fifth changing each simulated minute: two changes a second, well inside the
    // cache's 3 s wait. 10× time: one simulated minute is 6 s, time enough for a loaded machine's
    // passes; the steady minute holds each
    // agent's second list (one minute: the per-minute counts are the window's own, unrounded).
    FleetOptions options =
        FleetOptions.parse(
            "--nodes",
            "20",
            "--pods-per-node",
            "30",
            "--sample",
            "4",
            "--churn",
            "0.2",
            "--time-scale",
            "10",
            "--steady-minutes",
            "1",
            "--scenarios",
            "1,2",
            "--versions",
            "1.30");
    Result result =
        FleetRehearsal.run(options, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    ControlPlaneBill naive = result.versions().get(0).bills().get(Scenario.NAIVE);
    ControlPlaneBill safe = result.versions().get(0).bills().get(Scenario.SAFE_CLIENT);

    assertThat(naive.failedPasses()).isZero();
    assertThat(safe.failedPasses()).isZero();
    // Per pass, so that a loaded machine skipping passes changes nothing: the naive pass is one
    // list read from etcd; the safe pass is a probe (one object) and a list from the watch cache.
    long naiveReads = naive.perMinute().objectsReadFromStorage();
    long naivePasses = naive.perMinute().requests();
    long safePasses = safe.perMinute().requests() / 2;
    assertThat(naivePasses).isPositive();
    assertThat(safePasses).isPositive();
    assertThat(naiveReads / naivePasses).isEqualTo(600);
    assertThat(safe.perMinute().objectsReadFromStorage() / safePasses).isLessThanOrEqualTo(2);
    assertThat(safe.perMinute().objectsFromCache() / safePasses).isEqualTo(600);
  }
}
