package dev.safeclient.relay;

import static dev.safeclient.relay.RelayInformersTest.PODS;
import static dev.safeclient.relay.RelayInformersTest.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.core.RelayRoute;
import dev.safeclient.core.SafeClient;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent's {@link SafeClient} with {@code relay(...)} against a real {@link Relay} (TLS,
 * authentication on, KubeSim upstream): its pod reads go through the relay with its relay-audience
 * token, its writes go to the API server with its API-server token.
 */
class RelayRoutedClientTest {
  static final String AUDIENCE = "https://relay.safeclient.example";
  static final String RELAY_SA = "system:serviceaccount:relay:relay";
  static final String AGENT = "system:serviceaccount:agents:agent";
  static final String AGENT_FOR_API = "tok-agent-api-4b1d";
  static final String AGENT_FOR_RELAY = "tok-agent-relay-9e2a";

  @TempDir Path dir;
  private KubeSim sim;
  private Relay relay;
  private SafeClient agent;

  @BeforeEach
  void start() throws Exception {
    sim =
        KubeSim.builder()
            .serverVersion("1.32")
            .namespaces("ns")
            .user("tok-relay-sa-77", RELAY_SA)
            .authDelegator(RELAY_SA)
            .allow(RELAY_SA, "get,list,watch", "pods")
            .user(AGENT_FOR_API, AGENT)
            .user(AGENT_FOR_RELAY, AGENT)
            .tokenAudiences(AGENT_FOR_RELAY, AUDIENCE)
            .allow(AGENT, "get,list,watch,create", "pods")
            .build();
    sim.create(PODS, pod("ns", "a", "node-1", "web"));
    sim.create(PODS, pod("ns", "b", "node-2", "web"));
    ApiClient relaysApi = sim.apiClient();
    relaysApi.setApiKeyPrefix("Bearer");
    relaysApi.setApiKey("tok-relay-sa-77");
    relay =
        Relay.builder(SafeClient.builder(relaysApi).userAgent("relay/1").nodeName(null).build())
            .resource(RelayedResource.pods())
            .audience(AUDIENCE)
            .tls(RelayTlsTest.tls("rsa-chain.crt"), RelayTlsTest.tls("rsa.key"))
            .build()
            .start();
    await().atMost(Duration.ofSeconds(30)).until(() -> relay.health().synced());

    Path token = dir.resolve("relay-token");
    Files.writeString(token, AGENT_FOR_RELAY + "\n");
    ApiClient agentsApi = sim.apiClient();
    agentsApi.setApiKeyPrefix("Bearer");
    agentsApi.setApiKey(AGENT_FOR_API);
    agent =
        SafeClient.builder(agentsApi)
            .userAgent("agent/1")
            .nodeName(null)
            .relay(
                RelayRoute.builder(relay.url())
                    .caFile(RelayTlsTest.tls("ca.crt"))
                    .tokenFile(token)
                    .resources("v1/pods")
                    .build())
            .build();
  }

  @AfterEach
  void stop() {
    agent.close();
    relay.close();
    sim.close();
  }

  @Test
  void podsAreListedThroughTheRelayWhileAWriteGoesToTheApiServer() throws Exception {
    CoreV1Api api = new CoreV1Api(agent.apiClient());
    long before = sim.requestLog().stream().mapToLong(RequestLogEntry::sequence).max().orElse(0);

    List<String> listed =
        api.listPodForAllNamespaces().execute().getItems().stream()
            .map(p -> p.getMetadata().getName())
            .toList();
    V1Pod read = api.readNamespacedPod("a", "ns").execute();
    api.createNamespacedPod(
            "ns",
            new V1Pod()
                .apiVersion("v1")
                .kind("Pod")
                .metadata(new V1ObjectMeta().name("c").namespace("ns"))
                .spec(new V1PodSpec().containers(List.of(new V1Container().name("c").image("i")))))
        .execute();

    assertThat(listed).containsExactlyInAnyOrder("a", "b");
    assertThat(read.getMetadata().getName()).isEqualTo("a");
    List<String> agentsAtTheApiServer =
        sim.requestLog().stream()
            .filter(e -> e.sequence() > before && AGENT.equals(e.identity()))
            .map(RequestLogEntry::requestLine)
            .toList();
    // The agent's only request to the API server is its write; the relay answered its reads,
    // authenticated with the relay-audience token (an API-server token would have been a 401).
    assertThat(agentsAtTheApiServer).hasSize(1);
    assertThat(agentsAtTheApiServer.get(0)).startsWith("POST /api/v1/namespaces/ns/pods");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                api.listPodForAllNamespaces().resourceVersion("0").execute().getItems().size()
                    == 3);
  }
}
