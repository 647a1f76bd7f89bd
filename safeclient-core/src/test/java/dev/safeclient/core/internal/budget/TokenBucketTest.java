package dev.safeclient.core.internal.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();

  @Test
  void oneRequestNeverTakesMoreThanAFullBucket() throws Exception {
    TokenBucket seats = new TokenBucket("list-cost", 5, 20, clock);

    // An estimate far above the capacity is admitted from a full bucket and leaves no debt.
    assertThat(seats.acquire(3_000, 0)).isZero();
    assertThat(seats.available()).isZero();

    // The next one-seat request waits for one seat (0.2 s), not for 2,980 seats (10 min).
    long waited = seats.acquire(1, Duration.ofSeconds(30).toNanos());
    assertThat(Duration.ofNanos(waited)).isBetween(Duration.ofMillis(200), Duration.ofMillis(220));
  }

  @RepeatedTest(20)
  void aWaitIsJitteredWithinItsLimit() throws Exception {
    TokenBucket qps = new TokenBucket("qps", 1, 1, clock);
    qps.acquire(1, 0);

    long waited = qps.acquire(1, Duration.ofMillis(1_050).toNanos());

    // 1 s owed, up to 10 % jitter, but never past the caller's limit.
    assertThat(Duration.ofNanos(waited)).isBetween(Duration.ofSeconds(1), Duration.ofMillis(1_050));
  }

  @Test
  void aWaitLongerThanTheLimitTakesNothing() throws Exception {
    TokenBucket qps = new TokenBucket("qps", 1, 1, clock);
    qps.acquire(1, 0);

    assertThat(qps.acquire(1, Duration.ofMillis(999).toNanos())).isEqualTo(-1);
    assertThat(qps.acquire(1, 0)).isEqualTo(-1);
    clock.advance(Duration.ofSeconds(1));
    assertThat(qps.acquire(1, 0)).isZero();
  }
}
