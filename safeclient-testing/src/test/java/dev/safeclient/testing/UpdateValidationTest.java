package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes refused as a real apiserver refuses them: immutable fields by each kind's
 * ValidateXxxUpdate (422 Invalid with a cause naming the field), a body of another kind by the
 * handlers' decode (400).
 */
class UpdateValidationTest {
  SimClients k;

  @BeforeEach
  void start() {
    k = new SimClients(KubeSim.builder().namespaces("ns1").build());
  }

  @AfterEach
  void stop() {
    k.close();
  }

  @Test
  void anImmutableConfigMapRefusesNewData() {
    ConfigMap cm =
        k.fabric8
            .configMaps()
            .inNamespace("ns1")
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("c")
                    .endMetadata()
                    .withImmutable(true)
                    .addToData("k", "v")
                    .build())
            .create();
    cm.getData().put("k", "changed");
    KubernetesClientException e =
        catchThrowableOfType(
            KubernetesClientException.class,
            () -> k.fabric8.configMaps().inNamespace("ns1").resource(cm).update());
    assertThat(e.getCode()).isEqualTo(422);
    assertThat(e.getStatus().getMessage())
        .isEqualTo(
            "ConfigMap \"c\" is invalid: data: Forbidden: field is immutable when `immutable` is set");
    assertThat(e.getStatus().getDetails().getCauses().get(0).getField()).isEqualTo("data");
    assertThat(e.getStatus().getDetails().getCauses().get(0).getReason())
        .isEqualTo("FieldValueForbidden");
  }

  @Test
  void aSelectorAndAClusterIpMayNotChange() throws Exception {
    k.wire.post(
        "/apis/apps/v1/namespaces/ns1/deployments",
        "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}}}}");
    Wire.Reply r =
        k.wire.mergePatch(
            "/apis/apps/v1/namespaces/ns1/deployments/d",
            "{\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"c\"}}}}");
    assertThat(r.code).isEqualTo(422);
    assertThat(r.json().get("message").getAsString())
        .startsWith("Deployment.apps \"d\" is invalid: spec.selector: Invalid value: ")
        .endsWith(": field is immutable");
    k.wire.post(
        "/api/v1/namespaces/ns1/services",
        "{\"metadata\":{\"name\":\"s\"},\"spec\":{\"clusterIP\":\"10.0.0.1\"}}");
    Wire.Reply svc =
        k.wire.mergePatch(
            "/api/v1/namespaces/ns1/services/s", "{\"spec\":{\"clusterIP\":\"10.0.0.2\"}}");
    assertThat(svc.code).isEqualTo(422);
    assertThat(svc.json().get("message").getAsString())
        .isEqualTo(
            "Service \"s\" is invalid: spec.clusterIP: Invalid value: \"10.0.0.2\": may not change once set");
  }

  @Test
  void aPodsSpecChangesOnlyInItsMutableFields() throws Exception {
    k.wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "p", null, null));
    // An image is mutable ...
    assertThat(
            k.wire.mergePatch(
                    "/api/v1/namespaces/ns1/pods/p",
                    "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:2\"}]}}")
                .code)
        .isEqualTo(200);
    // ... the restart policy is not (ValidatePodUpdate).
    Wire.Reply r =
        k.wire.mergePatch(
            "/api/v1/namespaces/ns1/pods/p", "{\"spec\":{\"restartPolicy\":\"Never\"}}");
    assertThat(r.code).isEqualTo(422);
    assertThat(r.json().get("message").getAsString())
        .startsWith("Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields");
  }

  @Test
  void aBodyOfAnotherKindIs400() throws Exception {
    Wire.Reply r =
        k.wire.post(
            "/api/v1/namespaces/ns1/pods",
            "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"x\"}}");
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("message").getAsString())
        .startsWith("Service in version \"v1\" cannot be handled as a Pod");
    assertThat(k.sim.count(ResourceType.BUILT_IN.get("v1/pods"))).isZero();
  }
}
