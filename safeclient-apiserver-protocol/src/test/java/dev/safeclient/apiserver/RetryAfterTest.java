package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The apiserver's two growing Retry-After rules, on a virtual clock, with the cases of their Go
 * tests (dropped_requests_tracker_test.go, cacher/util_test.go).
 */
class RetryAfterTest {
  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private final DroppedRequestsTracker tracker = new DroppedRequestsTracker(clock);

  @Test
  void aPriorityLevelsRetryAfterDoublesUnderSustainedDropsAndComesDownOneByOne() {
    // {seconds elapsed, requests dropped then, Retry-After after them}: TestDroppedRequestsTracker.
    long[][] steps = {
      {0, 5, 1},
      {1, 11, 2},
      {2, 1, 2}, // not doubled again right after, whatever the drops
      {3, 11, 4},
      {4, 1, 4},
      {7, 1, 8},
      {11, 1, 8},
      {15, 1, 7},
      {17, 1, 6},
      {21, 14, 5},
      {22, 1, 10},
    };
    long elapsed = 0;
    for (long[] step : steps) {
      clock.advance(Duration.ofSeconds(step[0] - elapsed));
      elapsed = step[0];
      for (int i = 0; i < step[1]; i++) {
        tracker.recordDroppedRequest("pl");
      }
      assertThat(tracker.retryAfterSeconds("pl")).as("after %d s", step[0]).isEqualTo(step[2]);
    }
  }

  @Test
  void eachPriorityLevelHasItsOwn() {
    // TestDroppedRequestsTrackerPLIndependent.
    for (int i = 0; i < 10; i++) {
      tracker.recordDroppedRequest("pl-" + i);
    }
    clock.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 10; i++) {
      tracker.recordDroppedRequest("pl-" + i);
      assertThat(tracker.retryAfterSeconds("pl-" + i)).isEqualTo(1);
    }
    for (int i = 0; i < 5; i++) {
      tracker.recordDroppedRequest("pl-0");
    }
    clock.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 10; i++) {
      tracker.recordDroppedRequest("pl-" + i);
      assertThat(tracker.retryAfterSeconds("pl-" + i)).isEqualTo(i == 0 ? 2 : 1);
    }
    assertThat(tracker.retryAfterSeconds("other-pl")).isEqualTo(1);
  }

  @Test
  void itNeverExceedsThirtyTwoSeconds() {
    for (int s = 0; s < 200; s++) {
      for (int i = 0; i < 200; i++) {
        tracker.recordDroppedRequest("pl");
      }
      clock.advance(Duration.ofSeconds(1));
    }
    tracker.recordDroppedRequest("pl");
    assertThat(tracker.retryAfterSeconds("pl")).isEqualTo(32);
  }

  @Test
  void anUnreadyCachesRetryAfterGrowsWithItsDowntime() {
    // {downtime seconds, Retry-After}: TestCalculateRetryAfterForUnreadyCache.
    long[][] cases = {
      {0, 1}, {1, 1}, {3, 1}, {5, 1}, {7, 1}, {10, 1}, {14, 2}, {20, 3}, {30, 6}, {40, 11},
      {540, 30}
    };
    for (long[] c : cases) {
      assertThat(UnreadyCache.retryAfterSeconds(Duration.ofSeconds(c[0])))
          .as("after %d s", c[0])
          .isEqualTo(c[1]);
    }
    Status s = UnreadyCache.status(Duration.ofSeconds(40));
    assertThat(s.code()).isEqualTo(429);
    assertThat(s.headers()).containsEntry("Retry-After", "11");
  }
}
