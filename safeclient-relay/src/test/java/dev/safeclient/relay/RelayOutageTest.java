package dev.safeclient.relay;

import static dev.safeclient.relay.RelayInformersTest.PODS;
import static dev.safeclient.relay.RelayInformersTest.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.RawList;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay's health and what it serves when its API server is gone, and what it refuses. */
class RelayOutageTest {
  private KubeSim sim;
  private Relay relay;

  @AfterEach
  void tearDown() {
    if (relay != null) {
      relay.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void withTheApiServerDownTheRelayKeepsServingItsLastStateMarkedStale() throws Exception {
    sim = KubeSim.builder().clock(VirtualTimeSource.manual()).build();
    for (int i = 0; i < 3; i++) {
      sim.create(PODS, pod("ns", "p-" + i, "node-1", "web"));
    }
    VirtualTimeSource clock = VirtualTimeSource.manual();
    relay = RelayOverKubeSim.unauthenticated(sim.apiClient(), clock);
    await().atMost(Duration.ofSeconds(30)).until(() -> !relay.health().stale());
    String rv = Long.toString(relay.health().resources().get(0).resourceVersion());

    sim.outage(true);
    sim.dropWatches();

    await().atMost(Duration.ofSeconds(30)).until(() -> relay.health().stale());
    assertThat(relay.health().resources().get(0).staleReason()).isPresent();
    OkHttpClient http = new OkHttpClient();
    try (Response r =
        http.newCall(
                new Request.Builder().url(relay.url() + "/api/v1/pods?resourceVersion=0").build())
            .execute()) {
      assertThat(r.code()).isEqualTo(200);
      RawList list = RawList.read(new ByteArrayInputStream(r.body().bytes()));
      assertThat(list.items()).hasSize(3);
      assertThat(list.resourceVersion()).isEqualTo(rv);
    }
    sim.outage(false);
    // The feed reconnects through its backoff, on the relay's clock.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              clock.advance(Duration.ofSeconds(5));
              return !relay.health().stale();
            });
  }

  @Test
  void secretsAreRelayedOnlyWhenNamedAndPlainHttpOnlyForTests() {
    assertThatThrownBy(() -> RelayedResource.of("", "v1", "secrets", "Secret", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("explicitly");
    assertThat(RelayedResource.secrets().plural()).isEqualTo("secrets");
    SafeClient upstream =
        SafeClient.builder(new io.kubernetes.client.openapi.ApiClient())
            .userAgent("relay-test/1")
            .nodeName(null)
            .build();
    assertThatThrownBy(() -> Relay.builder(upstream).resource(RelayedResource.pods()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("plainHttpForTests");
  }
}
