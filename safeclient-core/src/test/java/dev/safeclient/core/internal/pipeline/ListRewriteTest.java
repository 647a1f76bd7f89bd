package dev.safeclient.core.internal.pipeline;

import static dev.safeclient.core.ApiServerReplies.json;
import static dev.safeclient.core.ApiServerReplies.pod;
import static dev.safeclient.core.ApiServerReplies.podList;
import static dev.safeclient.core.ApiServerReplies.safeClient;
import static dev.safeclient.core.ApiServerReplies.status;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.UnsafeRequestException;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PodList;
import java.util.List;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** SC101 on the wire, with the real generated API. */
class ListRewriteTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();

  private CoreV1Api core(SafetyMode mode) {
    return new CoreV1Api(busyPods(safeClient(server, mode, warnings).build()).apiClient());
  }

  /** Up to 1.30 SC101 rewrites only a resource this process just saw change. */
  private static SafeClient busyPods(SafeClient client) {
    ClientInternals.of(client).resourceActivity().changed("pods");
    return client;
  }

  @Test
  void enforceProbesThenReadsNotOlderThanTheProbeFromTheCache() throws Exception {
    server.enqueue(podList("4711", "probe-continue", "a"));
    server.enqueue(podList("4712", null, "a", "b"));

    V1PodList list =
        core(SafetyMode.ENFORCE)
            .listNamespacedPod("default")
            .labelSelector("app=web")
            .fieldSelector("metadata.name=a")
            .execute();

    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b");
    RecordedRequest probe = server.takeRequest();
    assertThat(probe.getTarget()).isEqualTo("/api/v1/namespaces/default/pods?limit=1");
    RecordedRequest read = server.takeRequest();
    assertThat(read.getTarget())
        .isEqualTo(
            "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Da&labelSelector=app%3Dweb"
                + "&resourceVersion=4711&resourceVersionMatch=NotOlderThan");
    assertThat(read.getUrl().queryParameter("limit")).isNull();
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC101");
    assertThat(warnings.get(0).request())
        .isEqualTo(
            "GET /api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Da&labelSelector=app%3Dweb");
  }

  @Test
  void aLaggingCacheFallsBackAtOnceToTheCallersOwnRequestAndIsRemembered() throws Exception {
    server.enqueue(podList("900", null, "a"));
    server.enqueue(
        status(
            504,
            "Timeout",
            "Too large resource version: 900, current: 880",
            "ResourceVersionTooLarge"));
    server.enqueue(podList("901", null, "a", "b"));
    server.enqueue(podList("902", null, "a", "b"));
    SafeClient client =
        busyPods(safeClient(server, SafetyMode.ENFORCE, warnings).listPageSize(1).build());
    CoreV1Api api = new CoreV1Api(client.apiClient());

    V1PodList list = api.listPodForAllNamespaces().execute();

    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/pods?resourceVersion=900&resourceVersionMatch=NotOlderThan");
    // The caller's own request, unpaged: a paged etcd read would cost more seats.
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    ClientInternals.of(client).resourceActivity().changed("pods");
    api.listPodForAllNamespaces().execute();
    // The lag is remembered for the resource: no probe the next time, though it is busy.
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    assertThat(server.getRequestCount()).isEqualTo(4);
  }

  @Test
  void a504ForAnotherReasonReachesTheCaller() throws Exception {
    server.enqueue(podList("900", null, "a"));
    server.enqueue(status(504, "Timeout", "the server timed out", null));

    ApiException e =
        catchThrowableOfType(
            ApiException.class, () -> core(SafetyMode.ENFORCE).listPodForAllNamespaces().execute());

    assertThat(e.getCode()).isEqualTo(504);
    assertThat(e.getResponseBody()).contains("the server timed out");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void aForbiddenProbeSendsTheCallersOwnRequestAndIsRememberedPerIdentity() throws Exception {
    // A node may list pods only with its spec.nodeName selector, which the probe drops.
    server.enqueue(status(403, "Forbidden", "pods is forbidden: cannot list pods", null));
    server.enqueue(podList("77", null, "a"));
    server.enqueue(podList("78", null, "a"));
    SafeClient client = busyPods(safeClient(server, SafetyMode.ENFORCE, warnings).build());
    CoreV1Api api = new CoreV1Api(client.apiClient());

    V1PodList list = api.listPodForAllNamespaces().fieldSelector("spec.nodeName=node-1").execute();

    assertThat(list.getItems()).hasSize(1);
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1");
    ClientInternals.of(client).resourceActivity().changed("pods");
    api.listPodForAllNamespaces().fieldSelector("spec.nodeName=node-1").execute();
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void aQuietResourcePassesThroughUpTo130() throws Exception {
    server.enqueue(podList("5", null, "a"));

    new CoreV1Api(safeClient(server, SafetyMode.ENFORCE, warnings).build().apiClient())
        .listPodForAllNamespaces()
        .execute();

    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(warnings.get(0).message())
        .contains("from etcd on this server (1.30")
        .contains("sent as it is (resource not known to be busy)");
  }

  /** A pod list whose items carry their own resourceVersions, as etcd's answers do. */
  private static String podListWithItemRvs(long listRv, long... itemRvs) {
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < itemRvs.length; i++) {
      items
          .append(i == 0 ? "" : ",")
          .append("{\"metadata\":{\"name\":\"p")
          .append(i)
          .append("\",\"namespace\":\"default\",\"resourceVersion\":\"")
          .append(itemRvs[i])
          .append("\"}}");
    }
    return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\""
        + listRv
        + "\"},\"items\":["
        + items
        + "]}";
  }

  @Test
  void oneAnswerWhosePodsChangedLatelyLetsAProbesRevisionDecideBusyUpTo130() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    CoreV1Api api =
        new CoreV1Api(
            safeClient(server, SafetyMode.ENFORCE, warnings).clock(clock).build().apiClient());
    // etcd at revision 1000; of its last 40 revisions, pods took 30 (971..1000).
    long[] rvs = new long[60];
    for (int i = 0; i < 30; i++) {
      rvs[i] = 100 + i;
      rvs[30 + i] = 971 + i;
    }
    server.enqueue(json(200, podListWithItemRvs(1000, rvs)));
    api.listPodForAllNamespaces().execute();
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");

    // A minute later etcd is at 1040: 40 revisions written, set against the 40 before the answer,
    // of which 30 were pods: about 30 pod changes a minute, one per 2 s, inside the 3 s wait.
    clock.advance(java.time.Duration.ofMinutes(1));
    server.enqueue(podList("1040", "c", "p0"));
    server.enqueue(json(200, podListWithItemRvs(1040, rvs)));
    api.listPodForAllNamespaces().execute();

    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/pods?resourceVersion=1040&resourceVersionMatch=NotOlderThan");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void oneAnswerOfAQuietResourceCostsOneProbeThenTheCallersOwnRequestUpTo130() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    CoreV1Api api =
        new CoreV1Api(
            safeClient(server, SafetyMode.ENFORCE, warnings).clock(clock).build().apiClient());
    // Thirty pods, enough to be busy if all were recent; of etcd's last 1000 revisions before the
    // answer, pods took 2.
    long[] rvs = new long[30];
    for (int i = 0; i < 28; i++) {
      rvs[i] = 10 + i;
    }
    rvs[28] = 4100;
    rvs[29] = 4500;
    server.enqueue(json(200, podListWithItemRvs(5000, rvs)));
    api.listPodForAllNamespaces().execute();
    server.takeRequest();

    clock.advance(java.time.Duration.ofMinutes(1));
    server.enqueue(podList("6000", "c", "p0"));
    server.enqueue(json(200, podListWithItemRvs(6000, rvs)));
    server.enqueue(json(200, podListWithItemRvs(6500, rvs)));
    api.listPodForAllNamespaces().execute();

    // Two pod changes in a minute: the cache would wait its 3 s and answer 504.
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    // The quiet verdict stands like a measured rate: no probe the next time.
    clock.advance(java.time.Duration.ofMinutes(1));
    api.listPodForAllNamespaces().execute();
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    assertThat(server.getRequestCount()).isEqualTo(4);
  }

  @Test
  void oneAnswerTooSmallToBeBusyIsNeverProbedUpTo130() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    CoreV1Api api =
        new CoreV1Api(
            safeClient(server, SafetyMode.ENFORCE, warnings).clock(clock).build().apiClient());
    // Four pods cannot change once per 3 s over a minute, however recent they are.
    server.enqueue(json(200, podListWithItemRvs(5000, 4997, 4998, 4999, 5000)));
    server.enqueue(json(200, podListWithItemRvs(6000, 4997, 4998, 4999, 5000)));
    api.listPodForAllNamespaces().execute();
    clock.advance(java.time.Duration.ofMinutes(1));
    api.listPodForAllNamespaces().execute();

    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void anEmptyResourceVersionIsUnsetAndReplacedNeverRepeated() throws Exception {
    server.enqueue(podList("4711", null, "a"));
    server.enqueue(podList("4712", null, "a"));

    core(SafetyMode.ENFORCE).listNamespacedPod("default").resourceVersion("").execute();

    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?limit=1");
    RecordedRequest read = server.takeRequest();
    assertThat(read.getUrl().queryParameterValues("resourceVersion")).containsExactly("4711");
    assertThat(read.getUrl().queryParameterValues("resourceVersionMatch"))
        .containsExactly("NotOlderThan");
    for (String name : read.getUrl().queryParameterNames()) {
      assertThat(read.getUrl().queryParameterValues(name)).as(name).hasSize(1);
    }
  }

  @Test
  void staleReadsAreOptInAndFollowContinue() throws Exception {
    server.enqueue(podList("50", "c1", "a"));
    server.enqueue(podList("50", null, "b"));
    SafeClient client =
        safeClient(server, SafetyMode.ENFORCE, warnings)
            .allowStaleListReads(true)
            .listPageSize(250)
            .build();

    V1PodList list =
        new CoreV1Api(client.apiClient())
            .listNamespacedPod("default")
            .labelSelector("x=y")
            .execute();

    assertThat(list.getItems()).hasSize(2);
    assertThat(server.takeRequest().getTarget())
        .isEqualTo(
            "/api/v1/namespaces/default/pods?labelSelector=x%3Dy&resourceVersion=0&limit=250");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?labelSelector=x%3Dy&limit=250&continue=c1");
  }

  @Test
  void observeSendsTheListAsWrittenAndWarns() throws Exception {
    server.enqueue(podList("1", null, "a"));

    core(SafetyMode.OBSERVE).listPodForAllNamespaces().labelSelector("app=web").execute();

    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?labelSelector=app%3Dweb");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(warnings).extracting(SafetyWarning::ruleId).contains("SC101");
  }

  @Test
  void strictRejectsBeforeAnythingIsSent() {
    ApiException e =
        catchThrowableOfType(
            ApiException.class, () -> core(SafetyMode.STRICT).listPodForAllNamespaces().execute());

    UnsafeRequestException unsafe = causeOf(e, UnsafeRequestException.class);
    assertThat(unsafe.ruleIds()).containsExactly("SC101");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void neverTouchesTheCallersOwnLimitContinueOrResourceVersion() throws Exception {
    CoreV1Api core = core(SafetyMode.ENFORCE);
    server.enqueue(podList("1", null));
    server.enqueue(podList("1", null));
    server.enqueue(podList("1", null));
    server.enqueue(podList("1", null));

    core.listNamespacedPod("default").limit(10).execute();
    core.listNamespacedPod("default")._continue("tok").execute();
    core.listNamespacedPod("default").resourceVersion("0").execute();
    core.listNamespacedPod("default").resourceVersion("42").resourceVersionMatch("Exact").execute();

    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?limit=10");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?continue=tok");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?resourceVersion=0");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?resourceVersion=42&resourceVersionMatch=Exact");
    assertThat(server.getRequestCount()).isEqualTo(4);
    assertThat(warnings).isEmpty();
  }

  @Test
  void neverTouchesGetsOrDeleteCollection() throws Exception {
    CoreV1Api core = core(SafetyMode.STRICT);
    server.enqueue(pod("p1"));
    server.enqueue(json(200, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Success\"}"));

    core.readNamespacedPod("p1", "default").execute();
    core.deleteCollectionNamespacedPod("default").labelSelector("app=old").execute();

    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/namespaces/default/pods/p1");
    RecordedRequest delete = server.takeRequest();
    assertThat(delete.getMethod()).isEqualTo("DELETE");
    assertThat(delete.getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?labelSelector=app%3Dold");
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(warnings).isEmpty();
  }

  @Test
  void consistentApiClientIsPagedNeverRewrittenToTheCache() throws Exception {
    server.enqueue(podList("7", null, "a"));
    SafeClient client = safeClient(server, SafetyMode.STRICT, warnings).listPageSize(100).build();

    new CoreV1Api(client.consistentApiClient()).listNamespacedPod("default").execute();

    RecordedRequest only = server.takeRequest();
    assertThat(only.getTarget()).isEqualTo("/api/v1/namespaces/default/pods?limit=100");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(warnings).isEmpty();
  }

  @Test
  void libraryCallsAreNeitherLintedNorRewritten() throws Exception {
    server.enqueue(podList("7", null, "a"));
    SafeClient client = safeClient(server, SafetyMode.STRICT, warnings).nodeName("n1").build();

    new CoreV1Api(ClientInternals.of(client).libraryApiClient())
        .listPodForAllNamespaces()
        .execute();

    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    assertThat(warnings).isEmpty();
  }

  static <T extends Throwable> T causeOf(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in the cause chain of " + t);
  }
}
