package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DELETE answers as handlers/delete.go and the registries give them, and the namespace lifecycle
 * (NamespaceLifecycle admission, the namespace registry's deferred delete, the namespace
 * controller).
 */
class DeletesAndNamespacesTest {
  SimClients k;

  @AfterEach
  void stop() {
    if (k != null) {
      k.close();
    }
  }

  @Test
  void aDeleteAtOnceAnswers200WithTheObjectOrASuccessStatus() throws Exception {
    k = new SimClients(KubeSim.builder().namespaces("ns1").build());
    k.wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "p", null, null));
    k.wire.post("/api/v1/namespaces/ns1/configmaps", "{\"metadata\":{\"name\":\"c\"}}");
    k.wire.post(
        "/apis/apps/v1/namespaces/ns1/deployments",
        "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
            + "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":"
            + "[{\"name\":\"c\",\"image\":\"x\"}]}}}}");
    // Pods' registry has ReturnDeletedObject: the deleted pod comes back.
    Wire.Reply pod = k.wire.delete("/api/v1/namespaces/ns1/pods/p");
    assertThat(pod.code).isEqualTo(200);
    assertThat(pod.json().get("kind").getAsString()).isEqualTo("Pod");
    // Others answer finalizeDelete's Status: Success, details with the resource as "kind".
    Wire.Reply cm = k.wire.delete("/api/v1/namespaces/ns1/configmaps/c");
    assertThat(cm.code).isEqualTo(200);
    JsonObject s = cm.json();
    assertThat(s.get("kind").getAsString()).isEqualTo("Status");
    assertThat(s.get("status").getAsString()).isEqualTo("Success");
    assertThat(s.has("code")).isFalse();
    assertThat(s.getAsJsonObject("details").get("kind").getAsString()).isEqualTo("configmaps");
    assertThat(s.getAsJsonObject("details").get("name").getAsString()).isEqualTo("c");
    assertThat(s.getAsJsonObject("details").get("uid").getAsString()).isNotEmpty();
    // fabric8 reads the Status into its StatusDetails.
    List<StatusDetails> gone =
        k.fabric8.apps().deployments().inNamespace("ns1").withName("d").delete();
    assertThat(gone)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getKind()).isEqualTo("deployments");
              assertThat(d.getGroup()).isEqualTo("apps");
            });
    // orphanDependents=false on a delete done at once changes nothing: still 200.
    k.wire.post("/api/v1/namespaces/ns1/configmaps", "{\"metadata\":{\"name\":\"c2\"}}");
    assertThat(
            k.wire.delete("/api/v1/namespaces/ns1/configmaps/c2", "{\"orphanDependents\":false}")
                .code)
        .isEqualTo(200);
  }

  @Test
  void aDeferredDeleteIs202OnlyWithOrphanDependentsFalse() throws Exception {
    k = new SimClients(KubeSim.builder().namespaces("ns1").build());
    k.wire.post(
        "/api/v1/namespaces/ns1/configmaps",
        "{\"metadata\":{\"name\":\"a\",\"finalizers\":[\"x/y\"]}}");
    k.wire.post(
        "/api/v1/namespaces/ns1/configmaps",
        "{\"metadata\":{\"name\":\"b\",\"finalizers\":[\"x/y\"]}}");
    Wire.Reply plain = k.wire.delete("/api/v1/namespaces/ns1/configmaps/a");
    assertThat(plain.code).isEqualTo(200);
    assertThat(plain.json().getAsJsonObject("metadata").has("deletionTimestamp")).isTrue();
    Wire.Reply orphanFalse =
        k.wire.delete("/api/v1/namespaces/ns1/configmaps/b", "{\"orphanDependents\":false}");
    assertThat(orphanFalse.code).isEqualTo(202);
    assertThat(orphanFalse.json().get("kind").getAsString()).isEqualTo("ConfigMap");
    // The same through the query parameter.
    assertThat(k.wire.delete("/api/v1/namespaces/ns1/configmaps/a?orphanDependents=false").code)
        .isEqualTo(202);
  }

  @Test
  void aCreateInAMissingNamespaceIs404() throws Exception {
    k = new SimClients();
    // A fresh control plane has default (the kubernetes service controller) and the system
    // namespaces controller's kube-system, kube-public and kube-node-lease.
    assertThat(k.wire.get("/api/v1/namespaces").names())
        .containsExactlyInAnyOrder("default", "kube-system", "kube-public", "kube-node-lease");
    KubernetesClientException e =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                k.fabric8
                    .configMaps()
                    .inNamespace("nowhere")
                    .resource(
                        new ConfigMapBuilder()
                            .withNewMetadata()
                            .withName("c")
                            .endMetadata()
                            .build())
                    .create());
    assertThat(e.getCode()).isEqualTo(404);
    assertThat(e.getStatus().getMessage()).isEqualTo("namespaces \"nowhere\" not found");
    assertThat(e.getStatus().getDetails().getKind()).isEqualTo("namespaces");
    // Once the namespace exists, the same create goes through (client-java this time).
    k.fabric8
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("nowhere").endMetadata().build())
        .create();
    new CoreV1Api(k.clientJava)
        .createNamespacedConfigMap(
            "nowhere", new V1ConfigMap().metadata(new V1ObjectMeta().name("c")))
        .execute();
    assertThat(k.sim.get(ResourceType.BUILT_IN.get("v1/configmaps"), "nowhere", "c")).isNotNull();
  }

  @Test
  void aDeletedNamespaceStaysTerminatingUntilEmptyAndRefusesNewContent() throws Exception {
    k = new SimClients();
    k.wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"team\"}}");
    // The strategy's PrepareForCreate: the controller's finalizer, phase Active.
    JsonObject created = k.wire.get("/api/v1/namespaces/team").json();
    assertThat(created.getAsJsonObject("spec").getAsJsonArray("finalizers").toString())
        .isEqualTo("[\"kubernetes\"]");
    assertThat(created.getAsJsonObject("status").get("phase").getAsString()).isEqualTo("Active");
    k.wire.post(
        "/api/v1/namespaces/team/configmaps",
        "{\"metadata\":{\"name\":\"held\",\"finalizers\":[\"example.com/hold\"]}}");

    // Deferred: 200 with the namespace, now Terminating.
    Wire.Reply deleted = k.wire.delete("/api/v1/namespaces/team");
    assertThat(deleted.code).isEqualTo(200);
    assertThat(deleted.json().getAsJsonObject("status").get("phase").getAsString())
        .isEqualTo("Terminating");

    // New content is refused with 403 and the NamespaceTerminating cause.
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                new CoreV1Api(k.clientJava)
                    .createNamespacedConfigMap(
                        "team", new V1ConfigMap().metadata(new V1ObjectMeta().name("late")))
                    .execute());
    assertThat(e.getCode()).isEqualTo(403);
    assertThat(e.getResponseBody())
        .contains(
            "configmaps \\\"late\\\" is forbidden: unable to create new content in namespace team"
                + " because it is being terminated")
        .contains("\"reason\":\"NamespaceTerminating\"");

    // The controller deletes the content; the finalizer holds it, so the namespace stays.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                k.sim.get(ResourceType.BUILT_IN.get("v1/configmaps"), "team", "held") != null
                    && k.sim
                        .get(ResourceType.BUILT_IN.get("v1/configmaps"), "team", "held")
                        .contains("deletionTimestamp"));
    assertThat(k.wire.get("/api/v1/namespaces/team").code).isEqualTo(200);

    // Released: the namespace empties and goes.
    k.wire.mergePatch(
        "/api/v1/namespaces/team/configmaps/held", "{\"metadata\":{\"finalizers\":null}}");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> k.sim.get(Namespaces.NAMESPACES, "", "team") == null);
    assertThat(k.wire.get("/api/v1/namespaces/team").code).isEqualTo(404);
  }

  @Test
  void immortalNamespacesCannotBeDeleted() throws Exception {
    k = new SimClients();
    k.wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"default\"}}");
    Wire.Reply r = k.wire.delete("/api/v1/namespaces/default");
    assertThat(r.code).isEqualTo(403);
    assertThat(r.json().get("message").getAsString())
        .isEqualTo("namespaces \"default\" is forbidden: this namespace may not be deleted");
  }

  /** Waits for the sim's controller tick (every 20 ms of real time), with a generous deadline. */
  @Test
  void withoutTheLifecycleNoNamespaceExistsAndACreateGoesAnywhere() throws Exception {
    k = new SimClients(KubeSim.builder().namespaceLifecycle(false).build());
    assertThat(k.wire.get("/api/v1/namespaces").names()).isEmpty();
    assertThat(
            k.wire.post("/api/v1/namespaces/nowhere/configmaps", "{\"metadata\":{\"name\":\"c\"}}")
                .code)
        .isEqualTo(201);
  }
}
