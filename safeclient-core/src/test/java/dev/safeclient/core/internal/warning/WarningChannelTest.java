package dev.safeclient.core.internal.warning;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.metrics.SafeClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WarningChannelTest {
  final AtomicLong now = new AtomicLong(1_000);
  final Ticker ticker = now::get;
  final List<SafetyWarning> seen = new ArrayList<>();
  final AtomicInteger counted = new AtomicInteger();
  final SafeClientMetrics metrics =
      new SafeClientMetrics() {
        @Override
        public void warning(String ruleId) {
          counted.incrementAndGet();
        }
      };
  final WarningChannel channel =
      new WarningChannel(seen::add, metrics, Duration.ofMinutes(1), ticker);

  private void warnFromOneSite() {
    channel.warn("SC101", "m", "GET /api/v1/pods");
  }

  @Test
  void oneWarningPerRuleAndCallSitePerIntervalThenTheSuppressedCount() {
    for (int i = 0; i < 100; i++) {
      warnFromOneSite();
    }
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).suppressedSinceLast()).isZero();
    assertThat(counted.get()).isEqualTo(100);

    now.addAndGet(Duration.ofSeconds(59).toNanos());
    warnFromOneSite();
    assertThat(seen).hasSize(1);

    now.addAndGet(Duration.ofSeconds(1).toNanos());
    warnFromOneSite();
    assertThat(seen).hasSize(2);
    assertThat(seen.get(1).suppressedSinceLast()).isEqualTo(100);
  }

  @Test
  void anotherRuleOrAnotherCallSiteHasItsOwnWindow() {
    warnFromOneSite();
    warnFromOneSite();
    channel.warn("SC101", "m", "GET /api/v1/pods"); // another line: another call site
    channel.warn("SC109", "m", "GET /api/v1/pods");

    assertThat(seen).extracting(SafetyWarning::ruleId).containsExactly("SC101", "SC101", "SC109");
    assertThat(seen.get(0).callSite()).isNotEqualTo(seen.get(1).callSite());
  }

  @Test
  void theCallSiteIsTheCallersFrame() {
    channel.warn("SC105", "m", "GET /api/v1/pods?watch=true");

    assertThat(seen.get(0).callSite())
        .startsWith(WarningChannelTest.class.getName() + ".theCallSiteIsTheCallersFrame(")
        .contains("WarningChannelTest.java:");
  }

  @Test
  void aThrowingListenerDoesNotFailTheCall() {
    WarningChannel throwing =
        new WarningChannel(
            w -> {
              throw new IllegalStateException("listener bug");
            },
            metrics,
            Duration.ZERO,
            ticker);

    throwing.warn("SC101", "m", "GET /api/v1/pods");

    assertThat(counted.get()).isEqualTo(1);
  }
}
