package dev.safeclient.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonParser;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fabric8 informer, whose watches ask to upgrade to a WebSocket, syncs through the relay from
 * KubeSim: the relay serves its watch over a WebSocket, as the apiserver's HandleWS does, and the
 * informer sees the same per-object events, with the same objects, as a fabric8 informer reading
 * the API server directly.
 */
class RelayFabric8Test {
  static final ResourceType PODS = RelayInformersTest.PODS;

  private KubeSim sim;
  private Relay relay;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    if (relay != null) {
      relay.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  /** Records a handler's events as {@link PodEvents}. */
  static final class Recorder extends PodEvents implements ResourceEventHandler<Pod> {
    @Override
    public void onAdd(Pod p) {
      added(p.getMetadata().getName(), p.getMetadata().getResourceVersion());
    }

    @Override
    public void onUpdate(Pod old, Pod now) {
      updated(
          now.getMetadata().getName(),
          old.getMetadata().getResourceVersion(),
          now.getMetadata().getResourceVersion());
    }

    @Override
    public void onDelete(Pod p, boolean unknownFinalState) {
      deleted(p.getMetadata().getName(), p.getMetadata().getResourceVersion());
    }
  }

  private SharedIndexInformer<Pod> informer(String url, Recorder r) {
    Config config = new ConfigBuilder().withMasterUrl(url).withOnlyHttpWatches(false).build();
    KubernetesClient c =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
    closing.add(c);
    SharedIndexInformer<Pod> inf = c.pods().inAnyNamespace().inform(r, 0);
    closing.add(inf::close);
    return inf;
  }

  @Test
  void aFabric8InformerWatchesThroughTheRelayOverAWebSocket() throws Exception {
    sim = KubeSim.builder().clock(VirtualTimeSource.manual()).build();
    for (int i = 0; i < 4; i++) {
      sim.create(PODS, RelayInformersTest.pod("ns-" + (i % 2), "p-" + i, "node-1", "web"));
    }
    relay = RelayOverKubeSim.unauthenticated(sim.apiClient(), VirtualTimeSource.manual());

    Recorder direct = new Recorder();
    Recorder viaRelay = new Recorder();
    SharedIndexInformer<Pod> d = informer(sim.url(), direct);
    SharedIndexInformer<Pod> r = informer(relay.url().toString(), viaRelay);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                d.hasSynced()
                    && r.hasSynced()
                    && relay.health().resources().get(0).watchers() == 1);
    assertThat(r.getStore().list()).hasSize(4);

    sim.create(PODS, RelayInformersTest.pod("ns-0", "p-new", "node-1", "web"));
    sim.update(PODS, "ns-0", "p-0", json -> json.replace("\"app\":\"web\"", "\"app\":\"db\""));
    new CoreV1Api(sim.apiClient())
        .deleteNamespacedPod("p-1", "ns-1")
        .body(new V1DeleteOptions().gracePeriodSeconds(0L))
        .execute();
    sim.update(PODS, "ns-0", "p-new", json -> json.replace("\"app\":\"web\"", "\"app\":\"x\""));

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              // Every change reached the direct informer, and the relay's saw the same.
              assertThat(direct.snapshot().get("p-new")).hasSize(2);
              assertThat(direct.snapshot().get("p-0")).hasSize(2);
              assertThat(direct.snapshot().get("p-1")).last().asString().startsWith("DELETED");
              assertThat(viaRelay.snapshot()).isEqualTo(direct.snapshot());
            });
    // The objects are equal, field for field, to the ones read directly.
    for (Pod p : d.getStore().list()) {
      assertThat(r.getStore().get(p)).isEqualTo(p);
    }
    // The relay serves a watch that asks to upgrade over a WebSocket: 101, one text message per
    // event, as the apiserver's HandleWS.
    BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    HttpClient ws = HttpClient.newHttpClient();
    WebSocket socket =
        ws.newWebSocketBuilder()
            // x/net/websocket's checkOrigin refuses a handshake without one (the JDK sends none).
            .header("Origin", "http://localhost")
            .buildAsync(
                URI.create(
                    relay.url().toString().replace("http://", "ws://")
                        + "/api/v1/namespaces/ns-0/pods?watch=true&resourceVersion=0"),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(
                      WebSocket webSocket, CharSequence data, boolean last) {
                    messages.add(data.toString());
                    webSocket.request(1);
                    return null;
                  }
                })
            .get(30, TimeUnit.SECONDS);
    try {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String m = messages.poll(30, TimeUnit.SECONDS);
        assertThat(m).startsWith("{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\"");
        names.add(
            JsonParser.parseString(m)
                .getAsJsonObject()
                .getAsJsonObject("object")
                .getAsJsonObject("metadata")
                .get("name")
                .getAsString());
      }
      assertThat(names).containsExactlyInAnyOrder("p-0", "p-2", "p-new");
    } finally {
      socket.abort();
    }
  }
}
