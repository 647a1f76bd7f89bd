package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a real server answers for a written object is what it stored, decoded back and written by
 * Go's encoding/json (etcd3 store.go Create and GuaranteedUpdate decode the bytes they wrote):
 * empty lists and maps of {@code omitempty} fields are left out. And only the kinds whose registry
 * strategy sets it have a {@code metadata.generation} (pkg/registry/.../strategy.go
 * PrepareForCreate); pods have one from 1.33. Each answer below is the one kube-apiserver 1.30.14
 * and 1.34.2 give (kubesim-fidelity.md's create, update and delete areas replay them).
 */
class StoredFormTest {
  @Test
  void emptyCollectionsClientJavaSendsAreLeftOutAndConfigMapsHaveNoGeneration() throws Exception {
    try (SimClients c = new SimClients()) {
      c.wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
      Wire.Reply r =
          c.wire.post(
              "/api/v1/namespaces/ns1/configmaps",
              "{\"metadata\":{\"name\":\"cm\",\"annotations\":{},\"finalizers\":[],"
                  + "\"ownerReferences\":[],\"labels\":{\"a\":\"b\"}},\"binaryData\":{},"
                  + "\"data\":{\"k\":\"v\"},\"immutable\":false}");
      assertThat(r.code).isEqualTo(201);
      JsonObject meta = r.json().getAsJsonObject("metadata");
      assertThat(meta.keySet())
          .doesNotContain("annotations", "finalizers", "ownerReferences", "generation")
          .contains("labels");
      assertThat(r.json().keySet()).doesNotContain("binaryData").contains("data", "immutable");

      // client-java 27 writes its empty collections on every update: a no-op for the server.
      CoreV1Api api = new CoreV1Api(c.clientJava);
      V1ConfigMap read = api.readNamespacedConfigMap("cm", "ns1").execute();
      read.setMetadata(
          read.getMetadata()
              .annotations(new HashMap<>())
              .finalizers(new ArrayList<>())
              .ownerReferences(new ArrayList<>()));
      V1ConfigMap same = api.replaceNamespacedConfigMap("cm", "ns1", read).execute();
      assertThat(same.getMetadata().getResourceVersion())
          .isEqualTo(read.getMetadata().getResourceVersion());
      assertThat(same.getMetadata().getGeneration()).isNull();
    }
  }

  @Test
  void aGenerationSentForAKindWithoutOneIsKeptAsSent() throws Exception {
    try (SimClients c = new SimClients()) {
      c.wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
      V1ConfigMap cm =
          new CoreV1Api(c.clientJava)
              .createNamespacedConfigMap(
                  "ns1",
                  new V1ConfigMap()
                      .metadata(new V1ObjectMeta().name("cm").generation(5L))
                      .data(Map.of("k", "v")))
              .execute();
      // rest.BeforeCreate leaves generation alone; configMapStrategy does not set it.
      assertThat(cm.getMetadata().getGeneration()).isEqualTo(5L);
    }
  }

  @Test
  void deploymentsHaveAGenerationThatSpecChangesAndMarkingDeletionBump() throws Exception {
    try (SimClients c = new SimClients()) {
      c.wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
      String path = "/apis/apps/v1/namespaces/ns1/deployments";
      Wire.Reply d =
          c.wire.post(
              path,
              "{\"metadata\":{\"name\":\"d\",\"finalizers\":[\"x/y\"]},\"spec\":{\"replicas\":1,"
                  + "\"selector\":{\"matchLabels\":{\"app\":\"w\"}},\"template\":{\"metadata\":"
                  + "{\"labels\":{\"app\":\"w\"}},\"spec\":{\"containers\":[{\"name\":\"a\","
                  + "\"image\":\"a:1\"}]}}}}");
      assertThat(generation(d)).isEqualTo(1);
      Wire.Reply labels =
          c.wire.mergePatch(path + "/d", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
      assertThat(generation(labels)).isEqualTo(1);
      Wire.Reply spec = c.wire.mergePatch(path + "/d", "{\"spec\":{\"replicas\":2}}");
      assertThat(generation(spec)).isEqualTo(2);
      // store.go updateForGracefulDeletionAndFinalizers: marking it deleted bumps it too.
      Wire.Reply deleted = c.wire.delete(path + "/d");
      assertThat(deleted.code).isEqualTo(200);
      assertThat(generation(deleted)).isEqualTo(3);
    }
  }

  @Test
  void podsHaveAGenerationFrom133() throws Exception {
    for (String version : new String[] {"1.30", "1.34"}) {
      try (KubeSim sim = KubeSim.builder().serverVersion(version).build()) {
        Wire wire = new Wire(sim);
        wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
        Wire.Reply p =
            wire.post(
                "/api/v1/namespaces/ns1/pods",
                "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\","
                    + "\"image\":\"a:1\"}]}}");
        assertThat(p.json().getAsJsonObject("metadata").has("generation"))
            .as(version)
            .isEqualTo(version.equals("1.34"));
      }
    }
  }

  @Test
  void aCustomResourceHasAGenerationAndItsMetadataIsStoredAsObjectMeta() throws Exception {
    ResourceType widgets = ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
    try (KubeSim sim = KubeSim.builder().register(widgets).build()) {
      Wire wire = new Wire(sim);
      wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
      String path = "/apis/example.com/v1/namespaces/ns1/widgets";
      Wire.Reply w =
          wire.post(
              path,
              "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\","
                  + "\"annotations\":{}},\"spec\":{\"list\":[],\"map\":{}}}");
      assertThat(w.code).isEqualTo(201);
      assertThat(generation(w)).isEqualTo(1);
      assertThat(w.json().getAsJsonObject("metadata").has("annotations")).isFalse();
      // The rest of a custom resource is stored as sent.
      assertThat(w.json().getAsJsonObject("spec").toString()).isEqualTo("{\"list\":[],\"map\":{}}");
      Wire.Reply changed = wire.mergePatch(path + "/w", "{\"spec\":{\"size\":1}}");
      assertThat(generation(changed)).isEqualTo(2);
    }
  }

  /**
   * Go writes a zero struct as {@code {}} whatever its tag ({@code omitempty} does not apply to
   * structs), a zero metav1.Time as {@code null} (left out from 1.34, where creationTimestamp is
   * {@code omitzero}), and a scalar without {@code omitempty} as its zero: kube-apiserver 1.30.14
   * answers a Deployment create with {@code status: {}}, a container's {@code resources: {}} and
   * the template's {@code creationTimestamp: null}; a ReplicaSet with {@code status.replicas: 0}.
   */
  @Test
  void zeroValuesAreWrittenAsGoWritesThem() throws Exception {
    String deployment =
        "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":"
            + "{\"app\":\"w\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"w\"}},"
            + "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}}}";
    for (String version : new String[] {"1.30", "1.34"}) {
      try (KubeSim sim = KubeSim.builder().serverVersion(version).build()) {
        Wire wire = new Wire(sim);
        wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
        JsonObject d = wire.post("/apis/apps/v1/namespaces/ns1/deployments", deployment).json();
        assertThat(d.get("status").toString()).as(version).isEqualTo("{}");
        JsonObject template = d.getAsJsonObject("spec").getAsJsonObject("template");
        assertThat(template.getAsJsonObject("metadata").has("creationTimestamp"))
            .as(version)
            .isEqualTo(version.equals("1.30"));
        assertThat(
                template
                    .getAsJsonObject("spec")
                    .getAsJsonArray("containers")
                    .get(0)
                    .getAsJsonObject()
                    .get("resources")
                    .toString())
            .isEqualTo("{}");
        JsonObject rs =
            wire.post(
                    "/apis/apps/v1/namespaces/ns1/replicasets",
                    deployment.replace("\"name\":\"d\"", "\"name\":\"r\""))
                .json();
        assertThat(rs.get("status").toString()).isEqualTo("{\"replicas\":0}");
      }
    }
  }

  private static long generation(Wire.Reply r) {
    return r.json().getAsJsonObject("metadata").get("generation").getAsLong();
  }
}
