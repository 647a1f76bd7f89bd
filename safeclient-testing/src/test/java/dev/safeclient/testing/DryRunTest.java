package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code dryRun=All}: the registry store runs defaulting, validation and admission, answers as if
 * done, and skips the storage write (k8s.io/apiserver pkg/registry/generic/registry/store.go,
 * {@code dryrun.IsDryRun}): no new resourceVersion, no watch event. APF charges it as the write.
 */
class DryRunTest {
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

  private static ConfigMap cm(String name, String v) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns1")
        .endMetadata()
        .addToData("k", v)
        .build();
  }

  @Test
  void fabric8DryRunCreateStoresNothing() {
    long rv = sim.resourceVersion();
    ConfigMap answered =
        fabric8.configMaps().inNamespace("ns1").resource(cm("a", "1")).dryRun().create();
    assertThat(answered.getMetadata().getName()).isEqualTo("a");
    assertThat(answered.getMetadata().getUid()).isNotEmpty();
    assertThat(answered.getMetadata().getResourceVersion()).isNull();
    assertThat(sim.resourceVersion()).isEqualTo(rv);
    assertThat(sim.count(ResourceType.BUILT_IN.get("v1/configmaps"))).isZero();
    assertThat(sim.requestLog().get(sim.requestLog().size() - 1).requestLine())
        .contains("dryRun=All");
  }

  @Test
  void dryRunUpdateAndDeleteChangeNothing() throws Exception {
    CoreV1Api core = new CoreV1Api(sim.apiClient());
    V1ConfigMap stored =
        core.createNamespacedConfigMap(
                "ns1",
                new V1ConfigMap().metadata(new V1ObjectMeta().name("b")).data(Map.of("k", "1")))
            .execute();
    long rv = sim.resourceVersion();
    stored.setData(Map.of("k", "2"));
    V1ConfigMap answered =
        core.replaceNamespacedConfigMap("b", "ns1", stored).dryRun("All").execute();
    assertThat(answered.getData()).containsEntry("k", "2");
    assertThat(answered.getMetadata().getResourceVersion()).isEqualTo(Long.toString(rv));
    assertThat(core.readNamespacedConfigMap("b", "ns1").execute().getData())
        .containsEntry("k", "1");

    Wire.Reply deleted = wire.delete("/api/v1/namespaces/ns1/configmaps/b?dryRun=All");
    assertThat(deleted.code).isEqualTo(200);
    assertThat(core.readNamespacedConfigMap("b", "ns1").execute().getMetadata().getName())
        .isEqualTo("b");
    assertThat(sim.resourceVersion()).isEqualTo(rv);
  }

  // A dry run is still validated: a create of an existing object conflicts, a bad value is 422.
  @Test
  void dryRunIsValidated() throws Exception {
    sim.create("v1", "configmaps", "{\"metadata\":{\"name\":\"c\",\"namespace\":\"ns1\"}}");
    assertThat(
            wire.post(
                    "/api/v1/namespaces/ns1/configmaps?dryRun=All",
                    "{\"metadata\":{\"name\":\"c\"}}")
                .code)
        .isEqualTo(409);
    Wire.Reply bad =
        wire.post(
            "/api/v1/namespaces/ns1/configmaps?dryRun=Yes", "{\"metadata\":{\"name\":\"d\"}}");
    assertThat(bad.code).isEqualTo(422);
    assertThat(bad.json().getAsJsonObject("details").get("kind").getAsString())
        .isEqualTo("CreateOptions");
    assertThat(sim.count(ResourceType.BUILT_IN.get("v1/configmaps"))).isEqualTo(1);
  }

  // No event reaches a watcher: the first event it sees is the real write after the dry run.
  @Test
  void dryRunEmitsNoWatchEvent() throws Exception {
    long rv = sim.resourceVersion();
    try (okhttp3.Response w =
        wire.openWatch("/api/v1/namespaces/ns1/configmaps?watch=1&resourceVersion=" + rv)) {
      wire.post(
          "/api/v1/namespaces/ns1/configmaps?dryRun=All", "{\"metadata\":{\"name\":\"dry\"}}");
      wire.post("/api/v1/namespaces/ns1/configmaps", "{\"metadata\":{\"name\":\"real\"}}");
      com.google.gson.JsonObject ev = WatchTest.next(w.body().source());
      assertThat(WatchTest.name(ev)).isEqualTo("real");
    }
  }

  // APF estimates a dry-run write like the write: it is charged seats all the same.
  @Test
  void dryRunIsChargedAsAWrite() throws Exception {
    wire.post("/api/v1/namespaces/ns1/configmaps?dryRun=All", "{\"metadata\":{\"name\":\"e\"}}");
    RequestLogEntry e = sim.requestLog().get(sim.requestLog().size() - 1);
    assertThat(e.seats()).isGreaterThanOrEqualTo(1);
    assertThat(e.servedFrom()).isEqualTo("etcd");
  }
}
