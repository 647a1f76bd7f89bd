package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.informer.SharedClientOutage.Run;
import dev.safeclient.informer.SharedClientOutage.Scenario;
import dev.safeclient.testing.FigureGuard;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Twenty informers share one {@code SafeClient} against KubeSim; every request answers 500 for two
 * minutes, then the server is back and a marker pod is created ({@link SharedClientOutage}: one
 * virtual timeline, real sockets). The same run twice with the same seeds, the pull-forward off
 * then on.
 */
@FigureGuard(protects = "benchmarks/results/informer.md")
class RecoveryPullForwardTest {
  static final int INFORMERS = 20;
  static final Duration OUTAGE = Duration.ofSeconds(120);
  static final Duration AFTER = Duration.ofSeconds(120);
  static final int AFTER_SECONDS = (int) AFTER.toSeconds();

  @Test
  void informersSharingAClientAreBackWithinFifteenSecondsWithNoHigherPeak() throws Exception {
    Run off = SharedClientOutage.run(Scenario.INTERNAL_ERROR, false, INFORMERS, OUTAGE, AFTER, 7);
    Run on = SharedClientOutage.run(Scenario.INTERNAL_ERROR, true, INFORMERS, OUTAGE, AFTER, 7);
    String report =
        "\noff: all synced after "
            + off.allSyncedSeconds()
            + " s, requests per second from recovery "
            + Arrays.toString(off.perSecondAfterRecovery(60))
            + "\non:  all synced after "
            + on.allSyncedSeconds()
            + " s, requests per second from recovery "
            + Arrays.toString(on.perSecondAfterRecovery(60));
    System.out.println("RecoveryPullForwardTest (500s, seed 7):" + report);

    // Without it, each informer's own [30, 60) s step decides: most of a minute.
    assertThat(off.allSyncedSeconds()).as(report).isGreaterThan(15);
    assertThat(on.allSyncedSeconds()).as(report).isLessThanOrEqualTo(15);
    assertThat(on.peakPerSecondAfterRecovery(AFTER_SECONDS))
        .as(report)
        .isLessThanOrEqualTo(off.peakPerSecondAfterRecovery(AFTER_SECONDS));
    // Brought forward, not added: one answered watch per informer after recovery, either way.
    long onEnd = on.recovery() + AFTER.toNanos();
    long offEnd = off.recovery() + AFTER.toNanos();
    assertThat(on.onTheWire(on.recovery(), onEnd)).as(report).isEqualTo(INFORMERS);
    assertThat(off.onTheWire(off.recovery(), offEnd)).as(report).isEqualTo(INFORMERS);
    // During the outage, gaps in the informers' own retries filled, not a faster schedule.
    assertThat(on.onTheWire(on.outageStart(), on.recovery()))
        .as(report)
        .isLessThanOrEqualTo(off.onTheWire(off.outageStart(), off.recovery()) * 11 / 10);
  }
}
