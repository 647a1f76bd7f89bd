package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1APIService;
import io.kubernetes.client.openapi.models.V1APIServiceList;
import io.kubernetes.client.openapi.models.V1beta2ResourceClaim;
import io.kubernetes.client.openapi.models.V1beta2ResourceClaimList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kinds client-java-proto 27 had no message for (DRA's resource.k8s.io/v1beta2, the aggregator's
 * apiregistration.k8s.io/v1) sync in Protobuf: KubeSim encodes and the safe client decodes with the
 * same schema, the union of every release's .proto files.
 */
class ProtobufKubeSimInformerTest {
  private static final ResourceType CLAIMS =
      ResourceType.namespaced("resource.k8s.io", "v1beta2", "resourceclaims", "ResourceClaim");
  private static final ResourceType API_SERVICES =
      ResourceType.clusterScoped("apiregistration.k8s.io", "v1", "apiservices", "APIService");

  private KubeSim sim;
  private SafeInformerFactory factory;

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.stopAllRegisteredInformers();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void resourceClaimsAndApiServicesSyncInProtobuf() throws Exception {
    sim = KubeSim.builder().register(CLAIMS).register(API_SERVICES).build();
    sim.create(
        CLAIMS,
        "{\"apiVersion\":\"resource.k8s.io/v1beta2\",\"kind\":\"ResourceClaim\",\"metadata\":"
            + "{\"name\":\"gpu-claim\",\"namespace\":\"ml\"},\"spec\":{\"devices\":{\"requests\":"
            + "[{\"name\":\"gpu\",\"exactly\":{\"deviceClassName\":\"gpu.example.com\"}}]}}}");
    sim.create(
        API_SERVICES,
        "{\"apiVersion\":\"apiregistration.k8s.io/v1\",\"kind\":\"APIService\",\"metadata\":"
            + "{\"name\":\"v1beta1.metrics.k8s.io\"},\"spec\":{\"group\":\"metrics.k8s.io\","
            + "\"version\":\"v1beta1\",\"groupPriorityMinimum\":100,\"versionPriority\":100,"
            + "\"service\":{\"name\":\"metrics-server\",\"namespace\":\"kube-system\"}}}");
    // What went over the wire: each answer's path and Content-Type.
    List<String> answers = new CopyOnWriteArrayList<>();
    ApiClient base = sim.apiClient();
    base.setHttpClient(
        base.getHttpClient()
            .newBuilder()
            .addNetworkInterceptor(
                chain -> {
                  Response r = chain.proceed(chain.request());
                  answers.add(
                      chain.request().url().encodedPath()
                          + (chain.request().url().queryParameter("watch") != null ? " watch" : "")
                          + " "
                          + r.header("Content-Type"));
                  return r;
                })
            .build());
    SafeClient safe =
        SafeClient.builder(base)
            .userAgent("informer-test/1")
            .mode(SafetyMode.ENFORCE)
            .nodeName(null)
            .build();
    factory = new SafeInformerFactory(safe);
    InformerOptions options = InformerOptions.builder().startJitter(Duration.ZERO).build();
    SharedIndexInformer<V1beta2ResourceClaim> claims =
        factory.sharedIndexInformerFor(
            V1beta2ResourceClaim.class,
            V1beta2ResourceClaimList.class,
            "resource.k8s.io",
            "v1beta2",
            "resourceclaims",
            0,
            options);
    SharedIndexInformer<V1APIService> services =
        factory.sharedIndexInformerFor(
            V1APIService.class,
            V1APIServiceList.class,
            "apiregistration.k8s.io",
            "v1",
            "apiservices",
            0,
            options);
    factory.startAllRegisteredInformers();

    ReflectorWireTest.await(
        "both informers synced", () -> claims.hasSynced() && services.hasSynced());
    V1beta2ResourceClaim claim = claims.getIndexer().getByKey("ml/gpu-claim");
    assertThat(claim).isNotNull();
    assertThat(claim.getSpec().getDevices().getRequests().get(0).getExactly().getDeviceClassName())
        .isEqualTo("gpu.example.com");
    V1APIService service = services.getIndexer().getByKey("v1beta1.metrics.k8s.io");
    assertThat(service).isNotNull();
    assertThat(service.getSpec().getService().getName()).isEqualTo("metrics-server");

    // A change arrives through a Protobuf watch frame.
    sim.create(
        CLAIMS,
        "{\"apiVersion\":\"resource.k8s.io/v1beta2\",\"kind\":\"ResourceClaim\",\"metadata\":"
            + "{\"name\":\"second\",\"namespace\":\"ml\"},\"spec\":{}}");
    ReflectorWireTest.await(
        "the watched claim is cached", () -> claims.getIndexer().getByKey("ml/second") != null);

    String pb = "application/vnd.kubernetes.protobuf";
    assertThat(answers)
        .contains(
            "/apis/resource.k8s.io/v1beta2/resourceclaims " + pb,
            "/apis/apiregistration.k8s.io/v1/apiservices " + pb)
        .anyMatch(a -> a.startsWith("/apis/resource.k8s.io/v1beta2/resourceclaims watch " + pb))
        .noneMatch(a -> a.contains("json"));
  }
}
