package dev.safeclient.core.internal.pipeline;

import static dev.safeclient.core.ApiServerReplies.baseClient;
import static dev.safeclient.core.ApiServerReplies.json;
import static dev.safeclient.core.ApiServerReplies.podList;
import static dev.safeclient.core.ApiServerReplies.podListJson;
import static dev.safeclient.core.ApiServerReplies.safeClient;
import static dev.safeclient.core.ApiServerReplies.status;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/**
 * A request SC101 or SC102 adds (SC101's probe, SC102's later pages) that fails never fails the
 * caller's call: the caller's own request goes out instead, counted. Differential: the same calls
 * through plain client-java against the same server succeed, and so must SafeClient's.
 */
class RewriteFallbackTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();
  final List<String> fallbacks = new CopyOnWriteArrayList<>();
  final List<String> targets = new CopyOnWriteArrayList<>();

  private final SafeClientMetrics metrics =
      new SafeClientMetrics() {
        @Override
        public void listRewriteFallback(String step, String cause) {
          fallbacks.add(step + " " + cause);
        }
      };

  /** Answers by request target; records every target. */
  private void answer(Function<RecordedRequest, MockResponse> replies) {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            targets.add(request.getTarget());
            return replies.apply(request);
          }
        });
  }

  private static boolean isProbe(RecordedRequest r) {
    return "1".equals(r.getUrl().queryParameter("limit"));
  }

  private SafeClient safe(VirtualTimeSource clock) {
    return safeClient(server, SafetyMode.ENFORCE, warnings)
        .clock(clock)
        .metrics(metrics)
        .listPageSize(1)
        .build();
  }

  private static List<String> names(V1PodList list) {
    List<String> names = new ArrayList<>();
    list.getItems().forEach(p -> names.add(p.getMetadata().getName()));
    return names;
  }

  /** Plain client-java's answer to the same call, and the targets it sent. */
  private V1PodList plain() throws Exception {
    ApiClient plain = baseClient(server);
    return new CoreV1Api(plain).listNamespacedPod("default").labelSelector("app=web").execute();
  }

  @Test
  void aProbeAnswered503SendsTheCallersOwnRequestAsPlainClientJavaDoes() throws Exception {
    answer(
        r ->
            isProbe(r)
                ? status(503, "ServiceUnavailable", "etcd leader changed", null)
                : podList("20", null, "a", "b"));
    V1PodList plain = plain();
    targets.clear();
    SafeClient client = safe(VirtualTimeSource.autoAdvancing());
    ClientInternals.of(client).resourceActivity().changed("pods");

    V1PodList safe =
        new CoreV1Api(client.apiClient())
            .listNamespacedPod("default")
            .labelSelector("app=web")
            .execute();

    assertThat(names(safe)).isEqualTo(names(plain)).containsExactly("a", "b");
    assertThat(targets)
        .containsExactly(
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
    assertThat(fallbacks).containsExactly("probe 503");
  }

  /**
   * A server (or a proxy) that ignores {@code limit} answers the probe with the whole list: the
   * probe's body is read only up to its cap, and the caller's own request goes out, as plain
   * client-java sends it.
   */
  @Test
  void aProbeAnsweredBeyondItsCapSendsTheCallersOwnRequest() throws Exception {
    StringBuilder huge = new StringBuilder();
    String pad = "x".repeat(1000);
    for (int i = 0; huge.length() <= ListRewriteInterceptor.MAX_PROBE_BYTES; i++) {
      huge.append(i == 0 ? "" : ",")
          .append("{\"metadata\":{\"name\":\"p")
          .append(i)
          .append("\",\"annotations\":{\"pad\":\"")
          .append(pad)
          .append("\"}}}");
    }
    String ignoresLimit =
        "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"20\"},"
            + "\"items\":["
            + huge
            + "]}";
    answer(r -> isProbe(r) ? json(200, ignoresLimit) : podList("20", null, "a", "b"));
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    SafeClient client = safe(clock);
    ClientInternals.of(client).resourceActivity().changed("pods");

    V1PodList safe =
        new CoreV1Api(client.apiClient())
            .listNamespacedPod("default")
            .labelSelector("app=web")
            .execute();

    assertThat(names(safe)).containsExactly("a", "b");
    assertThat(targets)
        .containsExactly(
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
    assertThat(fallbacks).containsExactly("probe too large");

    // A proxy that ignores limit does so every time: no probe again, even an hour later.
    clock.advance(Duration.ofHours(1));
    ClientInternals.of(client).resourceActivity().changed("pods");
    new CoreV1Api(client.apiClient())
        .listNamespacedPod("default")
        .labelSelector("app=web")
        .execute();
    assertThat(targets).hasSize(3);
    assertThat(targets.get(2)).isEqualTo("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
    assertThat(fallbacks).containsExactly("probe too large");
  }

  /** A pod list whose items carry the given resourceVersions. */
  private static String podListWithItemRvs(String listRv, String... itemRvs) {
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

  /** Sixty pods, thirty changed within etcd's last 40 revisions before 1000: busy. */
  private static String[] busyItemRvs() {
    String[] rvs = new String[60];
    for (int i = 0; i < 30; i++) {
      rvs[i] = Long.toString(100 + i);
      rvs[30 + i] = Long.toString(971 + i);
    }
    return rvs;
  }

  @Test
  void aSpeculativeProbeAnswered500SendsTheCallersOwnRequest() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    SafeClient client = safe(clock);
    CoreV1Api api = new CoreV1Api(client.apiClient());
    answer(r -> json(200, podListWithItemRvs("1000", busyItemRvs())));
    api.listPodForAllNamespaces().execute();
    clock.advance(Duration.ofMinutes(1));
    answer(
        r ->
            isProbe(r)
                ? status(500, "InternalError", "etcdserver: request timed out", null)
                : json(200, podListWithItemRvs("1040", busyItemRvs())));
    targets.clear();

    V1PodList list = api.listPodForAllNamespaces().execute();

    assertThat(list.getItems()).hasSize(60);
    assertThat(targets).containsExactly("/api/v1/pods?limit=1", "/api/v1/pods");
    assertThat(fallbacks).containsExactly("probe 500");
  }

  @Test
  void aProbeCutMidBodySendsTheCallersOwnRequest() throws Exception {
    answer(
        r ->
            isProbe(r)
                ? new MockResponse.Builder()
                    .code(200)
                    .addHeader("Content-Type", "application/json")
                    .body(new Buffer().writeUtf8(podListJson("20", "c", "a")))
                    .onResponseBody(new SocketEffect.CloseSocket())
                    .build()
                : podList("20", null, "a", "b"));
    SafeClient client = safe(VirtualTimeSource.autoAdvancing());
    ClientInternals.of(client).resourceActivity().changed("pods");

    V1PodList safe = new CoreV1Api(client.apiClient()).listPodForAllNamespaces().execute();

    assertThat(names(safe)).containsExactly("a", "b");
    assertThat(targets).containsExactly("/api/v1/pods?limit=1", "/api/v1/pods");
    assertThat(fallbacks).hasSize(1).allMatch(f -> f.startsWith("probe "));
  }

  @Test
  void aProbeWhoseResourceVersionIsNotEtcdsSendsTheCallersOwnRequest() throws Exception {
    answer(r -> isProbe(r) ? podList("not-a-number", "c", "a") : podList("21", null, "a", "b"));
    SafeClient client = safe(VirtualTimeSource.autoAdvancing());
    ClientInternals.of(client).resourceActivity().changed("pods");

    V1PodList safe = new CoreV1Api(client.apiClient()).listPodForAllNamespaces().execute();

    assertThat(names(safe)).containsExactly("a", "b");
    // Never a not-older-than read at a resourceVersion etcd did not write.
    assertThat(targets).containsExactly("/api/v1/pods?limit=1", "/api/v1/pods");
    assertThat(fallbacks).containsExactly("probe no revision");
  }

  @Test
  void aSpeculativeProbeWhoseResourceVersionIsNotEtcdsSendsTheCallersOwnRequest() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    SafeClient client = safe(clock);
    CoreV1Api api = new CoreV1Api(client.apiClient());
    answer(r -> json(200, podListWithItemRvs("1000", busyItemRvs())));
    api.listPodForAllNamespaces().execute();
    clock.advance(Duration.ofMinutes(1));
    answer(r -> isProbe(r) ? podList("", "c", "p0") : json(200, podListWithItemRvs("1040")));
    targets.clear();

    api.listPodForAllNamespaces().execute();

    assertThat(targets).containsExactly("/api/v1/pods?limit=1", "/api/v1/pods");
    assertThat(fallbacks).containsExactly("probe no revision");
  }

  @Test
  void anAnswerWhoseItemsCarryNoEtcdRevisionsIsNeverEstimatedFrom() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    SafeClient client = safe(clock);
    CoreV1Api api = new CoreV1Api(client.apiClient());
    String[] rvs = new String[60];
    java.util.Arrays.fill(rvs, "x7");
    answer(r -> json(200, podListWithItemRvs("1000", rvs)));
    V1PodList first = api.listPodForAllNamespaces().execute();
    clock.advance(Duration.ofMinutes(1));
    V1PodList second = api.listPodForAllNamespaces().execute();

    assertThat(first.getItems()).hasSize(60);
    assertThat(second.getItems()).hasSize(60);
    // Such an answer says nothing of the resource's rate: no probe to estimate from it.
    assertThat(targets).containsExactly("/api/v1/pods", "/api/v1/pods");
  }

  @Test
  void aFailingLaterPageSendsTheCallersOwnUnpagedRequestAsPlainClientJavaDoes() throws Exception {
    answer(
        r -> {
          if (r.getUrl().queryParameter("continue") != null) {
            return status(500, "InternalError", "etcdserver: request timed out", null);
          }
          if (r.getUrl().queryParameter("limit") != null) {
            return podList("30", "c1", "a");
          }
          return podList("30", null, "a", "b");
        });
    V1PodList plain = new CoreV1Api(baseClient(server)).listNamespacedPod("default").execute();
    targets.clear();

    V1PodList safe =
        new CoreV1Api(safe(VirtualTimeSource.autoAdvancing()).consistentApiClient())
            .listNamespacedPod("default")
            .execute();

    assertThat(names(safe)).isEqualTo(names(plain)).containsExactly("a", "b");
    assertThat(targets)
        .containsExactly(
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?limit=1&continue=c1",
            "/api/v1/namespaces/default/pods");
    assertThat(fallbacks).containsExactly("page 500");
  }

  @Test
  void aFirstPageErrorIsTheServersAnswerToTheCallersQuery() throws Exception {
    answer(r -> status(404, "NotFound", "the server could not find the requested resource", null));

    Throwable e =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                new CoreV1Api(safe(VirtualTimeSource.autoAdvancing()).consistentApiClient())
                    .listNamespacedPod("default")
                    .execute());

    assertThat(e).isInstanceOf(io.kubernetes.client.openapi.ApiException.class);
    assertThat(targets).containsExactly("/api/v1/namespaces/default/pods?limit=1");
    assertThat(fallbacks).isEmpty();
  }

  @Test
  void aProbeAnswered404IsTheCallersAnswerToo() throws Exception {
    answer(r -> status(404, "NotFound", "the server could not find the requested resource", null));
    SafeClient client = safe(VirtualTimeSource.autoAdvancing());
    ClientInternals.of(client).resourceActivity().changed("pods");

    Throwable e =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> new CoreV1Api(client.apiClient()).listPodForAllNamespaces().execute());

    // The path is not served: the caller's own request would get the same 404.
    assertThat(e).isInstanceOf(io.kubernetes.client.openapi.ApiException.class);
    assertThat(((io.kubernetes.client.openapi.ApiException) e).getCode()).isEqualTo(404);
    assertThat(targets).containsExactly("/api/v1/pods?limit=1");
  }

  @Test
  void aBetaVersionTheServerRemovedIsNeverProbed() throws Exception {
    answer(r -> status(404, "NotFound", "the server could not find the requested resource", null));
    SafeClient client = safe(VirtualTimeSource.autoAdvancing());
    ClientInternals.of(client).resourceActivity().changed("cronjobs.batch");
    okhttp3.Request list =
        new okhttp3.Request.Builder().url(server.url("/apis/batch/v1beta1/cronjobs")).build();

    try (okhttp3.Response r = client.apiClient().getHttpClient().newCall(list).execute()) {
      assertThat(r.code()).isEqualTo(404);
    }

    // batch/v1beta1 went in 1.25; k8s.io/api still carries its types. As plain client-java: one.
    assertThat(targets).containsExactly("/apis/batch/v1beta1/cronjobs");
  }

  /** The caller's own request after a failed page is sent once, even when it fails in turn. */
  @Test
  void aFallbackThatFailsIsSentOnceAndItsFailureIsTheCallers() throws Exception {
    answer(
        r -> {
          if (r.getUrl().queryParameter("continue") != null) {
            return status(500, "InternalError", "etcdserver: request timed out", null);
          }
          if (r.getUrl().queryParameter("limit") != null) {
            return podList("30", "c1", "a");
          }
          return new MockResponse.Builder()
              .onResponseStart(new SocketEffect.CloseSocket(true, false, false))
              .build();
        });

    Throwable e =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                new CoreV1Api(safe(VirtualTimeSource.autoAdvancing()).consistentApiClient())
                    .listNamespacedPod("default")
                    .execute());

    assertThat(e).isInstanceOf(io.kubernetes.client.openapi.ApiException.class);
    // One fallback: the failure of the caller's own request is not taken for a page's.
    assertThat(fallbacks).containsExactly("page 500");
    assertThat(targets.stream().filter(t -> t.equals("/api/v1/namespaces/default/pods")))
        .isNotEmpty();
    assertThat(targets.subList(0, 2))
        .containsExactly(
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?limit=1&continue=c1");
  }

  /**
   * A later page that APF rejects: the server is overloaded, and the caller's whole unpaged list
   * would be the heaviest request there is; the page's 429 is the caller's answer.
   */
  @Test
  void aLaterPageAnOverloadedServerRefusesIsNotFollowedByTheWholeList() throws Exception {
    answer(
        r -> {
          if (r.getUrl().queryParameter("continue") != null) {
            return status(
                    429, "TooManyRequests", "Too many requests, please try again later.", null)
                .newBuilder()
                .addHeader("Retry-After", "1")
                .addHeader("X-Kubernetes-PF-FlowSchema-UID", "fs-uid-1")
                .addHeader("X-Kubernetes-PF-PriorityLevel-UID", "pl-uid-1")
                .build();
          }
          if (r.getUrl().queryParameter("limit") != null) {
            return podList("30", "c1", "a");
          }
          return podList("30", null, "a", "b");
        });

    Throwable e =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                new CoreV1Api(safe(VirtualTimeSource.autoAdvancing()).consistentApiClient())
                    .listNamespacedPod("default")
                    .execute());

    assertThat(e).isInstanceOf(io.kubernetes.client.openapi.ApiException.class);
    assertThat(((io.kubernetes.client.openapi.ApiException) e).getCode()).isEqualTo(429);
    assertThat(targets).doesNotContain("/api/v1/namespaces/default/pods");
    assertThat(fallbacks).isEmpty();
  }

  /**
   * A probe that failed is not paid again for a minute: the lists go out as the caller sent them.
   */
  @Test
  void aFailedProbeIsNotPaidAgainForAMinute() throws Exception {
    answer(
        r ->
            isProbe(r)
                ? status(500, "InternalError", "etcdserver: request timed out", null)
                : podList("20", null, "a", "b"));
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    SafeClient client = safe(clock);
    CoreV1Api api = new CoreV1Api(client.apiClient());

    ClientInternals.of(client).resourceActivity().changed("pods");
    api.listNamespacedPod("default").labelSelector("app=web").execute();
    ClientInternals.of(client).resourceActivity().changed("pods");
    api.listNamespacedPod("default").labelSelector("app=web").execute();
    clock.advance(ListRewriteInterceptor.PROBE_FAILURE_MEMORY.plusSeconds(1));
    ClientInternals.of(client).resourceActivity().changed("pods");
    api.listNamespacedPod("default").labelSelector("app=web").execute();

    assertThat(targets)
        .containsExactly(
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb",
            "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb",
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb");
    assertThat(fallbacks).containsExactly("probe 500", "probe 500");
  }
}
