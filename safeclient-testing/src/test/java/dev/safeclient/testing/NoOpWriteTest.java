package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A write that changes nothing is not written: the etcd3 store's {@code GuaranteedUpdate}
 * (k8s.io/apiserver pkg/storage/etcd3/store.go) compares the new encoding with the stored bytes
 * and, when equal, skips the transaction: the same resourceVersion, no watch event. The request
 * still pays its APF seats and re-reads the object from etcd.
 */
class NoOpWriteTest {
  KubeSim sim;
  Wire wire;
  KubernetesClient fabric8;

  @BeforeEach
  void start() {
    sim = KubeSim.builder().namespaces("ns1").build();
    wire = new Wire(sim);
    fabric8 =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(sim.url())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
  }

  @AfterEach
  void stop() {
    fabric8.close();
    sim.close();
  }

  @Test
  void aNoOpPatchOrUpdateKeepsTheResourceVersionAndEmitsNoEvent() throws Exception {
    ConfigMap created =
        fabric8
            .configMaps()
            .inNamespace("ns1")
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("a")
                    .endMetadata()
                    .addToData("k", "1")
                    .build())
            .create();
    String rv = created.getMetadata().getResourceVersion();
    try (Response w =
        wire.openWatch("/api/v1/namespaces/ns1/configmaps?watch=1&resourceVersion=" + rv)) {
      Wire.Reply patched =
          wire.mergePatch("/api/v1/namespaces/ns1/configmaps/a", "{\"data\":{\"k\":\"1\"}}");
      assertThat(patched.code).isEqualTo(200);
      assertThat(patched.json().getAsJsonObject("metadata").get("resourceVersion").getAsString())
          .isEqualTo(rv);
      ConfigMap updated = fabric8.configMaps().inNamespace("ns1").resource(created).update();
      assertThat(updated.getMetadata().getResourceVersion()).isEqualTo(rv);
      long seats = sim.requestLog().get(sim.requestLog().size() - 1).seats();
      assertThat(seats).isGreaterThanOrEqualTo(1);
      assertThat(sim.requestLog().get(sim.requestLog().size() - 1).storageObjectsRead())
          .isEqualTo(1);

      // The first event the watcher sees is the first real change.
      wire.mergePatch("/api/v1/namespaces/ns1/configmaps/a", "{\"data\":{\"k\":\"2\"}}");
      JsonObject ev = WatchTest.next(w.body().source());
      assertThat(WatchTest.type(ev)).isEqualTo("MODIFIED");
      assertThat(ev.getAsJsonObject("object").getAsJsonObject("data").get("k").getAsString())
          .isEqualTo("2");
      assertThat(WatchTest.rv(ev)).isGreaterThan(Long.parseLong(rv));
    }
  }
}
