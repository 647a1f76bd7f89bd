package dev.safeclient.core.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What {@link ResourceActivity} keeps per scope and per identity is bounded in count and in time,
 * on the client's own clock: a process listing namespace after namespace, or whose token rotates
 * every hour, does not grow it for good.
 */
class ResourceActivityBoundsTest {
  private final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  private final ResourceActivity activity = new ResourceActivity(clock);

  @Test
  void listAnswersAreKeptForAtMostTheBoundOfScopes() {
    for (int i = 0; i < ResourceActivity.MAX_SCOPES + 5_000; i++) {
      activity.listed("pods", "/api/v1/namespaces/ns-" + i + "/pods?&", 10, new long[] {10});
    }

    assertThat(activity.keptScopes()).isLessThanOrEqualTo(ResourceActivity.MAX_SCOPES);
  }

  @Test
  void listAnswersExpireAnHourAfterTheyCame() {
    activity.listed("pods", "/api/v1/pods?&", 10, new long[] {10});
    clock.advance(ResourceActivity.SCOPE_MEMORY.minusSeconds(1));
    assertThat(activity.keptScopes()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(2));
    assertThat(activity.keptScopes()).isZero();
  }

  @Test
  void aRateIsStillMeasuredBetweenAnswersWithinTheMemory() {
    activity.listed("pods", "/api/v1/pods?&", 100, new long[] {100});
    clock.advance(Duration.ofMinutes(1));
    long[] busy = new long[40];
    for (int i = 0; i < busy.length; i++) {
      busy[i] = 101 + i;
    }

    activity.listed("pods", "/api/v1/pods?&", 140, busy);

    assertThat(activity.busy("pods")).isTrue();
  }

  @Test
  void aRefusedIdentityIsRememberedWhileItListsAndForgottenAnHourUnused() {
    activity.probeForbidden("token-a", "pods");
    for (int i = 0; i < 3; i++) {
      clock.advance(Duration.ofMinutes(50));
      assertThat(activity.probeForbiddenFor("token-a", "pods")).isTrue();
    }
    assertThat(activity.probeForbiddenFor("token-b", "pods")).isFalse();

    clock.advance(ResourceActivity.SCOPE_MEMORY.plusSeconds(1));
    assertThat(activity.keptForbidden()).isZero();
    assertThat(activity.probeForbiddenFor("token-a", "pods")).isFalse();
  }

  @Test
  void refusedIdentitiesAreKeptForAtMostTheirBound() {
    for (int i = 0; i < ResourceActivity.MAX_FORBIDDEN + 1_000; i++) {
      activity.probeForbidden("token-" + i, "pods");
    }

    assertThat(activity.keptForbidden()).isLessThanOrEqualTo(ResourceActivity.MAX_FORBIDDEN);
  }
}
