package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.informer.SharedClientOutage.Run;
import dev.safeclient.informer.SharedClientOutage.Scenario;
import dev.safeclient.testing.FigureGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The 15 s bound of {@link RecoveryPullForwardTest} over many seeds, for each kind of outage
 * ({@link SharedClientOutage}: 20 informers on one client, one virtual timeline): with the
 * pull-forward, every cache holds the marker within 15 s of recovery in every seed; no second after
 * recovery is busier than without it, or than two (the wave's pace); one request per informer after
 * recovery; during the outage, no informer more often than its own backoff steps allow and, over
 * the seeds, at most a fifth more requests than without it (the gaps it fills: {@code
 * RecoveryWave.MEAN_OWN_STEP}). The same seeds run without it for the comparison. {@code
 * -Dsafeclient.recoverySweep.seeds=N} sweeps seeds 100, 200, ..., 100 N (default 5 per kind of
 * outage).
 */
@FigureGuard(protects = "benchmarks/results/informer.md")
class RecoverySweepTest {
  static final int INFORMERS = RecoveryPullForwardTest.INFORMERS;
  static final Duration OUTAGE = RecoveryPullForwardTest.OUTAGE;
  // The wave is over within 15 s and the watches then stay open: a minute shows every request.
  static final Duration AFTER = Duration.ofSeconds(60);
  static final int AFTER_SECONDS = (int) AFTER.toSeconds();

  @ParameterizedTest
  @EnumSource(Scenario.class)
  void everyCacheIsBackWithinFifteenSecondsInEverySeed(Scenario scenario) throws Exception {
    int seeds = Integer.getInteger("safeclient.recoverySweep.seeds", 5);
    List<String> rows = new ArrayList<>();
    List<Double> synced = new ArrayList<>();
    long onRequests = 0;
    long offRequests = 0;
    long onBusiest = 0;
    long offBusiest = 0;
    for (long n = 1; n <= seeds; n++) {
      // Each informer draws from seed + its index: seeds 100 apart share no informer's draws.
      long seed = 100 * n;
      Run on = SharedClientOutage.run(scenario, true, INFORMERS, OUTAGE, AFTER, seed);
      Run off = SharedClientOutage.run(scenario, false, INFORMERS, OUTAGE, AFTER, seed);
      List<Long> onOutage = on.attemptsPerReflector(on.outageStart(), on.recovery());
      List<Long> offOutage = off.attemptsPerReflector(off.outageStart(), off.recovery());
      long onSum = onOutage.stream().mapToLong(Long::longValue).sum();
      long offSum = offOutage.stream().mapToLong(Long::longValue).sum();
      long onMax = onOutage.stream().mapToLong(Long::longValue).max().orElse(0);
      long offMax = offOutage.stream().mapToLong(Long::longValue).max().orElse(0);
      String row =
          String.format(
              Locale.ROOT,
              "seed %d: synced %.1f s (without: %.1f s), outage requests %d (without: %d), busiest"
                  + " informer %d (%d), peak after recovery %d (%d)",
              seed,
              on.allSyncedSeconds(),
              off.allSyncedSeconds(),
              onSum,
              offSum,
              onMax,
              offMax,
              on.peakPerSecondAfterRecovery(AFTER_SECONDS),
              off.peakPerSecondAfterRecovery(AFTER_SECONDS));
      System.out.println("RecoverySweepTest " + scenario + " " + row);
      rows.add(row);
      synced.add(on.allSyncedSeconds());
      onRequests += onSum;
      offRequests += offSum;
      onBusiest = Math.max(onBusiest, onMax);
      offBusiest = Math.max(offBusiest, offMax);

      assertThat(onOutage).as(row).hasSize(INFORMERS);
      // From the outage's second minute every informer's step is 25.6 s or the 30 s cap: no gap
      // filled may bring an informer sooner than that after its own last attempt.
      long capped = on.outageStart() + Duration.ofSeconds(60).toNanos();
      assertThat(on.shortestGapBetweenAttempts(capped, on.recovery()))
          .as(row)
          .isGreaterThanOrEqualTo(Duration.ofMillis(25_600).toNanos());
      assertThat(on.allSyncedSeconds()).as(row).isLessThanOrEqualTo(15);
      // No busier second than without, unless the run without never put two into one second:
      // 20 requests within 15 s must, and the wave's pace allows two.
      assertThat(on.peakPerSecondAfterRecovery(AFTER_SECONDS))
          .as(row)
          .isLessThanOrEqualTo(Math.max(2, off.peakPerSecondAfterRecovery(AFTER_SECONDS)));
      // Brought forward, not added: one answered watch per informer after recovery, either way.
      assertThat(on.onTheWire(on.recovery(), on.recovery() + AFTER.toNanos()))
          .as(row)
          .isEqualTo(INFORMERS);
      assertThat(off.onTheWire(off.recovery(), off.recovery() + AFTER.toNanos()))
          .as(row)
          .isEqualTo(INFORMERS);
    }
    String summary =
        String.format(
            Locale.ROOT,
            "%s, %d seeds: synced after at most %.1f s; outage requests per informer %.3f"
                + " (without: %.3f), busiest informer %d (without: %d)",
            scenario,
            seeds,
            synced.stream().mapToDouble(Double::doubleValue).max().orElse(0),
            onRequests / (double) (seeds * INFORMERS),
            offRequests / (double) (seeds * INFORMERS),
            onBusiest,
            offBusiest);
    System.out.println("RecoverySweepTest " + summary);
    // Gaps filled, not a faster schedule: 4 % more over a two-minute outage, mostly spent in the
    // backoff's doubling, where the informers' own retries leave no gap (aLongOutage... for the
    // cap).
    assertThat(onRequests)
        .as(summary + "\n" + String.join("\n", rows))
        .isLessThanOrEqualTo(offRequests * 11 / 10);
    // No informer before the lower end of its own step: the busiest keeps the bound that
    // OutageRequestGuardTest derives from client-go's steps, 6 attempts in the first minute and 2
    // in the second (one more where an empty stream first ends a watch that had lasted).
    long resumed = scenario == Scenario.EMPTY_WATCHES ? 1 : 0;
    assertThat(onBusiest).as(summary).isLessThanOrEqualTo(8 + resumed);
  }

  /**
   * Half an hour of 500s, nearly all of it at the backoff's cap, where the gaps are filled: about a
   * tenth more requests (a simulation of the schedule says 9 %), and still every cache back within
   * 15 s.
   */
  @Test
  void aLongOutageCostsAboutATenthMoreRequests() throws Exception {
    Duration outage = Duration.ofMinutes(30);
    long onRequests = 0;
    long offRequests = 0;
    List<String> rows = new ArrayList<>();
    for (long seed = 100; seed <= 300; seed += 100) {
      Run on =
          SharedClientOutage.run(Scenario.INTERNAL_ERROR, true, INFORMERS, outage, AFTER, seed);
      Run off =
          SharedClientOutage.run(Scenario.INTERNAL_ERROR, false, INFORMERS, outage, AFTER, seed);
      long onSum = on.onTheWire(on.outageStart(), on.recovery());
      long offSum = off.onTheWire(off.outageStart(), off.recovery());
      String row =
          String.format(
              Locale.ROOT,
              "seed %d: outage requests %d (without: %d, %.3fx), synced %.1f s (without: %.1f s)",
              seed,
              onSum,
              offSum,
              onSum / (double) offSum,
              on.allSyncedSeconds(),
              off.allSyncedSeconds());
      System.out.println("RecoverySweepTest 30 min of 500s " + row);
      rows.add(row);
      onRequests += onSum;
      offRequests += offSum;
      assertThat(on.allSyncedSeconds()).as(row).isLessThanOrEqualTo(15);
      long capped = on.outageStart() + Duration.ofSeconds(60).toNanos();
      assertThat(on.shortestGapBetweenAttempts(capped, on.recovery()))
          .as(row)
          .isGreaterThanOrEqualTo(Duration.ofMillis(25_600).toNanos());
    }
    assertThat(onRequests)
        .as(String.join("\n", rows))
        .isLessThanOrEqualTo(offRequests * 115 / 100)
        .isGreaterThan(offRequests);
  }
}
