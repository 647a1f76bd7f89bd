package dev.safeclient.core.internal.pipeline;

import static dev.safeclient.core.ApiServerReplies.baseClient;
import static dev.safeclient.core.ApiServerReplies.exceptSc103;
import static dev.safeclient.core.ApiServerReplies.pod;
import static dev.safeclient.core.ApiServerReplies.podListJson;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.metrics.SafeClientMetrics;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** SC101 and SC102 decide per server version, on the wire: what is sent for a plain LIST. */
class ListDecisionTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = new CopyOnWriteArrayList<>();
  final List<String> decisions = new CopyOnWriteArrayList<>();
  final List<String> targets = new CopyOnWriteArrayList<>();
  volatile String versionJson = "{\"major\":\"1\",\"minor\":\"34\",\"gitVersion\":\"v1.34.1\"}";

  final SafeClientMetrics metrics =
      new SafeClientMetrics() {
        @Override
        public void listDecision(String outcome, String reason) {
          decisions.add(outcome + ": " + reason);
        }
      };

  ListDecisionTest() {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            targets.add(r.getTarget());
            if (r.getMethod().equals("DELETE")) {
              return pod("a");
            }
            String body =
                r.getTarget().equals("/version")
                    ? versionJson
                    : r.getTarget().contains("metrics.k8s.io")
                        ? "{\"kind\":\"PodMetricsList\",\"apiVersion\":\"metrics.k8s.io/v1beta1\","
                            + "\"metadata\":{},\"items\":[]}"
                        : podListJson("42", null, "a");
            return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json")
                .body(body)
                .build();
          }
        });
  }

  private SafeClient.Builder learning(SafetyMode mode) {
    return SafeClient.builder(baseClient(server))
        .mode(mode)
        .userAgent("decision-test/1.0")
        .metrics(metrics)
        .warningListener(exceptSc103(warnings));
  }

  private static SafeClient busyPods(SafeClient c) {
    ClientInternals.of(c).resourceActivity().changed("pods");
    return c;
  }

  @Test
  void from131TheConsistentListIsSentAsItIsAndVersionIsAskedOnce() throws Exception {
    SafeClient safe = busyPods(learning(SafetyMode.ENFORCE).build());

    new CoreV1Api(safe.apiClient()).listPodForAllNamespaces().execute();
    new CoreV1Api(safe.consistentApiClient()).listPodForAllNamespaces().execute();
    new CoreV1Api(safe.apiClient()).listNamespacedPod("default").resourceVersion("").execute();

    assertThat(targets)
        .containsExactly(
            "/version",
            "/api/v1/pods",
            "/api/v1/pods",
            "/api/v1/namespaces/default/pods?resourceVersion=");
    assertThat(decisions)
        .containsOnly("passed-through: server serves consistent lists from cache")
        .hasSize(3);
    // True for 1.34: the cache serves it; what it costs is bytes and seats on every call.
    assertThat(warnings).extracting(SafetyWarning::ruleId).contains("SC101");
    assertThat(warnings.get(0).message())
        .contains("this server (1.34) serves it from the watch cache")
        .doesNotContain("from etcd");
  }

  @Test
  void theEmulatedVersionDecides() throws Exception {
    // A 1.31 binary emulating 1.30 has 1.30's gates: consistent lists from etcd.
    versionJson =
        "{\"major\":\"1\",\"minor\":\"31\",\"emulationMajor\":\"1\",\"emulationMinor\":\"30\"}";
    SafeClient safe = learning(SafetyMode.ENFORCE).listPageSize(500).build();

    new CoreV1Api(safe.consistentApiClient()).listPodForAllNamespaces().execute();

    assertThat(targets).containsExactly("/version", "/api/v1/pods?limit=500");
    assertThat(decisions).containsExactly("paged: consistent list read from etcd");
  }

  @Test
  void anOldEtcdOrADisabledWatchCacheIsPagedForConsistentApiClientEvenOn134() throws Exception {
    SafeClient oldEtcd = learning(SafetyMode.ENFORCE).oldEtcd(true).build();
    new CoreV1Api(oldEtcd.consistentApiClient()).listPodForAllNamespaces().execute();
    SafeClient noCache = learning(SafetyMode.ENFORCE).watchCacheDisabled("pods").build();
    busyPods(noCache);
    new CoreV1Api(noCache.consistentApiClient()).listPodForAllNamespaces().execute();
    // Never probed: a disabled watch cache cannot serve the not-older-than read.
    new CoreV1Api(noCache.apiClient()).listPodForAllNamespaces().execute();

    assertThat(targets)
        .containsExactly(
            "/version",
            "/api/v1/pods?limit=500",
            "/version",
            "/api/v1/pods?limit=500",
            "/api/v1/pods");
    assertThat(decisions)
        .containsExactly(
            "paged: consistent list read from etcd",
            "paged: consistent list read from etcd",
            "passed-through: watch cache disabled");
  }

  @Test
  void anUnknownVersionPassesThrough() throws Exception {
    versionJson = "not json";
    SafeClient safe = busyPods(learning(SafetyMode.ENFORCE).build());

    new CoreV1Api(safe.apiClient()).listPodForAllNamespaces().execute();
    new CoreV1Api(safe.consistentApiClient()).listPodForAllNamespaces().execute();

    assertThat(targets).containsExactly("/version", "/api/v1/pods", "/api/v1/pods");
    assertThat(decisions).containsOnly("passed-through: server version unknown");
  }

  @Test
  void aVersionAnswerPastItsCapIsNotReadAndTheVersionStaysUnknown() throws Exception {
    // A 1.30 answer that SC101 would rewrite for, padded past the 64 KiB a version answer may take.
    versionJson =
        "{\"major\":\"1\",\"minor\":\"30\",\"gitVersion\":\"v1.30.0\",\"pad\":\""
            + "x".repeat((int) ListDecisionInterceptor.MAX_VERSION_BYTES)
            + "\"}";
    SafeClient safe = busyPods(learning(SafetyMode.ENFORCE).build());

    new CoreV1Api(safe.apiClient()).listPodForAllNamespaces().execute();

    assertThat(targets).containsExactly("/version", "/api/v1/pods");
    assertThat(decisions).containsOnly("passed-through: server version unknown");
  }

  @Test
  void onlyBuiltInAndNamedGroupsAreRewrittenUpTo130() throws Exception {
    SafeClient safe =
        learning(SafetyMode.ENFORCE).serverVersion("1.30").eligibleGroups("example.com").build();
    ClientInternals.of(safe).resourceActivity().changed("podmetrics.metrics.k8s.io");
    ClientInternals.of(safe).resourceActivity().changed("widgets.example.com");
    CustomObjectsApi custom = new CustomObjectsApi(safe.apiClient());

    custom.listClusterCustomObject("metrics.k8s.io", "v1beta1", "podmetrics").execute();
    custom.listClusterCustomObject("example.com", "v1", "widgets").execute();

    // No /version: the builder's version wins. The aggregated API passes; the CRD is probed.
    assertThat(targets)
        .containsExactly(
            "/apis/metrics.k8s.io/v1beta1/podmetrics",
            "/apis/example.com/v1/widgets?limit=1",
            "/apis/example.com/v1/widgets?resourceVersion=42&resourceVersionMatch=NotOlderThan");
    assertThat(decisions)
        .containsExactly(
            "passed-through: not a built-in group", "rewritten: read from etcd, resource busy");
  }

  @Test
  void theBuiltInGroupVersionsAreThoseOfTheServersRelease() throws Exception {
    // resource.k8s.io/v1beta2 came with 1.33; an old etcd keeps consistent lists on etcd there.
    for (String v : List.of("1.30", "1.33")) {
      SafeClient safe = learning(SafetyMode.ENFORCE).serverVersion(v).oldEtcd(true).build();
      ClientInternals.of(safe).resourceActivity().changed("resourceclaims.resource.k8s.io");
      new CustomObjectsApi(safe.apiClient())
          .listClusterCustomObject("resource.k8s.io", "v1beta2", "resourceclaims")
          .execute();
    }

    assertThat(targets)
        .containsExactly(
            "/apis/resource.k8s.io/v1beta2/resourceclaims",
            "/apis/resource.k8s.io/v1beta2/resourceclaims?limit=1",
            "/apis/resource.k8s.io/v1beta2/resourceclaims?resourceVersion=42"
                + "&resourceVersionMatch=NotOlderThan");
    assertThat(decisions)
        .containsExactly(
            "passed-through: not a built-in group", "rewritten: read from etcd, resource busy");
  }

  @Test
  void ownWritesMakeAResourceBusy() throws Exception {
    SafeClient safe = learning(SafetyMode.ENFORCE).serverVersion("1.30").build();
    CoreV1Api api = new CoreV1Api(safe.apiClient());

    api.listNamespacedPod("default").execute();
    api.deleteNamespacedPod("a", "default").execute();
    api.listNamespacedPod("default").execute();

    assertThat(decisions)
        .containsExactly(
            "passed-through: resource not known to be busy",
            "rewritten: read from etcd, resource busy");
    assertThat(targets)
        .containsExactly(
            "/api/v1/namespaces/default/pods",
            "/api/v1/namespaces/default/pods/a",
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?resourceVersion=42&resourceVersionMatch=NotOlderThan");
  }
}
