package dev.safeclient.core.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SC103 asks for Protobuf only once the server's version is known, as a tree rendered from Protobuf
 * follows that release's Go json tags. A client that only GETs never learns it, and costs exactly
 * what plain client-java costs: the same requests, the same Accept, the same bytes; no {@code
 * /version}. Differential, on one KubeSim.
 */
class ProtobufBeforeServerVersionTest {
  private KubeSim sim;

  @AfterEach
  void close() {
    if (sim != null) {
      sim.close();
    }
  }

  private static String pod(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\"ns\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
  }

  /** The GETs a GET-only component makes: typed, Generic (a tree), and a second typed one. */
  private static void gets(ApiClient client) throws Exception {
    CoreV1Api core = new CoreV1Api(client);
    core.readNamespacedPod("a", "ns").execute();
    new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client)
        .get("ns", "b")
        .throwsApiException();
    new AppsV1Api(client).listNamespacedDeployment("ns").resourceVersion("0").execute();
    core.readNamespacedPod("b", "ns").execute();
  }

  private List<RequestLogEntry> since(int from) {
    List<RequestLogEntry> log = sim.requestLog();
    return new ArrayList<>(log.subList(from, log.size()));
  }

  @Test
  void aGetOnlyClientCostsWhatPlainClientJavaCostsAndNoVersionRequest() throws Exception {
    sim = KubeSim.builder().serverVersion("1.34").clock(VirtualTimeSource.manual()).build();
    sim.create("v1", "pods", pod("a"));
    sim.create("v1", "pods", pod("b"));

    int start = sim.requestLog().size();
    gets(sim.apiClient());
    List<RequestLogEntry> plain = since(start);

    start = sim.requestLog().size();
    SafeClient safe =
        SafeClient.builder(sim.apiClient())
            .mode(SafetyMode.ENFORCE)
            .userAgent("get-only/1.0")
            .clock(VirtualTimeSource.autoAdvancing())
            .build();
    gets(safe.apiClient());
    List<RequestLogEntry> safeLog = since(start);

    assertThat(safeLog)
        .extracting(RequestLogEntry::requestLine)
        .containsExactlyElementsOf(plain.stream().map(RequestLogEntry::requestLine).toList())
        .noneMatch(l -> l.contains("/version"));
    assertThat(safeLog)
        .extracting(RequestLogEntry::accept)
        .containsExactlyElementsOf(plain.stream().map(RequestLogEntry::accept).toList())
        .noneMatch(a -> a != null && a.contains("protobuf"));
    assertThat(safeLog)
        .extracting(RequestLogEntry::bytes)
        .containsExactlyElementsOf(plain.stream().map(RequestLogEntry::bytes).toList());

    // A plain consistent LIST learns the version (SC101 needs it); from then on, Protobuf.
    new CoreV1Api(safe.apiClient()).listNamespacedPod("ns").execute();
    start = sim.requestLog().size();
    new CoreV1Api(safe.apiClient()).readNamespacedPod("a", "ns").execute();
    assertThat(since(start))
        .extracting(RequestLogEntry::accept)
        .singleElement()
        .satisfies(a -> assertThat(a).startsWith("application/vnd.kubernetes.protobuf"));
  }
}
