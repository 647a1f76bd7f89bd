package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.pod;
import static dev.safeclient.informer.K8sJson.podList;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A server may answer a list in pages shorter than the limit asked for. The informer has no unpaged
 * fallback, so its never-ending guard must count the objects the pages hold, not assume every page
 * is full: with a page size of a million, two short pages are not a million objects.
 */
class ShortPagesTest {
  @Test
  void aListInShortPagesSyncsWhateverThePageSize() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    try (ScriptedApiServer api = new ScriptedApiServer(clock)) {
      ApiClient base = new ApiClient();
      base.setBasePath(api.url());
      SafeClient safe =
          SafeClient.builder(base)
              .userAgent("t/1")
              .clock(clock)
              .nodeName(null)
              .listPageSize(1_000_000)
              .build();
      SafeInformerFactory factory =
          new SafeInformerFactory(
              safe,
              clock,
              new Random(7),
              WatchStreamFormat.jsonLines(ClientInternals.of(safe).tolerantJson()));
      // The server pages (a smaller server-side cap, or an aggregated API): two pages.
      api.otherwise(
          r ->
              r.getUrl().queryParameter("watch") != null
                  ? api.hold("")
                  : r.getUrl().queryParameter("continue") == null
                      ? json(200, podList("12", "c1", pod("a", "uid-a", "9")))
                      : json(200, podList("12", null, pod("b", "uid-b", "10"))));
      SharedIndexInformer<V1Pod> informer =
          factory.sharedIndexInformerFor(
              V1Pod.class,
              V1PodList.class,
              "",
              "v1",
              "pods",
              0,
              InformerOptions.builder().namespace("default").startJitter(Duration.ZERO).build());
      factory.startAllRegisteredInformers();
      Await.until(
          "synced; requests: " + api.describe(), informer::hasSynced, Duration.ofSeconds(5));
      try {
        assertThat(informer.hasSynced()).as("requests: %s", api.describe()).isTrue();
        assertThat(informer.getIndexer().listKeys())
            .containsExactlyInAnyOrder("default/a", "default/b");
        var lists =
            api.all().stream()
                .filter(s -> s.param("watch") == null)
                .map(s -> s.param("continue"))
                .toList();
        assertThat(lists).as("requests: %s", api.describe()).containsExactly(null, "c1");
      } finally {
        factory.stopAllRegisteredInformers();
      }
    }
  }
}
