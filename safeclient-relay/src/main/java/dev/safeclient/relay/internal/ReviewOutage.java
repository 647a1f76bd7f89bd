package dev.safeclient.relay.internal;

import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * The log of one kind of upstream review while it fails. A thousand agents' requests during an API
 * server outage each fail a review, and each would write the same line: instead one WARN when the
 * reviews start failing, a summary every {@link #PERIOD} while they fail (how many, the last
 * reason), and one INFO when they are answered again with none failing for {@link #QUIET}, as the
 * informers' outage summary does for their lists and watches. Reviews that fail and succeed by
 * turns (a review client at its QPS budget while thousands of agents start) are one outage, not a
 * WARN and an INFO each time. Reviews cut short because the relay is closing are its own doing:
 * DEBUG.
 *
 * <p>It holds no thread: a summary is written by the first failure after it is due. The reasons it
 * logs are exception messages that never hold a token or a review's body ({@link SafeClientReviews}
 * puts only the status code in them).
 */
final class ReviewOutage {
  /**
   * One summary per period while reviews fail: the informers' summary period, so that an outage's
   * review lines and informer lines come at the same pace.
   */
  static final Duration PERIOD = Duration.ofSeconds(30);

  /**
   * An outage ends at the first answer this long after its last failure: one summary period, so
   * that reviews failing on and off come to one WARN and a summary per period, and the INFO says
   * they have held.
   */
  static final Duration QUIET = PERIOD;

  private final String kind;
  private final int refusedWith;
  private final TimeSource clock;
  private final Logger log;

  // Read without the lock on each answered review: nothing to do while no outage is open.
  private volatile boolean failing;
  private volatile boolean closing;
  private long since;
  private long lastFailure;
  private long lastSummary;
  private long failedInAll;
  private long failedSinceSummary;
  private String lastReason;

  /**
   * @param kind what fails, as the log names it ("TokenReview")
   * @param refusedWith the status code a request whose review failed gets
   */
  ReviewOutage(String kind, int refusedWith, TimeSource clock, Logger log) {
    this.kind = kind;
    this.refusedWith = refusedWith;
    this.clock = clock;
    this.log = log;
  }

  /** A review failed for {@code reason}, which holds no token and no object content. */
  void failed(String reason) {
    if (closing) {
      log.debug(
          "relay: a {} ended by the relay closing, its request gets {}: {}",
          kind,
          refusedWith,
          reason);
      return;
    }
    synchronized (this) {
      long now = clock.nanoTime();
      if (failing && now - lastFailure >= QUIET.toNanos()) {
        // No review was asked since the last failure (answers cached, watches long): that outage
        // ended unseen, and this failure starts another.
        close("had no failure for " + seconds(QUIET) + " before this one");
      }
      lastReason = reason;
      lastFailure = now;
      failedInAll++;
      failedSinceSummary++;
      if (!failing) {
        failing = true;
        since = now;
        lastSummary = now;
        failedSinceSummary = 0;
        log.warn(
            "relay: {}s fail, their requests get {}: {}; a summary follows every {} while they"
                + " fail",
            kind,
            refusedWith,
            reason,
            seconds(PERIOD));
        return;
      }
      if (now - lastSummary >= PERIOD.toNanos()) {
        log.warn(
            "relay: {}s still fail after {}: {} failed in all, {} since the last line; the last:"
                + " {}",
            kind,
            seconds(Duration.ofNanos(now - since)),
            failedInAll,
            failedSinceSummary,
            lastReason);
        lastSummary = now;
        failedSinceSummary = 0;
      }
    }
  }

  /** A review was answered: the end of an outage, if one is open and quiet for {@link #QUIET}. */
  void answered() {
    if (!failing) {
      return;
    }
    synchronized (this) {
      if (!failing || clock.nanoTime() - lastFailure < QUIET.toNanos()) {
        return;
      }
      close("answered again, none failed for " + seconds(QUIET));
    }
  }

  /** Ends the open outage in the log, {@code how} it ended; call holding this. */
  private void close(String how) {
    failing = false;
    log.info(
        "relay: {}s {}; {} failed over {}; the last: {}",
        kind,
        how,
        failedInAll,
        seconds(Duration.ofNanos(lastFailure - since)),
        lastReason);
    failedInAll = 0;
    failedSinceSummary = 0;
    lastReason = null;
  }

  /** The relay is closing: the reviews it cuts short from now on are not an outage. */
  void closing() {
    closing = true;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
