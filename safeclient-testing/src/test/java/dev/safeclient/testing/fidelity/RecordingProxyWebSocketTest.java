package dev.safeclient.testing.fidelity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.testing.KubeSim;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** fabric8's default watch (a WebSocket upgrade) passes the recording proxy and is recorded. */
class RecordingProxyWebSocketTest {
  @Test
  void aWebSocketWatchIsRelayedAndItsEventsRecordedOneALine() throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion("1.34").build();
        RecordingProxy proxy = new RecordingProxy(sim.url(), null, null);
        KubernetesClient fabric8 =
            new KubernetesClientBuilder()
                .withConfig(
                    new io.fabric8.kubernetes.client.ConfigBuilder()
                        .withMasterUrl(proxy.url())
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .withHttpClientFactory(new JdkHttpClientFactory())
                .build()) {
      proxy.step("watch", "fabric8", "over WebSocket");
      // A list first: the JDK client then sends its upgrade on the kept-alive connection.
      fabric8.configMaps().inNamespace("default").list();
      CompletableFuture<String> added = new CompletableFuture<>();
      Watch watch =
          fabric8
              .configMaps()
              .inNamespace("default")
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap cm) {
                      added.complete(action + " " + cm.getMetadata().getName());
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                      added.completeExceptionally(cause);
                    }
                  });
      // Through the proxy's HTTP path, on another connection.
      fabric8
          .configMaps()
          .inNamespace("default")
          .resource(new ConfigMapBuilder().withNewMetadata().withName("ws").endMetadata().build())
          .create();
      // Bounds a wait for an event KubeSim sends at once; never reached when the relay works.
      assertThat(added.get(20, TimeUnit.SECONDS)).isEqualTo("ADDED ws");
      watch.close();

      List<Exchange> upgrades =
          proxy.exchanges().stream().filter(e -> e.pathAndQuery.contains("watch=true")).toList();
      assertThat(upgrades).hasSize(1);
      assertThat(proxy.exchanges().stream().filter(e -> e.method.equals("GET")).count())
          .as("the list and the watch")
          .isEqualTo(2);
      Exchange upgrade = upgrades.get(0);
      assertThat(upgrade.status).isEqualTo(101);
      assertThat(upgrade.header("Upgrade")).isEqualToIgnoringCase("websocket");
      // fabric8 watches at RV "" with bookmarks: on 1.34 SetListOptionsDefaults makes that a
      // streaming list, whose (empty) initial events end with the annotated bookmark.
      assertThat(upgrade.body().lines().toList())
          .as("recorded messages: %s", upgrade.body().replace("\n", "\\n"))
          .satisfiesExactly(
              line ->
                  assertThat(line)
                      .contains("\"type\":\"BOOKMARK\"")
                      .contains("\"k8s.io/initial-events-end\":\"true\""),
              line -> assertThat(line).contains("\"type\":\"ADDED\"").contains("\"name\":\"ws\""));
      assertThat(
              proxy.exchanges().stream()
                  .filter(e -> e.method.equals("POST"))
                  .map(e -> e.status)
                  .toList())
          .containsExactly(201);
    }
  }
}
