package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.informer.SharedClientOutage.Run;
import dev.safeclient.informer.SharedClientOutage.Scenario;
import dev.safeclient.informer.internal.OutageSummary;
import dev.safeclient.informer.internal.RelistBackoff;
import dev.safeclient.testing.FigureGuard;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Guards, in exact counts on a virtual clock (no wall-clock assertion), on what an outage costs the
 * API server and the logs: 20 informers sharing one {@code SafeClient}, a two-minute outage of each
 * kind, then recovery ({@link SharedClientOutage}).
 *
 * <p>The bounds follow from the backoff ({@link RelistBackoff}: the n-th delay is drawn from [d,
 * 2d), d = 0.8 s doubling to the 30 s cap) and the log budget ({@link OutageSummary}), not from
 * today's measurement:
 *
 * <ul>
 *   <li>first minute: attempts after the failure at 0.8-1.6, 2.4-4.8, 5.6-11.2, 12-24, 24.8-49.6
 *       and 50.4-100.8 s: 5 or 6 per informer. An empty watch stream first ends a watch that had
 *       lasted, which resumes at once: one more.
 *   <li>second minute: the 5th attempt comes before 49.6 s, so the minute's first is the 6th or
 *       later, and two more after it take d7 + d8 ≥ 2 × 30 s: at most 2; every delay is under 60 s:
 *       at least 1. The target is ≤ 2 requests per informer per minute.
 *   <li>after recovery: one answered watch per informer (brought forward or not), then nothing: the
 *       watch stays open for its 5-10 minutes.
 *   <li>log records during the outage: at most 10 informer lines per 30 s period, process-wide,
 *       plus a summary at 5 s and every 30 s: at most 4 × 10 + 4 = 44 for a two-minute outage,
 *       whatever the number of informers (2.2 per informer here); a stack trace once per kind of
 *       failure (at most 2 kinds here: the broken watch, then the outage's own error).
 * </ul>
 */
@FigureGuard(protects = "benchmarks/results/informer.md")
class OutageRequestGuardTest {
  static final int INFORMERS = 20;
  static final Duration OUTAGE = Duration.ofSeconds(120);
  static final Duration AFTER = Duration.ofSeconds(120);
  static final long MINUTE = Duration.ofMinutes(1).toNanos();

  @ParameterizedTest
  @EnumSource(Scenario.class)
  void requestsAndLogLinesPerInformerDuringAndAfterAnOutage(Scenario scenario) throws Exception {
    Run r = SharedClientOutage.run(scenario, true, INFORMERS, OUTAGE, AFTER, 11);
    long o = r.outageStart();
    long rec = r.recovery();
    List<Long> minute1 = r.attemptsPerReflector(o, o + MINUTE);
    List<Long> minute2 = r.attemptsPerReflector(o + MINUTE, o + 2 * MINUTE);
    List<Long> after1 = r.attemptsPerReflector(rec, rec + MINUTE);
    List<Long> after2 = r.attemptsPerReflector(rec + MINUTE, rec + 2 * MINUTE);
    String report =
        scenario
            + ": minute 1 "
            + minute1
            + ", minute 2 "
            + minute2
            + ", after "
            + after1
            + " then "
            + after2
            + ", "
            + r.outageLogRecords().size()
            + " log records, "
            + r.outageStackTraces()
            + " stack traces";
    System.out.println("OutageRequestGuardTest " + report);

    assertThat(minute1).as(report).hasSize(INFORMERS);
    long resumed = scenario == Scenario.EMPTY_WATCHES ? 1 : 0;
    assertThat(minute1)
        .as(report)
        .allSatisfy(n -> assertThat(n).isBetween(5 + resumed, 6 + resumed));
    assertThat(minute2).as(report).allSatisfy(n -> assertThat(n).isBetween(1L, 2L));
    assertThat(after1).as(report).allSatisfy(n -> assertThat(n).isEqualTo(1L));
    assertThat(after2).as(report).allSatisfy(n -> assertThat(n).isZero());
    assertThat(r.outageLogRecords()).as(report).hasSizeLessThanOrEqualTo(44);
    assertThat(r.outageStackTraces()).as(report).isBetween(1, 2);
  }
}
