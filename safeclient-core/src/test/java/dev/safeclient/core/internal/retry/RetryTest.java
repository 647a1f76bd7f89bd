package dev.safeclient.core.internal.retry;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.POD_LIST;
import static dev.safeclient.model.testing.ScriptedApiServer.apf429;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static dev.safeclient.model.testing.ScriptedApiServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.RecordingMetrics;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Eviction;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RetryTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final ScriptedApiServer script = ScriptedApiServer.dispatcher(clock);
  final RecordingMetrics metrics = new RecordingMetrics();
  final List<SafetyWarning> warnings = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    server.setDispatcher(script);
  }

  ApiClient base() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return base;
  }

  SafeClient.Builder safe(ApiClient base) {
    // Budgets out of the way: these tests are about retries. A User-Agent keeps SC108 quiet.
    // 1.30: consistent lists are read from etcd, so SC101 rewrites a busy resource's.
    return SafeClient.builder(base)
        .serverVersion("1.30")
        .userAgent("retry-test/1.0")
        .qps(1000)
        .burst(1000)
        .listCostPerSecond(1000)
        .callTimeout(Duration.ofSeconds(10))
        .metrics(metrics)
        .warningListener(warnings::add)
        .clock(clock);
  }

  CoreV1Api core() {
    return new CoreV1Api(safe(base()).build().apiClient());
  }

  /** A client that just saw pods change: SC101 rewrites their plain lists on 1.30. */
  CoreV1Api coreWithBusyPods() {
    SafeClient client = safe(base()).build();
    ClientInternals.of(client).resourceActivity().changed("pods");
    return new CoreV1Api(client.apiClient());
  }

  /**
   * Where a test is about retries, not about SC101, its lists carry a limit of their own, so that
   * SC101 sends them as they are (one request each) instead of as a probe and a watch-cache read.
   */
  static final int OWN_LIMIT = 500;

  static V1Pod newPod() {
    return new V1Pod().metadata(new V1ObjectMeta().generateName("job-"));
  }

  @Test
  void apf429WithRetryAfterIsRetriedNoSoonerThanAskedAndSucceeds() throws Exception {
    script.then(apf429(2)).then(ok(POD));

    V1Pod pod = core().readNamespacedPod("p1", "default").execute();

    assertThat(pod.getMetadata().getName()).isEqualTo("p1");
    List<ScriptedApiServer.Seen> seen = script.all();
    assertThat(seen).hasSize(2);
    // max(Retry-After, first backoff < 100 ms): exactly the 2 s asked.
    assertThat(Duration.ofNanos(seen.get(1).atNanos() - seen.get(0).atNanos()))
        .isBetween(Duration.ofSeconds(2), Duration.ofMillis(2_100));
    assertThat(seen.get(1).request().getTarget()).isEqualTo("/api/v1/namespaces/default/pods/p1");
    assertThat(metrics.of("retry")).containsExactly("429");
    // SC202 names the flow, so an operator can find it.
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC202");
    assertThat(warnings.get(0).message()).contains("fs-uid-1").contains("pl-uid-1");
  }

  @Test
  void givesUpAfterTenAttemptsWithTheLastStatus() {
    script.otherwise(r -> apf429(1));
    long start = clock.nanoTime();

    assertThatThrownBy(() -> core().readNamespacedPod("p1", "default").execute())
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(429);
              assertThat(e.getResponseBody()).contains("TooManyRequests");
            });
    assertThat(script.count()).isEqualTo(10);
    assertThat(metrics.of("retry")).hasSize(9);
    // Each of the 9 waits is max(Retry-After 1 s, backoff capped at 10 s).
    assertThat(clock.since(start)).isBetween(Duration.ofSeconds(9), Duration.ofSeconds(90));
  }

  @Test
  void createAnsweredServerTimeoutWithRetryAfterIsNotRetried() {
    script.then(
        status(
            500,
            "ServerTimeout",
            "The POST operation against Pod could not be completed",
            null,
            2L,
            true));

    assertThatThrownBy(() -> core().createNamespacedPod("default", newPod()).execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(500));
    assertThat(script.count()).isEqualTo(1);
    assertThat(metrics.of("retry")).isEmpty();
  }

  @Test
  void updateWithResourceVersionPreconditionIsRetriedAfterServerTimeout() throws Exception {
    script.then(status(500, "ServerTimeout", "etcd unreachable", null, 1L, true)).then(ok(POD));
    V1Pod pod =
        new V1Pod()
            .metadata(new V1ObjectMeta().name("p1").namespace("default").resourceVersion("7"));

    core().replaceNamespacedPod("p1", "default", pod).execute();

    assertThat(script.count()).isEqualTo(2);
    assertThat(script.all().get(1).request().getMethod()).isEqualTo("PUT");
  }

  @Test
  void getAnswered503WithoutRetryAfterIsNotRetried() {
    script.then(status(503, "ServiceUnavailable", "unavailable", null, null, true));

    assertThatThrownBy(() -> core().readNamespacedPod("p1", "default").execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(503));
    assertThat(script.count()).isEqualTo(1);
  }

  @Test
  void getAnswered503WithRetryAfterIsRetried() throws Exception {
    script.then(status(503, "ServiceUnavailable", "unavailable", null, 1L, true)).then(ok(POD));

    core().readNamespacedPod("p1", "default").execute();

    assertThat(script.count()).isEqualTo(2);
    assertThat(metrics.of("retry")).containsExactly("503");
  }

  @Test
  void postWhoseConnectionWasRefusedIsRetried() throws Exception {
    AtomicInteger connects = new AtomicInteger();
    ApiClient base = base();
    base.setHttpClient(
        base.getHttpClient().newBuilder().socketFactory(new RefuseFirst(connects)).build());
    script.then(
        new mockwebserver3.MockResponse.Builder()
            .code(201)
            .addHeader("Content-Type", "application/json")
            .body(POD)
            .build());

    V1Pod created =
        new CoreV1Api(safe(base).build().apiClient())
            .createNamespacedPod("default", newPod())
            .execute();

    assertThat(created.getMetadata().getName()).isEqualTo("p1");
    assertThat(connects.get()).isEqualTo(2);
    assertThat(script.count()).isEqualTo(1);
    assertThat(script.all().get(0).request().getMethod()).isEqualTo("POST");
    assertThat(metrics.of("retry")).containsExactly("never-sent/connect");
  }

  @Test
  void aNaiveLoopAfterA429SendsNothingForTheWholeWindow() {
    // 12 rejections: the first call spends its 10 attempts, the second gets 2 more, then 200.
    script.then(12, apf429(3)).otherwise(r -> ok(POD_LIST));
    CoreV1Api api = core();

    int calls = 0;
    while (true) { // the loop found in real agents: on error, log and go again at once
      calls++;
      try {
        api.listNamespacedPod("default").limit(OWN_LIMIT).execute();
        break;
      } catch (ApiException e) {
        assertThat(e.getCode()).isEqualTo(429);
      }
    }

    assertThat(calls).isEqualTo(2);
    List<ScriptedApiServer.Seen> seen = script.all();
    assertThat(seen).hasSize(13);
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i).atNanos() - seen.get(i - 1).atNanos())
          .as("gap before request %d", i)
          .isGreaterThanOrEqualTo(Duration.ofSeconds(3).toNanos())
          .isLessThanOrEqualTo(Duration.ofSeconds(10).toNanos()); // the backoff cap
    }
  }

  @Test
  void anotherCallOfTheSameFlowWaitsOutARetryAfterItDidNotGet() throws Exception {
    // The informer's calls are not retried, but the window they got applies to everyone.
    // Two refusals in a row: the level is refusing, not shedding one request at its edge.
    script.then(2, apf429(3)).otherwise(r -> ok(POD_LIST));
    SafeClient client = safe(base()).build();

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(
              () ->
                  new CoreV1Api(ClientInternals.of(client).libraryApiClient())
                      .listNamespacedPod("default")
                      .execute())
          .isInstanceOf(ApiException.class);
    }
    // The same flow (LIST pods): the flow's priority level was learnt from the 429.
    new CoreV1Api(client.apiClient()).listNamespacedPod("default").limit(OWN_LIMIT).execute();

    List<ScriptedApiServer.Seen> seen = script.all();
    assertThat(seen).hasSize(3);
    // The window, then the first caller's jitter of at most a tenth of it.
    assertThat(Duration.ofNanos(seen.get(2).atNanos() - seen.get(1).atNanos()))
        .isBetween(Duration.ofSeconds(3), Duration.ofMillis(3300));
  }

  @Test
  void aMaxInFlight429WithoutFlowHeadersHoldsTheWholeHost() throws Exception {
    // The max-in-flight filter rejects before APF classifies: no priority level, so every flow
    // to this host waits, a Lease renewal excepted.
    script
        .then(2, status(429, "TooManyRequests", "Too many requests", null, 2L, false))
        .otherwise(
            r ->
                ok(
                    r.getTarget().contains("/leases/")
                        ? ScriptedApiServer.LEASE
                        : r.getTarget().contains("/pods/")
                            ? POD
                            : "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}"));
    SafeClient client = safe(base()).build();
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(
              () ->
                  new CoreV1Api(ClientInternals.of(client).libraryApiClient())
                      .listNamespacedPod("default")
                      .execute())
          .isInstanceOf(ApiException.class);
    }
    long rejectedAt = script.all().get(1).atNanos();

    new io.kubernetes.client.openapi.apis.CoordinationV1Api(client.apiClient())
        .readNamespacedLease("leader", "kube-system")
        .execute();
    new CoreV1Api(client.apiClient()).listNamespacedConfigMap("default").limit(OWN_LIMIT).execute();

    List<ScriptedApiServer.Seen> seen = script.all();
    assertThat(seen.get(2).request().getTarget()).contains("/leases/");
    assertThat(seen.get(2).atNanos()).isEqualTo(rejectedAt);
    assertThat(Duration.ofNanos(seen.get(3).atNanos() - rejectedAt))
        .isBetween(Duration.ofSeconds(2), Duration.ofMillis(2200));
    assertThat(warnings).isEmpty(); // SC202 is for APF rejections, which carry the flow headers
  }

  @Test
  void libraryCallsAreNotRetried() {
    script.otherwise(r -> apf429(1));
    SafeClient client = safe(base()).build();

    assertThatThrownBy(
            () ->
                new CoreV1Api(ClientInternals.of(client).libraryApiClient())
                    .listNamespacedPod("default")
                    .execute())
        .isInstanceOf(ApiException.class);
    assertThat(script.count()).isEqualTo(1);
  }

  @Test
  void evictionBlockedByDisruptionBudgetIsNotRetried() {
    script.then(
        status(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
            "DisruptionBudget",
            1L,
            true));
    V1Eviction eviction =
        new V1Eviction().metadata(new V1ObjectMeta().name("p1").namespace("default"));

    assertThatThrownBy(
            () -> core().createNamespacedPodEviction("p1", "default", eviction).execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(429));
    assertThat(script.count()).isEqualTo(1);
    assertThat(warnings).isEmpty(); // not an APF rejection
  }

  @Test
  void storageInitializing429IsRetriedForReadsAndDoesNotOpenTheBreaker() throws Exception {
    // 15 answers: more than the breaker needs to judge (10) had they counted.
    script
        .then(15, status(429, "TooManyRequests", "storage is (re)initializing", null, 1L, true))
        .otherwise(r -> ok(POD_LIST));
    CoreV1Api api = core();

    assertThatThrownBy(() -> api.listPodForAllNamespaces().limit(OWN_LIMIT).execute())
        .isInstanceOf(ApiException.class);
    V1PodList list = api.listPodForAllNamespaces().limit(OWN_LIMIT).execute();

    assertThat(list.getItems()).isEmpty();
    assertThat(script.count()).isEqualTo(16);
    assertThat(metrics.of("retry")).hasSize(14).containsOnly("initializing");
    assertThat(metrics.of("breaker")).doesNotContain("OPEN");
  }

  @Test
  void storageInitializing429IsNotRetriedForWrites() {
    script.then(status(429, "TooManyRequests", "storage is (re)initializing", null, 1L, true));

    assertThatThrownBy(() -> core().createNamespacedPod("default", newPod()).execute())
        .isInstanceOf(ApiException.class);
    assertThat(script.count()).isEqualTo(1);
  }

  @Test
  void resourceVersionTooLarge504IsNotRetried() {
    script.then(
        status(
            504,
            "Timeout",
            "Too large resource version: 12, current: 10",
            "ResourceVersionTooLarge",
            1L,
            true));

    assertThatThrownBy(() -> core().listNamespacedPod("default").resourceVersion("12").execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(504));
    assertThat(script.count()).isEqualTo(1);
  }

  @Test
  void sc101sReadOnALaggingCacheFallsBackAtOnceAndHoldsNoFlow() throws Exception {
    // A real lagging cache's answer: 504, cause ResourceVersionTooLarge, Retry-After 1, APF
    // headers.
    script
        .then(ok(POD_LIST))
        .then(
            status(
                504,
                "Timeout",
                "Too large resource version: 9, current: 8",
                "ResourceVersionTooLarge",
                1L,
                true))
        .otherwise(r -> ok(POD_LIST));
    CoreV1Api api = coreWithBusyPods();
    long start = clock.nanoTime();

    api.listNamespacedPod("default").execute();
    api.listNamespacedPod("default").limit(OWN_LIMIT).execute();

    // Probe, cache read (504: not retried), the caller's own request at once; then the next call
    // of the same flow is not held by the 504's Retry-After.
    assertThat(script.all())
        .extracting(s -> s.request().getTarget())
        .containsExactly(
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?resourceVersion=9&resourceVersionMatch=NotOlderThan",
            "/api/v1/namespaces/default/pods",
            "/api/v1/namespaces/default/pods?limit=" + OWN_LIMIT);
    assertThat(clock.since(start)).isZero();
    assertThat(metrics.of("retry")).isEmpty();
    assertThat(metrics.of("breaker")).isEmpty();
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC101");
  }

  @Test
  void anApf429OnSc101sProbeIsRetriedThenTheCacheReadFollows() throws Exception {
    script.then(apf429(2)).otherwise(r -> ok(POD_LIST));
    CoreV1Api api = coreWithBusyPods();
    long start = clock.nanoTime();

    api.listNamespacedPod("default").execute();

    List<ScriptedApiServer.Seen> seen = script.all();
    assertThat(seen)
        .extracting(s -> s.request().getTarget())
        .containsExactly(
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?resourceVersion=9&resourceVersionMatch=NotOlderThan");
    // The probe's retry waits the 2 s asked; the read, anchored on the retried probe, follows.
    assertThat(seen.get(1).atNanos() - start).isEqualTo(Duration.ofSeconds(2).toNanos());
    assertThat(seen.get(2).atNanos()).isEqualTo(seen.get(1).atNanos());
    assertThat(metrics.of("retry")).containsExactly("429");
  }

  /** Refuses the first connection as a closed port would; then connects for real. */
  static final class RefuseFirst extends SocketFactory {
    private final AtomicInteger connects;

    RefuseFirst(AtomicInteger connects) {
      this.connects = connects;
    }

    @Override
    public Socket createSocket() {
      return new Socket() {
        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
          if (connects.incrementAndGet() == 1) {
            throw new ConnectException("Connection refused");
          }
          super.connect(endpoint, timeout);
        }
      };
    }

    @Override
    public Socket createSocket(String host, int port) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Socket createSocket(InetAddress host, int port) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Socket createSocket(InetAddress a, int port, InetAddress local, int localPort) {
      throw new UnsupportedOperationException();
    }
  }
}
