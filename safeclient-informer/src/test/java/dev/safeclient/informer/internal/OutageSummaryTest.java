package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class OutageSummaryTest {
  private final AtomicLong now = new AtomicLong();
  private final CapturingLogger log = new CapturingLogger();
  private final OutageSummary summary = new OutageSummary(now::get, log);

  private static final String REFUSED = "ConnectException: Failed to connect to /127.0.0.1:6443";

  @Test
  void aThousandInformersFailingTogetherWriteTenLinesOneTraceAndPeriodicSummaries() {
    int informers = 1000;
    Random random = new Random(42);
    List<Object> ids = new ArrayList<>();
    for (int i = 0; i < informers; i++) {
      ids.add(new Object());
    }
    Map<OutageSummary.Line, Integer> decisions = new EnumMap<>(OutageSummary.Line.class);
    List<RelistBackoff> backoffs = new ArrayList<>();
    // (time, informer): each informer fails, then fails again at its next attempt.
    PriorityQueue<long[]> attempts = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    for (int i = 0; i < informers; i++) {
      backoffs.add(new RelistBackoff(random));
      attempts.add(new long[] {random.nextInt(1_000_000_000), i});
    }
    long outage = Duration.ofSeconds(120).toNanos();
    while (!attempts.isEmpty() && attempts.peek()[0] < outage) {
      long[] a = attempts.poll();
      now.set(a[0]);
      int i = (int) a[1];
      Duration retryIn = backoffs.get(i).next(a[0]);
      decisions.merge(
          summary.failed(ids.get(i), "watch|ConnectException", REFUSED, retryIn), 1, Integer::sum);
      attempts.add(new long[] {a[0] + retryIn.toNanos(), i});
    }
    assertThat(summary.waiting()).isEqualTo(informers);
    // One trace per kind per outage; ten detail lines per 30 s period, so 4 or 5 periods' worth.
    assertThat(decisions.get(OutageSummary.Line.WITH_TRACE)).isEqualTo(1);
    assertThat(decisions.get(OutageSummary.Line.PLAIN)).isBetween(39, 49);
    List<String> summaries = log.lines(Level.WARN);
    // The first at 5 s, then every 30 s: 5, 35, 65, 95 s.
    assertThat(summaries).hasSize(4);
    assertThat(summaries.get(0))
        .startsWith("1000 informers waiting for the API server, next attempt in ")
        .contains("(1000 × " + REFUSED + ")")
        .contains("informer lines left out");
    List<Long> at = log.timesOf(Level.WARN);
    int[] dueSeconds = {5, 35, 65, 95};
    for (int k = 0; k < dueSeconds.length; k++) {
      // Written by the first report after it is due: with 1000 informers, within a second.
      long due = Duration.ofSeconds(dueSeconds[k]).toNanos();
      assertThat(at.get(k)).isBetween(due, due + 1_000_000_000L);
    }

    // The server is back: each informer recovers at its next attempt.
    int ownRecoveryLines = 0;
    while (!attempts.isEmpty()) {
      long[] a = attempts.poll();
      now.set(a[0]);
      if (summary.recovered(ids.get((int) a[1]))) {
        ownRecoveryLines++;
      }
    }
    assertThat(summary.waiting()).isZero();
    assertThat(ownRecoveryLines).isBetween(10, 30);
    List<String> infos = log.lines(Level.INFO);
    assertThat(infos).hasSize(1);
    assertThat(infos.get(0)).startsWith("all informers reach the API server again, ");
    // In all: a few dozen lines for 1000 informers over a 2-minute outage.
    assertThat(log.lines.size() + decisions.get(OutageSummary.Line.PLAIN) + 1 + ownRecoveryLines)
        .isLessThan(100);
  }

  @Test
  void aLoneInformerKeepsItsOwnLinesAndGetsNoSummary() {
    Object informer = new Object();
    RelistBackoff backoff = new RelistBackoff(new Random(1));
    List<OutageSummary.Line> lines = new ArrayList<>();
    long t = 0;
    while (t < Duration.ofSeconds(120).toNanos()) {
      now.set(t);
      Duration d = backoff.next(t);
      lines.add(summary.failed(informer, "list|IOException", "IOException: boom", d));
      t += d.toNanos();
    }
    assertThat(lines.get(0)).isEqualTo(OutageSummary.Line.WITH_TRACE);
    assertThat(lines.subList(1, lines.size())).containsOnly(OutageSummary.Line.PLAIN);
    now.set(t);
    assertThat(summary.recovered(informer)).isTrue();
    assertThat(log.lines).isEmpty();
  }

  @Test
  void aNewOutageTracesAgainAndAStoppedInformerIsNotCountedForever() {
    Object a = new Object();
    Object b = new Object();
    Duration d = Duration.ofSeconds(1);
    assertThat(summary.failed(a, "watch|X", "X: x", d)).isEqualTo(OutageSummary.Line.WITH_TRACE);
    assertThat(summary.failed(b, "watch|X", "X: x", d)).isEqualTo(OutageSummary.Line.PLAIN);
    assertThat(summary.failed(b, "list|Y", "Y: y", d)).isEqualTo(OutageSummary.Line.WITH_TRACE);
    summary.recovered(a);
    summary.recovered(b);
    assertThat(summary.waiting()).isZero();
    now.addAndGet(Duration.ofMinutes(10).toNanos());
    assertThat(summary.failed(a, "watch|X", "X: x", d)).isEqualTo(OutageSummary.Line.WITH_TRACE);
    // Informers that stopped reporting (their watch got through, or they were stopped) leave
    // the count once their next attempt is a minute overdue.
    Object c = new Object();
    summary.failed(b, "watch|X", "X: x", d);
    now.addAndGet(Duration.ofSeconds(30).toNanos());
    summary.failed(c, "watch|X", "X: x", d);
    assertThat(summary.waiting()).isEqualTo(3);
    now.addAndGet(Duration.ofSeconds(45).toNanos());
    summary.failed(c, "watch|X", "X: x", d);
    assertThat(summary.waiting()).isEqualTo(1);
    // An informer that was never reported as failing may always say it recovered.
    assertThat(summary.recovered(new Object())).isTrue();
  }

  /** Records formatted lines and the virtual time they were written at. */
  private final class CapturingLogger extends AbstractLogger {
    final List<Object[]> lines = new ArrayList<>();

    List<String> lines(Level level) {
      return lines.stream().filter(l -> l[0] == level).map(l -> (String) l[1]).toList();
    }

    List<Long> timesOf(Level level) {
      return lines.stream().filter(l -> l[0] == level).map(l -> (Long) l[2]).toList();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String pattern, Object[] args, Throwable throwable) {
      lines.add(new Object[] {level, MessageFormatter.basicArrayFormat(pattern, args), now.get()});
    }

    @Override
    public boolean isTraceEnabled() {
      return true;
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
      return true;
    }
  }
}
