package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RelistBackoffTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void doublesFrom800msToThe30sCapEachDelayJitteredIntoDTo2D() {
    RelistBackoff b = new RelistBackoff(new Random(1));
    double[] steps = {0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30, 30};
    long now = 0;
    for (double step : steps) {
      Duration d = b.next(now);
      assertThat(d.toNanos() / 1e9).isGreaterThanOrEqualTo(step).isLessThan(2 * step);
      now += d.toNanos();
    }
  }

  @Test
  void twoMinutesWithoutAFailureStartsOverAndLessDoesNot() {
    RelistBackoff b = new RelistBackoff(new Random(2));
    for (int i = 0; i < 8; i++) {
      b.next(0);
    }
    assertThat(b.next(119 * SECOND)).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
    Duration afterHealthySpell = b.next((119 + 120) * SECOND);
    assertThat(afterHealthySpell)
        .isGreaterThanOrEqualTo(RelistBackoff.INITIAL)
        .isLessThan(Duration.ofMillis(1600));
  }

  @Test
  void retryAfterWinsWhenLongerAndIsBounded() {
    RelistBackoff b = new RelistBackoff(new Random(3));
    assertThat(b.next(0, Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
    // The backoff step (now 1.6 s, jittered < 3.2 s) wins over a shorter Retry-After.
    assertThat(b.next(SECOND, Duration.ofSeconds(1)))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1600));
    assertThat(b.next(2 * SECOND, Duration.ofHours(3))).isEqualTo(RelistBackoff.MAX_RETRY_AFTER);
  }
}
