package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With a status subresource, writes to the main resource leave status alone: every such strategy's
 * PrepareForUpdate copies the old status over the new object (k8s.io/kubernetes
 * pkg/registry/apps/deployment/strategy.go). A controller that sets status through the main
 * resource sees its change silently dropped on a real server, and so on KubeSim.
 */
class StatusSubresourceTest {
  KubeSim sim;
  Wire wire;

  @BeforeEach
  void start() {
    sim = KubeSim.builder().build();
    wire = new Wire(sim);
    sim.create(
        "apps/v1",
        "deployments",
        "{\"metadata\":{\"name\":\"web\",\"namespace\":\"ns1\"},\"spec\":{\"replicas\":1,"
            + "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":"
            + "{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
            + "\"image\":\"nginx\"}]}}},\"status\":{\"replicas\":1}}");
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  @Test
  void updateOfTheMainResourceIgnoresStatus() throws Exception {
    AppsV1Api apps = new AppsV1Api(sim.apiClient());
    V1Deployment d = apps.readNamespacedDeployment("web", "ns1").execute();
    d.setStatus(new V1DeploymentStatus().replicas(7).readyReplicas(7));
    d.getSpec().setReplicas(2);
    V1Deployment answered = apps.replaceNamespacedDeployment("web", "ns1", d).execute();
    assertThat(answered.getSpec().getReplicas()).isEqualTo(2);
    assertThat(answered.getStatus().getReplicas()).isEqualTo(1);
    assertThat(answered.getStatus().getReadyReplicas()).isNull();
  }

  @Test
  void patchOfTheMainResourceIgnoresStatus() throws Exception {
    Wire.Reply r =
        wire.mergePatch(
            "/apis/apps/v1/namespaces/ns1/deployments/web", "{\"status\":{\"replicas\":9}}");
    assertThat(r.code).isEqualTo(200);
    assertThat(r.json().getAsJsonObject("status").get("replicas").getAsInt()).isEqualTo(1);
    // Through the status subresource it changes.
    Wire.Reply s =
        wire.mergePatch(
            "/apis/apps/v1/namespaces/ns1/deployments/web/status", "{\"status\":{\"replicas\":9}}");
    assertThat(s.json().getAsJsonObject("status").get("replicas").getAsInt()).isEqualTo(9);
  }

  // A kind without a status subresource (a CRD that declares none) keeps status a plain field.
  @Test
  void withoutAStatusSubresourceStatusIsAPlainField() throws Exception {
    ResourceType widgets = ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
    sim.register(widgets);
    sim.create(
        widgets, "{\"metadata\":{\"name\":\"w\",\"namespace\":\"ns1\"},\"status\":{\"ok\":false}}");
    Wire.Reply r =
        wire.mergePatch(
            "/apis/example.com/v1/namespaces/ns1/widgets/w", "{\"status\":{\"ok\":true}}");
    assertThat(r.json().getAsJsonObject("status").get("ok").getAsBoolean()).isTrue();
    assertThat(wire.get("/apis/example.com/v1/namespaces/ns1/widgets/w/status").code)
        .isEqualTo(404);
  }
}
