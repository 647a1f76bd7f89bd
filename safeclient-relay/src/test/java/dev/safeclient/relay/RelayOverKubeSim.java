package dev.safeclient.relay;

import static org.awaitility.Awaitility.await;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.testing.KubeSim;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;

/**
 * A relay of pods over KubeSim as its API server, on plain HTTP. With authentication on, the relay
 * calls KubeSim as its own ServiceAccount, which may delegate TokenReviews and SubjectAccessReviews
 * and read pods, and accepts tokens bound to {@link #AUDIENCE}.
 */
final class RelayOverKubeSim {
  static final String AUDIENCE = "https://relay.safeclient.example";
  static final String RELAY_SA = "system:serviceaccount:relay:relay";
  static final String RELAY_SA_TOKEN = "tok-relay-sa-77";

  private RelayOverKubeSim() {}

  /** A 1.32 KubeSim that knows the relay's ServiceAccount; the test adds its callers. */
  static KubeSim.Builder sim() {
    return KubeSim.builder()
        .serverVersion("1.32")
        .user(RELAY_SA_TOKEN, RELAY_SA)
        .authDelegator(RELAY_SA)
        .allow(RELAY_SA, "get,list,watch", "pods");
  }

  /** The relay's pods relay over {@code sim}, on plain HTTP, not yet built. */
  static Relay.Builder relay(KubeSim sim, TimeSource clock) {
    ApiClient api = sim.apiClient();
    api.setHttpClient(
        api.getHttpClient()
            .newBuilder()
            .addInterceptor(
                chain ->
                    chain.proceed(
                        chain
                            .request()
                            .newBuilder()
                            .header("Authorization", "Bearer " + RELAY_SA_TOKEN)
                            .build()))
            .build());
    SafeClient upstream = SafeClient.builder(api).userAgent("relay/1").nodeName(null).build();
    return Relay.builder(upstream)
        .resource(RelayedResource.pods())
        .clock(clock)
        .audience(AUDIENCE)
        .plainHttpForTests(true);
  }

  /**
   * A relay that serves everyone, for tests of other things than its security, over {@code
   * upstream} (KubeSim's client, or one that reaches it another way); started and synced.
   */
  static Relay unauthenticated(ApiClient upstream, TimeSource clock) {
    return started(
        Relay.builder(SafeClient.builder(upstream).userAgent("relay/1").nodeName(null).build())
            .resource(RelayedResource.pods())
            .clock(clock)
            .plainHttpForTests(true)
            .unauthenticatedForTests(true));
  }

  /** Starts {@code relay} and waits for its caches to sync. */
  static Relay started(Relay.Builder relay) {
    Relay started = relay.build().start();
    await().atMost(Duration.ofSeconds(30)).until(() -> started.health().synced());
    return started;
  }
}
