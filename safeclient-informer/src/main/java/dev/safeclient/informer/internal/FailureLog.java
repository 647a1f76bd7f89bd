package dev.safeclient.informer.internal;

import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The log of one reflector's failures: one line per backoff step, a stack trace only the first
 * time, a count instead of a repeated message, and one summary line on recovery (a list that
 * succeeds, or the first event or bookmark of a watch open longer than a second). A thousand
 * informers retrying every 30-60 s must not flood the logs the outage is read from.
 */
public final class FailureLog {
  private static final Logger log = LoggerFactory.getLogger(Reflector.class);

  private final String name;
  private final TimeSource clock;
  // One process-wide budget of lines and a periodic summary: thousands of informers in an outage
  // must not write a line each per attempt.
  private final OutageSummary summary;
  private boolean stackLogged;
  private String lastSignature;
  private int repeats;
  private int failuresInRow;
  private long firstFailureNanos;

  FailureLog(String name, TimeSource clock) {
    this(name, clock, OutageSummary.of(clock));
  }

  FailureLog(String name, TimeSource clock, OutageSummary summary) {
    this.name = name;
    this.clock = clock;
    this.summary = summary;
  }

  synchronized void failure(String what, Throwable error, Duration retryIn) {
    if (failuresInRow++ == 0) {
      firstFailureNanos = clock.nanoTime();
    }
    String message = JsonLinesWatchReader.safeMessage(error);
    String signature = what + '|' + error.getClass().getName() + '|' + message;
    if (signature.equals(lastSignature)) {
      repeats++;
    } else {
      lastSignature = signature;
      repeats = 1;
    }
    String line =
        String.format(
            Locale.ROOT,
            "%s: %s failed%s: %s; retrying in %s",
            name,
            what,
            repeats > 1 ? " again (" + repeats + " times in a row)" : "",
            error.getClass().getSimpleName() + ": " + message,
            seconds(retryIn));
    OutageSummary.Line allowed =
        summary.failed(
            this,
            what + '|' + error.getClass().getName(),
            error.getClass().getSimpleName() + ": " + message,
            retryIn);
    if (allowed == OutageSummary.Line.SUPPRESSED) {
      log.debug(line);
    } else if (!stackLogged && allowed == OutageSummary.Line.WITH_TRACE) {
      stackLogged = true;
      log.warn(line, error);
    } else {
      log.warn(line);
    }
  }

  synchronized void recovered(String what) {
    if (failuresInRow > 0) {
      boolean own = summary.recovered(this);
      log.atLevel(own ? Level.INFO : Level.DEBUG)
          .log(
              "{}: {} recovered after {} failed attempt(s) over {}",
              name,
              what,
              failuresInRow,
              seconds(Duration.ofNanos(clock.nanoTime() - firstFailureNanos)));
      failuresInRow = 0;
      lastSignature = null;
      repeats = 0;
    }
  }

  synchronized int failuresInRow() {
    return failuresInRow;
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
