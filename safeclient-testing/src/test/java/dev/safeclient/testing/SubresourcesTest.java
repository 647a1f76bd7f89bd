package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentStatus;
import io.kubernetes.client.openapi.models.V1Scale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Subresources as the apiserver serves them: {@code scale} answers an autoscaling/v1 Scale
 * (k8s.io/kubernetes pkg/registry/apps/deployment/storage, {@code ScaleREST} and {@code
 * scaleFromDeployment}), {@code status} the whole object, {@code log} text, and a subresource with
 * no route is a 404.
 */
class SubresourcesTest {
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

  private Deployment web() {
    return fabric8
        .apps()
        .deployments()
        .inNamespace("ns1")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("web")
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .addToMatchLabels("app", "web")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", "web")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("c")
                .withImage("nginx")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  @Test
  void fabric8ScalesADeploymentThroughItsScaleSubresource() throws Exception {
    web();
    Scale before = fabric8.apps().deployments().inNamespace("ns1").withName("web").scale();
    assertThat(before.getApiVersion()).isEqualTo("autoscaling/v1");
    assertThat(before.getKind()).isEqualTo("Scale");
    assertThat(before.getSpec().getReplicas()).isEqualTo(1);
    assertThat(before.getStatus().getSelector()).isEqualTo("app=web");

    fabric8.apps().deployments().inNamespace("ns1").withName("web").scale(3);

    Deployment after = fabric8.apps().deployments().inNamespace("ns1").withName("web").get();
    assertThat(after.getSpec().getReplicas()).isEqualTo(3);
    assertThat(after.getMetadata().getGeneration()).isEqualTo(2L);
    assertThat(sim.requestLog().stream().map(RequestLogEntry::requestLine))
        .anyMatch(l -> l.matches("(PUT|PATCH) /apis/apps/v1/namespaces/ns1/deployments/web/scale"));
  }

  @Test
  void clientJavaReadsAndReplacesScale() throws Exception {
    web();
    AppsV1Api apps = new AppsV1Api(sim.apiClient());
    V1Scale scale = apps.readNamespacedDeploymentScale("web", "ns1").execute();
    assertThat(scale.getKind()).isEqualTo("Scale");
    assertThat(scale.getMetadata().getName()).isEqualTo("web");
    scale.getSpec().setReplicas(5);
    V1Scale written = apps.replaceNamespacedDeploymentScale("web", "ns1", scale).execute();
    assertThat(written.getSpec().getReplicas()).isEqualTo(5);
    // The Scale's resourceVersion is a precondition: the old one now conflicts.
    scale.getSpec().setReplicas(6);
    Wire.Reply stale =
        wire.put(
            "/apis/apps/v1/namespaces/ns1/deployments/web/scale",
            io.kubernetes.client.openapi.JSON.serialize(scale));
    assertThat(stale.code).isEqualTo(409);
    assertThat(apps.readNamespacedDeployment("web", "ns1").execute().getSpec().getReplicas())
        .isEqualTo(5);
  }

  // ValidateScale: spec.replicas must be >= 0.
  @Test
  void aNegativeScaleIsInvalid() throws Exception {
    web();
    Wire.Reply r =
        wire.mergePatch(
            "/apis/apps/v1/namespaces/ns1/deployments/web/scale", "{\"spec\":{\"replicas\":-1}}");
    assertThat(r.code).isEqualTo(422);
    assertThat(r.json().getAsJsonObject("details").get("kind").getAsString()).isEqualTo("Scale");
  }

  // The status subresource answers the whole object; a write through it changes only status.
  @Test
  void statusSubresourceWritesOnlyStatus() throws Exception {
    web();
    AppsV1Api apps = new AppsV1Api(sim.apiClient());
    V1Deployment d = apps.readNamespacedDeploymentStatus("web", "ns1").execute();
    assertThat(d.getKind()).isEqualTo("Deployment");
    d.getSpec().setReplicas(9);
    d.setStatus(new V1DeploymentStatus().replicas(1).readyReplicas(1));
    apps.replaceNamespacedDeploymentStatus("web", "ns1", d).execute();
    V1Deployment now = apps.readNamespacedDeployment("web", "ns1").execute();
    assertThat(now.getSpec().getReplicas()).isEqualTo(1);
    assertThat(now.getStatus().getReadyReplicas()).isEqualTo(1);
  }

  @Test
  void podLogIsText() throws Exception {
    sim.create("v1", "pods", Wire.pod("ns1", "p", "node-1", null));
    String log = new CoreV1Api(sim.apiClient()).readNamespacedPodLog("p", "ns1").execute();
    // KubeSim runs no containers: the log is empty (client-java renders an empty body as null).
    assertThat(log).isNullOrEmpty();
    Wire.Reply r = wire.get("/api/v1/namespaces/ns1/pods/p/log");
    assertThat(r.code).isEqualTo(200);
    assertThat(r.body).isEmpty();
    assertThat(r.headers.get("Content-Type")).startsWith("text/plain");
    // LogLocation: a container the pod does not have is a 400.
    Wire.Reply bad = wire.get("/api/v1/namespaces/ns1/pods/p/log?container=nope");
    assertThat(bad.code).isEqualTo(400);
    assertThat(bad.json().get("message").getAsString())
        .isEqualTo("container nope is not valid for pod p");
  }

  // errors.NewNotFound names the qualified resource: "deployments.apps \"x\" not found".
  @Test
  void notFoundNamesTheQualifiedResource() throws Exception {
    Wire.Reply r = wire.get("/apis/apps/v1/namespaces/ns1/deployments/x");
    assertThat(r.code).isEqualTo(404);
    assertThat(r.json().get("message").getAsString()).isEqualTo("deployments.apps \"x\" not found");
    assertThat(wire.get("/api/v1/namespaces/ns1/pods/x").json().get("message").getAsString())
        .isEqualTo("pods \"x\" not found");
  }

  // No route for the subresource: 404 NotFound, never the parent object.
  @Test
  void unknownSubresourcesAreNotFound() throws Exception {
    sim.create("v1", "pods", Wire.pod("ns1", "p", "node-1", null));
    for (String sub : new String[] {"foo", "scale", "exec"}) {
      Wire.Reply r = wire.get("/api/v1/namespaces/ns1/pods/p/" + sub);
      assertThat(r.code).as(sub).isEqualTo(404);
      assertThat(r.json().get("kind").getAsString()).isEqualTo("Status");
      assertThat(r.json().get("reason").getAsString()).isEqualTo("NotFound");
    }
    // A known subresource refuses a verb it has no handler for.
    assertThat(wire.delete("/api/v1/namespaces/ns1/pods/p/status").code).isEqualTo(405);
  }
}
