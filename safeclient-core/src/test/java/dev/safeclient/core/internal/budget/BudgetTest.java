package dev.safeclient.core.internal.budget;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.POD_LIST;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.BudgetExhaustedException;
import dev.safeclient.core.RecordingMetrics;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.ListPage;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BudgetTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final ScriptedApiServer script = ScriptedApiServer.dispatcher(clock);
  final RecordingMetrics metrics = new RecordingMetrics();

  @BeforeEach
  void setUp() {
    server.setDispatcher(script);
    script.otherwise(
        r ->
            ok(
                r.getTarget().contains("/leases/")
                    ? ScriptedApiServer.LEASE
                    : r.getTarget().contains("/pods/")
                        ? POD
                        : r.getTarget().contains("configmaps") ? CONFIG_MAP_LIST : POD_LIST));
  }

  ApiClient base() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return base;
  }

  SafeClient.Builder safe() {
    // 1.30, where SC101 rewrites a busy resource's consistent lists: these tests charge that form.
    return SafeClient.builder(base())
        .serverVersion("1.30")
        .userAgent("budget-test/1.0")
        .metrics(metrics)
        .clock(clock);
  }

  @Test
  void qps5Burst10Takes18SecondsOfBudgetFor100Calls() throws Exception {
    CoreV1Api api = new CoreV1Api(safe().qps(5).burst(10).build().apiClient());
    long start = clock.nanoTime();

    for (int i = 0; i < 100; i++) {
      api.readNamespacedPod("p1", "default").execute();
    }

    // 10 from the burst, then 90 at 5/s.
    assertThat(clock.since(start)).isBetween(Duration.ofMillis(17_900), Duration.ofMillis(18_100));
    assertThat(script.count()).isEqualTo(100);
  }

  @Test
  void aRequestThatWouldWaitTooLongFailsTypedAndIsNotSent() throws Exception {
    CoreV1Api api =
        new CoreV1Api(
            safe().qps(1).burst(1).maxBudgetWait(Duration.ofMillis(500)).build().apiClient());
    api.readNamespacedPod("p1", "default").execute();

    assertThatThrownBy(() -> api.readNamespacedPod("p1", "default").execute())
        .isInstanceOf(ApiException.class)
        .hasRootCauseInstanceOf(BudgetExhaustedException.class)
        .rootCause()
        .hasMessageContaining("qps");
    assertThat(script.count()).isEqualTo(1);
  }

  @Test
  void anUnlimitedBudgetIsAccepted() throws Exception {
    // Far above what bucket4j can refill (1 token/ns): clamped, not rejected.
    SafeClient client = safe().qps(1e9).burst(1_000_000).listCostPerSecond(1e9).build();
    long start = clock.nanoTime();
    for (int i = 0; i < 20; i++) {
      new CoreV1Api(client.apiClient()).listPodForAllNamespaces().execute();
    }
    assertThat(clock.since(start)).isZero();
  }

  @Test
  void leaseCallsHaveTheirOwnBucket() throws Exception {
    SafeClient client = safe().qps(0.01).burst(1).maxBudgetWait(Duration.ZERO).build();
    new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "default").execute();
    long start = clock.nanoTime();

    CoordinationV1Api leases = new CoordinationV1Api(client.apiClient());
    for (int i = 0; i < 5; i++) {
      leases.readNamespacedLease("leader", "kube-system").execute();
    }

    assertThat(clock.since(start)).isZero();
    assertThatThrownBy(
            () -> new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "default").execute())
        .hasRootCauseInstanceOf(BudgetExhaustedException.class);
  }

  @Test
  void listCostBudgetSlowsBigListsAndNotSmallGets() throws Exception {
    SafeClient client = safe().qps(1000).burst(1000).listCostPerSecond(5).build();
    ClientInternals.of(client).storedCounts().report("pods", 150_000);
    CoreV1Api api = new CoreV1Api(client.apiClient());

    long start = clock.nanoTime();
    for (int i = 0; i < 50; i++) {
      api.readNamespacedPod("p1", "default").execute();
    }
    assertThat(clock.since(start)).as("GETs are not list-charged").isZero();

    // The probe of a real server holding 150k pods: one item and the rest as remainingItemCount,
    // which the budget learns the stored count from (an empty scripted page would teach it 0).
    script.otherwise(r -> ok(r.getTarget().endsWith("?limit=1") ? pageOf(150_000) : POD_LIST));
    start = clock.nanoTime();
    for (int i = 0; i < 6; i++) {
      ClientInternals.of(client).resourceActivity().changed("pods");
      // A node-scoped list: selectors do not make it cheaper for APF.
      api.listPodForAllNamespaces().fieldSelector("spec.nodeName=node-1").execute();
    }
    // SC101 sends each as a probe (limit=1, no selector: 2 objects, 1 seat) and a watch-cache
    // read (charged for all 150k stored: 10 seats). 6 × 11 = 66 seats; 20 in the bucket, then 5
    // seats/s: 46 / 5 = 9.2 s, plus the last wait's jitter (up to 10 % of 2 s; earlier jitter
    // only shortens the waits after it).
    assertThat(clock.since(start)).isBetween(Duration.ofMillis(9_200), Duration.ofMillis(9_400));
    assertThat(metrics.of("listCost"))
        .containsExactly(
            "pods 1", "pods 10", "pods 1", "pods 10", "pods 1", "pods 10", "pods 1", "pods 10",
            "pods 1", "pods 10", "pods 1", "pods 10");
    List<ScriptedApiServer.Seen> lists = script.all().subList(50, script.count());
    assertThat(lists).hasSize(12);
    for (int i = 0; i < 12; i += 2) {
      assertThat(lists.get(i).request().getTarget()).isEqualTo("/api/v1/pods?limit=1");
      assertThat(lists.get(i + 1).request().getTarget())
          .isEqualTo(
              "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1"
                  + "&resourceVersion=9&resourceVersionMatch=NotOlderThan");
    }
  }

  @Test
  void smallCollectionsCostOneSeat() throws Exception {
    SafeClient client = safe().qps(1000).burst(1000).listCostPerSecond(5).build();
    ClientInternals.of(client).storedCounts().report("configmaps", 40);
    CoreV1Api api = new CoreV1Api(client.apiClient());
    long start = clock.nanoTime();

    // SC101 sends each as a namespaced probe (limit=1: 2 objects) and a watch-cache read (40
    // stored): 1 seat each. 10 lists are 20 one-seat requests: exactly the 20-seat bucket, so
    // nothing waits; at the 10-seat maximum the reads alone would owe 80 seats (16 s).
    for (int i = 0; i < 10; i++) {
      ClientInternals.of(client).resourceActivity().changed("configmaps");
      api.listNamespacedConfigMap("default").execute();
    }

    assertThat(clock.since(start)).isZero();
    assertThat(metrics.of("listCost")).containsOnly("configmaps 1").hasSize(20);
    assertThat(script.count()).isEqualTo(20);
  }

  @Test
  void eachPageIsChargedWhenSentAndLaterPagesWaitInsteadOfBeingRefused() throws Exception {
    // No wait allowed at all: only the pages after the first may wait.
    SafeClient client =
        safe().qps(1000).burst(1000).listCostPerSecond(5).maxBudgetWait(Duration.ZERO).build();
    ClientInternals.of(client).storedCounts().report("pods", 2_000);
    OkHttpClient http = client.apiClient().getHttpClient();
    String url = server.url("/api/v1/pods").toString();

    long start = clock.nanoTime();
    for (int page = 0; page < 4; page++) {
      try (Response resp = http.newCall(page(url, page, CallOrigin.USER)).execute()) {
        assertThat(resp.code()).isEqualTo(200);
      }
      // The scripted empty pages teach a count of 0: keep the real one.
      ClientInternals.of(client).storedCounts().report("pods", 2_000);
    }

    // Each page is one request of 2 × 500 objects: 10 seats, charged as it is sent. The bucket's
    // 20 seats cover pages 0 and 1; pages 2 and 3 each wait 10 / 5 = 2 s (plus up to 10 %
    // jitter), although maxBudgetWait is zero.
    assertThat(metrics.of("listCost")).containsExactly("pods 10", "pods 10", "pods 10", "pods 10");
    List<ScriptedApiServer.Seen> seen = script.all();
    assertThat(seen).hasSize(4);
    assertThat(Duration.ofNanos(seen.get(1).atNanos() - start)).isZero();
    assertThat(Duration.ofNanos(seen.get(2).atNanos() - start))
        .isBetween(Duration.ofMillis(2_000), Duration.ofMillis(2_200));
    assertThat(Duration.ofNanos(seen.get(3).atNanos() - seen.get(2).atNanos()))
        .isBetween(Duration.ofMillis(1_800), Duration.ofMillis(2_200));
    assertThat(clock.since(start)).isLessThan(Duration.ofMillis(4_400));
  }

  @Test
  void oneNodeScopedConsistentListLeavesNoDebtBehind() throws Exception {
    SafeClient client = safe().qps(1000).burst(1000).listCostPerSecond(5).build();
    script.otherwise(
        r ->
            ok(
                r.getTarget().contains("configmaps")
                    ? CONFIG_MAP_LIST
                    : r.getTarget().equals("/api/v1/pods?limit=1") ? pageOf(150_000) : POD_LIST));
    CoreV1Api api = new CoreV1Api(client.apiClient());
    CoreV1Api consistent = new CoreV1Api(client.consistentApiClient());

    // Learnt from a list answer: 1 pod and 149,999 remaining.
    api.listPodForAllNamespaces().limit(1).execute();
    assertThat(ClientInternals.of(client).storedCounts().get("pods")).hasValue(150_000);
    // A node agent's consistent list, paged by SC102 and answered in one page: APF charges
    // 150,000 stored + 500 limit = 10 seats (the maximum), once, not once per page there would
    // be without the selector (300 × 10).
    consistent.listPodForAllNamespaces().fieldSelector("spec.nodeName=node-1").execute();

    long start = clock.nanoTime();
    ClientInternals.of(client).resourceActivity().changed("configmaps");
    assertThat(api.listNamespacedConfigMap("default").execute().getItems()).isEmpty();

    // 20 seats - 1 - 10 leaves 9: SC101's probe (1 seat) and its watch-cache read (count
    // unknown: 10 seats) wait for 2 more, 0.4 s at 5 seats/s (plus up to 10 % jitter).
    assertThat(clock.since(start)).isBetween(Duration.ofMillis(400), Duration.ofMillis(440));
    assertThat(metrics.of("listCost"))
        .containsExactly("pods 1", "pods 10", "configmaps 1", "configmaps 10");
    assertThat(script.all())
        .extracting(s -> s.request().getTarget())
        .containsExactly(
            "/api/v1/pods?limit=1",
            "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&limit=500",
            "/api/v1/namespaces/default/configmaps?limit=1",
            "/api/v1/namespaces/default/configmaps?resourceVersion=9"
                + "&resourceVersionMatch=NotOlderThan");
  }

  @Test
  void anInformersListWaitsItsTurnInsteadOfBeingRefused() throws Exception {
    SafeClient client =
        safe().qps(1).burst(1).listCostPerSecond(5).maxBudgetWait(Duration.ZERO).build();
    ClientInternals.of(client).storedCounts().report("pods", 150_000);
    OkHttpClient http = ClientInternals.of(client).libraryApiClient().getHttpClient();
    String url = server.url("/api/v1/pods").toString();
    new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "default").execute();
    assertThatThrownBy(
            () -> new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "d").execute())
        .hasRootCauseInstanceOf(BudgetExhaustedException.class);

    long start = clock.nanoTime();
    for (int i = 0; i < 3; i++) {
      // A reflector's relist: 10 seats each, one QPS token each.
      try (Response resp =
          http.newCall(
                  new Request.Builder()
                      .url(url + "?resourceVersion=0&limit=500")
                      .tag(CallOrigin.class, CallOrigin.LIBRARY)
                      .build())
              .execute()) {
        assertThat(resp.code()).isEqualTo(200);
      }
      ClientInternals.of(client).storedCounts().report("pods", 150_000);
    }

    // Paced, not refused: one QPS token a second (the GET took the only one), at 1, 2 and 3 s;
    // the seats keep up (20, then 10 + 5, then 5 + 5 for the third list's 10).
    assertThat(script.count()).isEqualTo(4);
    // Each wait (the QPS bucket's, then any left on the seat bucket's) is lengthened by up to
    // TokenBucket.WAIT_JITTER of itself: three one-second waits end within 3 x 1.1 s.
    assertThat(clock.since(start))
        .isBetween(
            Duration.ofMillis(3_000),
            Duration.ofMillis((long) (3_000 * (1 + TokenBucket.WAIT_JITTER))));
    assertThat(metrics.of("listCost")).containsExactly("pods 10", "pods 10", "pods 10");
  }

  @Test
  void aWaitPastTheCallsOwnDeadlineIsRefusedAtOnce() throws Exception {
    SafeClient client = safe().qps(1).burst(1).maxBudgetWait(Duration.ofSeconds(30)).build();
    OkHttpClient http = client.apiClient().getHttpClient();
    String url = server.url("/api/v1/namespaces/default/pods/p1").toString();
    Request get = new Request.Builder().url(url).build();
    http.newCall(get).execute().close();

    long start = clock.nanoTime();
    okhttp3.Call call = http.newCall(get);
    call.timeout().timeout(500, java.util.concurrent.TimeUnit.MILLISECONDS);

    // The token comes back in 1 s; the call would be cancelled after 0.5 s.
    assertThatThrownBy(call::execute)
        .isInstanceOf(BudgetExhaustedException.class)
        .hasMessageContaining("call's own deadline");
    assertThat(clock.since(start)).isZero();
    assertThat(script.count()).isEqualTo(1);

    // Without a deadline of its own it waits its second.
    http.newCall(get).execute().close();
    assertThat(clock.since(start)).isBetween(Duration.ofMillis(1_000), Duration.ofMillis(1_100));
    assertThat(script.count()).isEqualTo(2);
  }

  private static Request page(String url, int page, CallOrigin origin) {
    return new Request.Builder()
        .url(url + "?limit=500" + (page == 0 ? "" : "&continue=c" + page))
        .tag(CallOrigin.class, origin)
        .tag(ListPage.class, new ListPage(page, 500))
        .build();
  }

  static final String CONFIG_MAP_LIST = ScriptedApiServer.CONFIG_MAP_LIST;

  @Test
  void storedCountIsLearntFromAnUnselectedListAnswer() throws Exception {
    SafeClient client = safe().qps(1000).burst(1000).build();
    script.then(
        ok(
            "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"5\","
                + "\"continue\":\"abc\",\"remainingItemCount\":1234},"
                + "\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{\"name\":\"b\"}}]}"));

    new CoreV1Api(client.apiClient()).listPodForAllNamespaces().limit(2).execute();

    assertThat(ClientInternals.of(client).storedCounts().get("pods")).hasValue(1236);
  }

  @Test
  void aSelectedOrNamespacedListTeachesNothing() throws Exception {
    SafeClient client = safe().qps(1000).burst(1000).build();
    script.then(ok(pageOf(1_236))).then(ok(pageOf(1_236)));
    CoreV1Api api = new CoreV1Api(client.apiClient());

    // With a limit of their own, so that SC101 sends them as they are: its probe drops the
    // selector and would (rightly) teach the count, see sc101sProbeTeachesTheStoredCount.
    api.listPodForAllNamespaces().labelSelector("app=x").limit(500).execute();
    api.listNamespacedPod("default").limit(500).execute();

    assertThat(script.all())
        .extracting(s -> s.request().getTarget())
        .containsExactly(
            "/api/v1/pods?labelSelector=app%3Dx&limit=500",
            "/api/v1/namespaces/default/pods?limit=500");
    assertThat(ClientInternals.of(client).storedCounts().get("pods")).isEmpty();
  }

  @Test
  void sc101sProbeTeachesTheStoredCount() throws Exception {
    SafeClient client = safe().qps(1000).burst(1000).build();
    script.then(ok(pageOf(1_236))).then(ok(POD_LIST));
    ClientInternals.of(client).resourceActivity().changed("pods");

    // A selected list, but its probe is unselected and cluster-wide: item + remainingItemCount is
    // what APF counts as stored.
    new CoreV1Api(client.apiClient()).listPodForAllNamespaces().labelSelector("app=x").execute();

    assertThat(script.all().get(0).request().getTarget()).isEqualTo("/api/v1/pods?limit=1");
    assertThat(ClientInternals.of(client).storedCounts().get("pods")).hasValue(1_236);
  }

  /** The first page (one pod) of a list over {@code stored} pods, as a paging server sends it. */
  static String pageOf(long stored) {
    return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"9\","
        + "\"continue\":\"c1\",\"remainingItemCount\":"
        + (stored - 1)
        + "},\"items\":[{\"metadata\":{\"name\":\"a\"}}]}";
  }

  @Test
  void maxInFlightHoldsUnder50ConcurrentCallers() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    server.setDispatcher(
        new mockwebserver3.Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            int now = inFlight.incrementAndGet();
            peak.accumulateAndGet(now, Math::max);
            Thread.sleep(20); // hold the slot long enough for callers to pile up
            inFlight.decrementAndGet();
            return ok(POD);
          }
        });
    ApiClient base = base();
    base.setHttpClient(
        base.getHttpClient()
            .newBuilder()
            .dispatcher(dispatcherFor(64))
            // About concurrency, not latency: on a loaded CI box accepting 50 connections can be
            // slow.
            .readTimeout(Duration.ofSeconds(60))
            .build());
    SafeClient client = SafeClient.builder(base).qps(10_000).burst(10_000).maxInFlight(5).build();
    CoreV1Api api = new CoreV1Api(client.apiClient());

    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      List<Future<?>> calls = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        calls.add(pool.submit(() -> api.readNamespacedPod("p1", "default").execute()));
      }
      for (Future<?> f : calls) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(peak.get()).isLessThanOrEqualTo(5).isGreaterThanOrEqualTo(2);
  }

  private static okhttp3.Dispatcher dispatcherFor(int max) {
    okhttp3.Dispatcher d = new okhttp3.Dispatcher();
    d.setMaxRequests(max);
    d.setMaxRequestsPerHost(max);
    return d;
  }
}
