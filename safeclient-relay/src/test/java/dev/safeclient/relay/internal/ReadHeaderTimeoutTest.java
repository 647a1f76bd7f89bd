package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The relay's header timeout is the apiserver's. RelayAuthTest cuts a slow client off at a shorter
 * one: Jetty times connections on the wall clock, and 32 s would be waited out in real time.
 */
class ReadHeaderTimeoutTest {
  @Test
  void isTheApiserversReadHeaderTimeout() {
    assertThat(RelayServer.READ_HEADER_TIMEOUT).isEqualTo(Duration.ofSeconds(32));
  }
}
