package dev.safeclient.core.internal.rules;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import java.time.Duration;

/**
 * SC107: the same LIST repeated as polling. It fires when the same request line (method, path and
 * query) is listed {@value #THRESHOLD} times within {@link #WINDOW}, and on every repeat after that
 * while the pace holds; the warning channel rate-limits what reaches the log.
 *
 * <p>Why these numbers: an informer lists a collection once at start and again only after its watch
 * fails, so five identical LISTs in ten minutes is a loop (any period up to 2.5 min is caught) that
 * a watch would serve at a fraction of the cost. Lines are keyed without a call site, so the stack
 * is not walked for every LIST.
 */
public final class PollingListRule implements RequestRule {
  public static final String ID = "SC107";
  static final int THRESHOLD = 5;
  static final Duration WINDOW = Duration.ofMinutes(10);

  /**
   * Distinct list lines tracked at once. A process polls a handful of collections; 1024 lines of a
   * few hundred bytes each bound the memory at well under a megabyte, and the lines evicted first
   * are the ones seen least recently, i.e. not polled.
   */
  private static final int MAX_TRACKED_LINES = 1024;

  private final Cache<String, RecentLists> lines;
  private final Ticker ticker;

  public PollingListRule(Ticker ticker) {
    this.ticker = ticker;
    this.lines =
        Caffeine.newBuilder()
            .maximumSize(MAX_TRACKED_LINES)
            .expireAfterAccess(WINDOW)
            .ticker(ticker)
            .build();
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String check(KubeRequest k, SafetyMode mode) {
    if (k.verb() != Verb.LIST) {
      return null;
    }
    RecentLists recent = lines.get(k.requestLine(), line -> new RecentLists());
    if (!recent.record(ticker.read(), WINDOW.toNanos())) {
      return null;
    }
    return "the same LIST "
        + THRESHOLD
        + " times within "
        + WINDOW.toMinutes()
        + " min looks like polling; use an informer (a watch) instead";
  }

  /** The times of the last {@link #THRESHOLD} lists of one line: a ring buffer. */
  private static final class RecentLists {
    private final long[] times = new long[THRESHOLD];
    private int count;

    /** Records one list; true when the last {@link #THRESHOLD} of them fit in the window. */
    synchronized boolean record(long now, long windowNanos) {
      times[count % THRESHOLD] = now;
      count++;
      if (count < THRESHOLD) {
        return false;
      }
      long oldest = times[count % THRESHOLD];
      return now - oldest <= windowNanos;
    }
  }
}
