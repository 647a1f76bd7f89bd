package dev.safeclient.core.internal.warning;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/**
 * One warning per (rule, call site) per interval; the others are counted and reported with the next
 * one that goes out.
 */
final class WarningRateLimiter {
  /** Returned by {@link #admit} when the warning is suppressed. */
  static final long SUPPRESSED = -1;

  /**
   * (rule, call site) pairs tracked at once. An application has tens of call sites; 4096 bounds the
   * state to about a megabyte. An evicted pair only means its next warning goes out early.
   */
  private static final int MAX_TRACKED_SITES = 4096;

  private final long intervalNanos;
  private final Ticker ticker;
  private final Cache<Key, Window> windows;

  WarningRateLimiter(Duration interval, Ticker ticker) {
    this.intervalNanos = interval.toNanos();
    this.ticker = ticker;
    this.windows = Caffeine.newBuilder().maximumSize(MAX_TRACKED_SITES).build();
  }

  /**
   * {@link #SUPPRESSED}, or the number of warnings of this pair suppressed since the last one that
   * went out.
   */
  long admit(String ruleId, String callSite) {
    return windows.get(new Key(ruleId, callSite), k -> new Window()).admit(ticker.read());
  }

  private record Key(String ruleId, String callSite) {}

  private final class Window {
    private boolean emitted;
    private long lastEmitted;
    private long suppressed;

    synchronized long admit(long now) {
      if (emitted && now - lastEmitted < intervalNanos) {
        suppressed++;
        return SUPPRESSED;
      }
      emitted = true;
      lastEmitted = now;
      long n = suppressed;
      suppressed = 0;
      return n;
    }
  }
}
