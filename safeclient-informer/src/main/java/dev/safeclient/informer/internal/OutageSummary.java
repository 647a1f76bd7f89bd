package dev.safeclient.informer.internal;

import dev.safeclient.model.time.TimeSource;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide view of informers that cannot reach the API server. A thousand informers in one
 * JVM failing at once must not write a thousand identical errors (client-java writes 6,000 records
 * with stack traces in 60 s for 200 informers): each informer's own lines share a small budget per
 * period, a stack trace is written once per kind of failure per outage, and a periodic summary line
 * says how many informers are waiting and when they try next.
 *
 * <p>{@link FailureLog} asks it before writing each line. It holds no thread: the summary is
 * written by whichever informer reports after it is due, which during an outage is at least one per
 * backoff step.
 */
public final class OutageSummary {
  /**
   * One summary per steady retry round: the backoff cap is 30 s, so while the server stays away
   * every informer reports once or twice per summary.
   */
  static final Duration PERIOD = Duration.ofSeconds(30);

  /**
   * The first summary waits this long after the first failure, so that a fleet's first round of
   * failures (all within a second or two of a server going away) is counted in it, not spread over
   * several lines.
   */
  static final Duration FIRST_SUMMARY_DELAY = Duration.ofSeconds(5);

  /**
   * Informers' own lines (failures and recoveries) per period, process-wide: enough to show an
   * operator a few real examples with their informer names; the rest is in the summary.
   */
  static final int DETAIL_LINES_PER_PERIOD = 10;

  /**
   * An informer whose next attempt is this far in the past without a new report is no longer
   * counted as waiting: its attempt got through (a watch that connects reports nothing until it
   * ends, minutes later) or it was stopped. Longer than a list or connect attempt takes.
   */
  static final Duration STALE_AFTER = Duration.ofSeconds(60);

  /** The one every informer on real time in this JVM reports to. */
  private static final OutageSummary PROCESS =
      new OutageSummary(System::nanoTime, LoggerFactory.getLogger(OutageSummary.class));

  private final LongSupplier nanoTime;
  private final Logger log;
  // Weak: a stopped informer's entry goes with it.
  private final Map<Object, Waiting> waiting = new WeakHashMap<>();
  private final Set<String> tracedKinds = new HashSet<>();
  private long outageStart;
  private long periodStart;
  private long lastSummary;
  private boolean summarized;
  private int detailLines;
  private long suppressed;
  private int recoveredSinceSummary;

  OutageSummary(LongSupplier nanoTime, Logger log) {
    this.nanoTime = nanoTime;
    this.log = log;
  }

  // Virtual clocks' own summaries; the key is held weakly, also by the summary's time source.
  private static final Map<TimeSource, OutageSummary> VIRTUAL = new WeakHashMap<>();

  /**
   * The summary of the informers whose time is {@code clock}: the process's for real time, one per
   * virtual clock, so that its periods and budget run on the same timeline as their backoff.
   */
  static OutageSummary of(TimeSource clock) {
    if (clock.isSystem()) {
      return PROCESS;
    }
    synchronized (VIRTUAL) {
      return VIRTUAL.computeIfAbsent(
          clock,
          c -> {
            WeakReference<TimeSource> time = new WeakReference<>(c);
            return new OutageSummary(
                () -> {
                  TimeSource t = time.get();
                  return t == null ? 0 : t.nanoTime();
                },
                LoggerFactory.getLogger(OutageSummary.class));
          });
    }
  }

  /** What an informer's own failure line may be. */
  enum Line {
    /** Write it with its stack trace: the first of its kind in this outage. */
    WITH_TRACE,
    /** Write it without a stack trace. */
    PLAIN,
    /** Leave it out: the summary counts it. */
    SUPPRESSED
  }

