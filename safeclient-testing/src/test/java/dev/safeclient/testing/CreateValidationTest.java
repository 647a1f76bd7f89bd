package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Creates refused as a real apiserver refuses them: names by each kind's name validation
 * (apimachinery's NameIsDNSSubdomain / NameIsDNSLabel / NameIsDNS1035Label, rbac's path-segment
 * names), a resourceVersion by the etcd3 store (ErrResourceVersionSetOnCreate, answered 500).
 */
class CreateValidationTest {
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
  void anInvalidNameIs422WithItsCause() {
    KubernetesClientException e =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                fabric8
                    .configMaps()
                    .inNamespace("ns1")
                    .resource(
                        new ConfigMapBuilder()
                            .withNewMetadata()
                            .withName("Bad_Name")
                            .endMetadata()
                            .build())
                    .create());
    assertThat(e.getCode()).isEqualTo(422);
    assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
    assertThat(e.getStatus().getMessage())
        .startsWith(
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain");
    assertThat(e.getStatus().getDetails().getCauses().get(0).getField()).isEqualTo("metadata.name");
    assertThat(sim.count(ResourceType.BUILT_IN.get("v1/configmaps"))).isZero();
  }

  @Test
  void eachKindItsOwnNameRule() throws Exception {
    // Namespaces are DNS labels: no dots.
    assertThat(wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"a.b\"}}").code)
        .isEqualTo(422);
    // Services are DNS-1035 labels: a leading digit is refused...
    assertThat(
            wire.post("/api/v1/namespaces/ns1/services", "{\"metadata\":{\"name\":\"1svc\"}}").code)
        .isEqualTo(422);
    // ...which a ConfigMap (a DNS subdomain) accepts, dots included.
    assertThat(
            wire.post("/api/v1/namespaces/ns1/configmaps", "{\"metadata\":{\"name\":\"1cm.x\"}}")
                .code)
        .isEqualTo(201);
    // RBAC names are path segments: colons are fine.
    assertThat(
            wire.post(
                    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                    "{\"metadata\":{\"name\":\"system:controller:x\"}}")
                .code)
        .isEqualTo(201);
    Wire.Reply r =
        wire.post("/apis/apps/v1/namespaces/ns1/deployments", "{\"metadata\":{\"name\":\"Web\"}}");
    assertThat(r.code).isEqualTo(422);
    assertThat(r.json().get("message").getAsString())
        .startsWith("Deployment.apps \"Web\" is invalid");
  }

  // handlers/create.go and update.go: the body's group version must be the path's.
  @Test
  void aBodyOfAnotherApiVersionIsABadRequest() throws Exception {
    Wire.Reply r =
        wire.post(
            "/api/v1/namespaces/ns1/configmaps",
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}");
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("message").getAsString())
        .isEqualTo(
            "the API version in the data (apps/v1) does not match the expected API version (v1)");
    sim.create("v1", "configmaps", "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns1\"}}");
    assertThat(
            wire.put(
                    "/api/v1/namespaces/ns1/configmaps/b",
                    "{\"apiVersion\":\"v2\",\"metadata\":{\"name\":\"b\"}}")
                .code)
        .isEqualTo(400);
  }

  @Test
  void aResourceVersionOnCreateIsRefusedByStorage() throws Exception {
    Wire.Reply r =
        wire.post(
            "/api/v1/namespaces/ns1/configmaps",
            "{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"5\"}}");
    assertThat(r.code).isEqualTo(500);
    assertThat(r.json().get("message").getAsString())
        .isEqualTo("resourceVersion should not be set on objects to be created");
    assertThat(r.json().has("reason")).isFalse();
    // A dry run never reaches the storage that refuses it.
    assertThat(
            wire.post(
                    "/api/v1/namespaces/ns1/configmaps?dryRun=All",
                    "{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"5\"}}")
                .code)
        .isEqualTo(201);
  }
}
