package dev.safeclient.apiserver;

import dev.safeclient.model.time.TimeSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Retry-After of API Priority and Fairness's 429, as the apiserver's {@code
 * droppedRequestsTracker} computes it per priority level (k8s.io/apiserver
 * pkg/util/flowcontrol/dropped_requests_tracker.go, since 1.28): 1 s, doubled (up to {@link
 * #MAX_RETRY_AFTER_SECONDS}, at most once per current value's seconds) when the level dropped at
 * least 3 × retryAfter requests in the last retryAfter whole seconds, and lowered by 1 when it
 * dropped fewer than retryAfter; only ever recomputed when a drop opens a new second. As the
 * filter, record the drop first, then read the value it answers with.
 */
public final class DroppedRequestsTracker {
  /** The tracker's {@code maxRetryAfter}. */
  public static final long MAX_RETRY_AFTER_SECONDS = 32;

  private final TimeSource clock;
  private final Map<String, Level> levels = new HashMap<>();

  public DroppedRequestsTracker(TimeSource clock) {
    this.clock = clock;
  }

  /** Records a request of {@code priorityLevel} just rejected. */
  public synchronized void recordDroppedRequest(String priorityLevel) {
    long second = Math.floorDiv(clock.nanoTime(), 1_000_000_000L);
    levels.computeIfAbsent(priorityLevel, k -> new Level()).record(second);
  }

  /** The Retry-After, in seconds, a 429 of {@code priorityLevel} carries now. */
  public synchronized long retryAfterSeconds(String priorityLevel) {
    Level l = levels.get(priorityLevel);
    return l == null ? 1 : l.retryAfter;
  }

  /** One priority level's drops per second, and its current Retry-After. */
  private static final class Level {
    private record Second(long second, long requests) {}

    private final List<Second> history = new ArrayList<>();
    private long currentSecond;
    private long currentCount;
    private long retryAfter = 1;

    /** When it was last doubled: long ago, so that the first drops may double it. */
    private long retryAfterUpdated = Long.MIN_VALUE / 4;

    void record(long second) {
      if (second == currentSecond) {
        currentCount++;
        return;
      }
      updateHistory(currentSecond, currentCount);
      currentSecond = second;
      currentCount = 1;
      // Recomputed only when a new second starts, from the seconds before it.
      updateRetryAfter(second);
    }

    private void updateHistory(long second, long count) {
      history.add(new Second(second, count));
      // Entries older than 2 × retryAfter (or the maximum) are never needed again.
      long keep = Math.min(2 * retryAfter, MAX_RETRY_AFTER_SECONDS);
      int start = 0;
      while (start < history.size() && second - history.get(start).second() > keep) {
        start++;
      }
      history.subList(0, start).clear();
    }

    /** Over the seconds [now − retryAfter, now). */
    private void updateRetryAfter(long now) {
      long dropped = 0;
      for (int i = history.size() - 1; i >= 0; i--) {
        Second s = history.get(i);
        if (now - s.second() > retryAfter) {
          break;
        }
        if (s.second() < now) {
          dropped += s.requests();
        }
      }
      if (now - retryAfterUpdated >= retryAfter && dropped >= 3 * retryAfter) {
        // Doubled, as TCP's backoff; once per retryAfter seconds, so one spike bumps it once.
        retryAfter = Math.min(2 * retryAfter, MAX_RETRY_AFTER_SECONDS);
        retryAfterUpdated = now;
        return;
      }
      if (dropped < retryAfter && retryAfter > 1) {
        retryAfter--; // and lowered linearly
      }
    }
  }
}
