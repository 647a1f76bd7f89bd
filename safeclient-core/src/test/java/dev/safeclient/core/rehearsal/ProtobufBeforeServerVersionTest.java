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
 * A tree rendered from Protobuf follows the server release's Go json tags, so SC103 asks for
 * Protobuf for a tree only once the server's version is known. A client that only GETs never learns
 * it, and sends no {@code /version} for it: its tree reads cost exactly what plain client-java's
 * cost (same request, same Accept, same bytes), and its reads into models are in Protobuf, which
 * needs no version. Differential, on one KubeSim.
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
  void aGetOnlyClientsTreeReadsCostWhatPlainClientJavasCostAndNoVersionRequest() throws Exception {
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
    for (int i = 0; i < plain.size(); i++) {
      assertThat(safeLog.get(i).bytes())
          .as("bytes of %s", plain.get(i))
          .isLessThanOrEqualTo(plain.get(i).bytes());
    }
    // The Generic read is rendered as a tree: asked in JSON, exactly as plain client-java asks.
    assertThat(safeLog.get(1).accept()).isEqualTo(plain.get(1).accept()).doesNotContain("protobuf");
    assertThat(safeLog.get(1).bytes()).isEqualTo(plain.get(1).bytes());
    // Reads decoded into models need no version: Protobuf at once.
    assertThat(List.of(safeLog.get(0), safeLog.get(2), safeLog.get(3)))
        .extracting(RequestLogEntry::accept)
        .allSatisfy(a -> assertThat(a).startsWith("application/vnd.kubernetes.protobuf"));

    // A plain consistent LIST learns the version (SC101 needs it); from then on, trees too.
    new CoreV1Api(safe.apiClient()).listNamespacedPod("ns").execute();
    start = sim.requestLog().size();
    new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", safe.apiClient())
        .get("ns", "a")
        .throwsApiException();
    assertThat(since(start))
        .extracting(RequestLogEntry::accept)
        .singleElement()
        .satisfies(a -> assertThat(a).startsWith("application/vnd.kubernetes.protobuf"));
  }
}
