package dev.safeclient.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RealApiserverGoDurationTest {
  @Test
  void readsTheDurationsGoPrints() {
    assertThat(RealApiserver.goDuration("10m0s")).isEqualTo(Duration.ofMinutes(10));
    assertThat(RealApiserver.goDuration("1h2m3s")).isEqualTo(Duration.ofSeconds(3723));
    assertThat(RealApiserver.goDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(RealApiserver.goDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(RealApiserver.goDuration("0s")).isEqualTo(Duration.ZERO);
  }

  @Test
  void rejectsWhatGoWouldNotPrint() {
    assertThatThrownBy(() -> RealApiserver.goDuration("10 minutes"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RealApiserver.goDuration(""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
