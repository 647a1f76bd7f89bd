package dev.safeclient.core.internal.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.RequestClassifier;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

class PollingListRuleTest {
  final AtomicLong now = new AtomicLong();
  final PollingListRule rule = new PollingListRule(now::get);

  private static KubeRequest list(String pathAndQuery) {
    return new RequestClassifier("http://h")
        .classify(new Request.Builder().url("http://h" + pathAndQuery).build(), CallOrigin.USER);
  }

  private String listEvery(Duration period, String pathAndQuery) {
    now.addAndGet(period.toNanos());
    return rule.check(list(pathAndQuery), SafetyMode.ENFORCE);
  }

  @Test
  void fiveIdenticalListsWithinTenMinutesArePolling() {
    for (int i = 0; i < PollingListRule.THRESHOLD - 1; i++) {
      assertThat(listEvery(Duration.ofMinutes(2), "/api/v1/pods?resourceVersion=0")).isNull();
    }
    assertThat(listEvery(Duration.ofMinutes(2), "/api/v1/pods?resourceVersion=0"))
        .contains("polling");
    // And it keeps firing while the pace holds.
    assertThat(listEvery(Duration.ofMinutes(2), "/api/v1/pods?resourceVersion=0")).isNotNull();
  }

  @Test
  void aSlowerPaceOrAnotherLineIsNotPolling() {
    for (int i = 0; i < 20; i++) {
      assertThat(listEvery(Duration.ofMinutes(3), "/api/v1/nodes?resourceVersion=0")).isNull();
    }
    for (int i = 0; i < 20; i++) {
      assertThat(listEvery(Duration.ZERO, "/api/v1/namespaces/ns-" + i + "/pods")).isNull();
    }
  }

  @Test
  void watchesAndGetsAreNotCounted() {
    for (int i = 0; i < 10; i++) {
      assertThat(rule.check(list("/api/v1/pods?watch=true"), SafetyMode.ENFORCE)).isNull();
      assertThat(rule.check(list("/api/v1/namespaces/a/pods/p"), SafetyMode.ENFORCE)).isNull();
    }
  }
}