  /**
   * An informer failed and tries again in {@code retryIn}. {@code kind} names the failure without
   * its informer (phase and error class): one stack trace per kind per outage.
   */
  synchronized Line failed(Object informer, String kind, String cause, Duration retryIn) {
    long now = nanoTime.getAsLong();
    pruneStale(now);
    if (waiting.isEmpty()) {
      outageStart = now;
      periodStart = now;
      lastSummary = now;
      summarized = false;
      detailLines = 0;
      suppressed = 0;
      recoveredSinceSummary = 0;
      tracedKinds.clear();
    }
    rollPeriod(now);
    waiting.put(informer, new Waiting(cause, now + retryIn.toNanos()));
    Line line;
    if (detailLines < DETAIL_LINES_PER_PERIOD) {
      detailLines++;
      line = tracedKinds.add(kind) ? Line.WITH_TRACE : Line.PLAIN;
    } else {
      suppressed++;
      line = Line.SUPPRESSED;
    }
    summarizeIfDue(now);
    return line;
  }

  /** An informer reached the server again; true when it may write its own recovery line. */
  synchronized boolean recovered(Object informer) {
    if (waiting.remove(informer) == null) {
      return true;
    }
    long now = nanoTime.getAsLong();
    rollPeriod(now);
    recoveredSinceSummary++;
    boolean own = detailLines < DETAIL_LINES_PER_PERIOD;
    if (own) {
      detailLines++;
    } else {
      suppressed++;
    }
    if (waiting.isEmpty()) {
      if (summarized || suppressed > 0) {
        log.info(
            "all informers reach the API server again, {} after the first failure{}",
            FailureLog.seconds(Duration.ofNanos(now - outageStart)),
            suppressedNote());
      }
      suppressed = 0;
    } else {
      summarizeIfDue(now);
    }
    return own;
  }

  /** How many informers are waiting now. */
  synchronized int waiting() {
    return waiting.size();
  }

  private void pruneStale(long now) {
    waiting.values().removeIf(w -> now - w.nextAttempt > STALE_AFTER.toNanos());
  }

  private void rollPeriod(long now) {
    if (now - periodStart >= PERIOD.toNanos()) {
      periodStart = now;
      detailLines = 0;
    }
  }

  private void summarizeIfDue(long now) {
    long due = summarized ? PERIOD.toNanos() : FIRST_SUMMARY_DELAY.toNanos();
    if (now - lastSummary < due) {
      return;
    }
    pruneStale(now);
    if (waiting.size() < 2 && suppressed == 0) {
      return;
    }
    long soonest = Long.MAX_VALUE;
    long latest = Long.MIN_VALUE;
    Map<String, Integer> causes = new TreeMap<>();
    for (Waiting w : waiting.values()) {
      soonest = Math.min(soonest, w.nextAttempt);
      latest = Math.max(latest, w.nextAttempt);
      causes.merge(w.cause, 1, Integer::sum);
    }
    StringBuilder c = new StringBuilder();
    causes.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(3)
        .forEach(
            e ->
                c.append(c.length() == 0 ? "" : "; ")
                    .append(e.getValue())
                    .append(" × ")
                    .append(e.getKey()));
    if (causes.size() > 3) {
      c.append("; and ").append(causes.size() - 3).append(" other causes");
    }
    log.warn(
        "{} informer{} waiting for the API server, next attempt in {} to {}{}; for {} ({}){}",
        waiting.size(),
        waiting.size() == 1 ? "" : "s",
        FailureLog.seconds(Duration.ofNanos(Math.max(0, soonest - now))),
        FailureLog.seconds(Duration.ofNanos(Math.max(0, latest - now))),
        recoveredSinceSummary > 0 ? "; " + recoveredSinceSummary + " recovered" : "",
        FailureLog.seconds(Duration.ofNanos(now - outageStart)),
        c,
        suppressedNote());
    summarized = true;
    lastSummary = now;
    suppressed = 0;
    recoveredSinceSummary = 0;
  }

  private String suppressedNote() {
    return suppressed == 0
        ? ""
        : String.format(Locale.ROOT, "; %d informer lines left out", suppressed);
  }

  private record Waiting(String cause, long nextAttempt) {}
}
