package dev.safeclient.core.internal.transport;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.RecordingMetrics;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.request.CacheFillList;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import okhttp3.Protocol;
import okhttp3.internal.http2.ErrorCode;
import org.junit.jupiter.api.Test;

class TransportTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final RecordingMetrics metrics = new RecordingMetrics();

  ApiClient base() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return base;
  }

  static MockResponse created() {
    return new MockResponse.Builder()
        .code(201)
        .addHeader("Content-Type", "application/json")
        .body(POD)
        .build();
  }

  /** The server read the POST, then the connection died before any answer. */
  static MockResponse dropAfterRequest() {
    return new MockResponse.Builder()
        .code(201)
        .onResponseStart(new SocketEffect.CloseSocket(true, false, false))
        .build();
  }

  static V1Pod pod() {
    return new V1Pod().metadata(new V1ObjectMeta().generateName("job-"));
  }

  static MockResponse okPod() {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .body(POD)
        .build();
  }

  @Test
  void okHttpMakesNoSilentReplay() throws Exception {
    // The case OkHttp replays by itself: a POST on a pooled connection that had served a request,
    // which dies after the server read the POST. The write may well have happened.
    server.enqueue(okPod());
    server.enqueue(dropAfterRequest());
    server.enqueue(created());
    ApiClient plain = base();
    assertThat(plain.getHttpClient().retryOnConnectionFailure()).isTrue();
    new CoreV1Api(plain).readNamespacedPod("p1", "default").execute();
    new CoreV1Api(plain).createNamespacedPod("default", pod()).execute();
    // The control: the plain client sent the POST twice, below every interceptor.
    assertThat(server.getRequestCount()).isEqualTo(3);
    assertThat(server.takeRequest().getMethod()).isEqualTo("GET");
    assertThat(server.takeRequest().getMethod()).isEqualTo("POST");
    assertThat(server.takeRequest().getMethod()).isEqualTo("POST");

    // The safe client sends the POST once and reports the failure.
    server.enqueue(okPod());
    server.enqueue(dropAfterRequest());
    server.enqueue(created());
    SafeClient safe = SafeClient.builder(base()).metrics(metrics).clock(clock).build();
    CoreV1Api api = new CoreV1Api(safe.apiClient());
    api.readNamespacedPod("p1", "default").execute();
    assertThatThrownBy(() -> api.createNamespacedPod("default", pod()).execute())
        .isInstanceOf(ApiException.class)
        .hasCauseInstanceOf(java.io.IOException.class);
    assertThat(server.getRequestCount()).isEqualTo(5);
    assertThat(metrics.of("retry")).isEmpty();
  }

  @Test
  void aPostRefusedByHttp2RefusedStreamIsRetried() throws Exception {
    server.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    server.enqueue(
        new MockResponse.Builder()
            .onRequestStart(new SocketEffect.CloseStream(ErrorCode.REFUSED_STREAM.getHttpCode()))
            .build());
    server.enqueue(created());
    ApiClient base = base();
    base.setHttpClient(
        base.getHttpClient().newBuilder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build());
    SafeClient safe = SafeClient.builder(base).metrics(metrics).clock(clock).build();

    V1Pod created = new CoreV1Api(safe.apiClient()).createNamespacedPod("default", pod()).execute();

    assertThat(created.getMetadata().getName()).isEqualTo("p1");
    assertThat(metrics.of("retry")).containsExactly("never-sent/refused-stream");
  }

  @Test
  void callTimeoutCutsASlowGetButNotAWatch() throws Exception {
    SafeClient safe =
        SafeClient.builder(base())
            .callTimeout(Duration.ofMillis(300))
            .metrics(metrics)
            .clock(clock)
            .build();
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body(POD)
            .headersDelay(3, TimeUnit.SECONDS)
            .build());

    long start = System.nanoTime();
    assertThatThrownBy(
            () -> new CoreV1Api(safe.apiClient()).readNamespacedPod("p1", "default").execute())
        .isInstanceOf(ApiException.class)
        .rootCause()
        .isInstanceOf(java.io.IOException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2_500));

    // A watch lives as long as its own timeoutSeconds; the call deadline must not cut it.
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"type\":\"ADDED\",\"object\":" + POD + "}\n")
            .headersDelay(800, TimeUnit.MILLISECONDS)
            .build());
    okhttp3.Request watch =
        new okhttp3.Request.Builder()
            .url(server.url("/api/v1/namespaces/default/pods?watch=true&resourceVersion=5"))
            .build();
    try (okhttp3.Response r = safe.apiClient().getHttpClient().newCall(watch).execute()) {
      assertThat(r.body().string()).contains("ADDED");
    }
  }

  @Test
  void anInformersCacheFillListIsCutOnlyUntilItsAnswerStarts() throws Exception {
    SafeClient safe =
        SafeClient.builder(base()).callTimeout(Duration.ofMillis(300)).clock(clock).build();
    // A whole collection read slowly (a big cache, a slow link, a busy CPU): 2 s of body, far
    // past the deadline and its 250 ms sweep.
    String body = "{\"items\":[],\"pad\":\"" + "x".repeat(4_000) + "\"}";
    MockResponse slowBody =
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body(body)
            .throttleBody(200, 100, TimeUnit.MILLISECONDS)
            .build();
    okhttp3.Request list =
        new okhttp3.Request.Builder()
            .url(server.url("/api/v1/pods?limit=500&resourceVersion=0"))
            .build();
    okhttp3.Request cacheFill =
        list.newBuilder().tag(CacheFillList.class, CacheFillList.INSTANCE).build();

    server.enqueue(slowBody);
    try (okhttp3.Response r = safe.apiClient().getHttpClient().newCall(cacheFill).execute()) {
      assertThat(r.body().string()).isEqualTo(body);
    }

    // Any LIST without the tag too: its body is the collection's size, whoever asks.
    server.enqueue(slowBody);
    try (okhttp3.Response r = safe.apiClient().getHttpClient().newCall(list).execute()) {
      assertThat(r.body().string()).isEqualTo(body);
    }

    // A single object's GET is cut mid-body, as before.
    server.enqueue(slowBody);
    okhttp3.Request get =
        new okhttp3.Request.Builder().url(server.url("/api/v1/namespaces/default/pods/p1")).build();
    try (okhttp3.Response r = safe.apiClient().getHttpClient().newCall(get).execute()) {
      assertThatThrownBy(() -> r.body().string())
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessageContaining("callTimeout of 300 ms");
    }

    // And a cache fill whose answer does not start is cut too: that is the server's health.
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body(body)
            .headersDelay(3, TimeUnit.SECONDS)
            .build());
    assertThatThrownBy(() -> safe.apiClient().getHttpClient().newCall(cacheFill).execute())
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessageContaining("callTimeout of 300 ms");
  }

  /** Thirty pods' list, read slowly but steadily: about 3 s of body at 200 bytes per 100 ms. */
  private static MockResponse slowPodList() {
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      items
          .append(i == 0 ? "" : ",")
          .append("{\"metadata\":{\"name\":\"p")
          .append(i)
          .append("\",\"namespace\":\"default\",\"resourceVersion\":\"")
          .append(100 + i)
          .append("\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
    }
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .body(
            "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":"
                + "\"200\"},\"items\":["
                + items
                + "]}")
        .throttleBody(200, 100, TimeUnit.MILLISECONDS)
        .build();
  }

  /**
   * What client-java's own informer sends after its list: the watch if the list was read whole,
   * another list if it was cut. Each run has its own server, so that no request of an earlier
   * informer is counted.
   */
  private static String secondRequestOfClientJavasInformer(
      java.util.function.Function<ApiClient, ApiClient> client) throws Exception {
    try (MockWebServer own = new MockWebServer()) {
      own.setDispatcher(
          new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(mockwebserver3.RecordedRequest request) {
              if ("true".equals(request.getUrl().queryParameter("watch"))) {
                return new MockResponse.Builder()
                    .code(200)
                    .addHeader("Content-Type", "application/json")
                    .body("")
                    .build();
              }
              return slowPodList();
            }
          });
      own.start();
      ApiClient base = new ApiClient();
      base.setBasePath(own.url("/").toString().replaceAll("/$", ""));
      // client-java's informers require an ApiClient without a read timeout.
      base.setReadTimeout(0);
      ApiClient api = client.apply(base);
      io.kubernetes.client.informer.SharedInformerFactory factory =
          new io.kubernetes.client.informer.SharedInformerFactory(api);
      CoreV1Api core = new CoreV1Api(api);
      factory.sharedIndexInformerFor(
          params ->
              core.listNamespacedPod("default")
                  .resourceVersion(params.resourceVersion)
                  .timeoutSeconds(params.timeoutSeconds)
                  .watch(params.watch)
                  .buildCall(null),
          V1Pod.class,
          io.kubernetes.client.openapi.models.V1PodList.class);
      factory.startAllRegisteredInformers();
      try {
        mockwebserver3.RecordedRequest list = own.takeRequest();
        assertThat(list.getUrl().queryParameter("watch")).isNotEqualTo("true");
        mockwebserver3.RecordedRequest next = own.takeRequest();
        return "true".equals(next.getUrl().queryParameter("watch")) ? "watch" : "list";
      } finally {
        factory.stopAllRegisteredInformers(true);
      }
    }
  }

  @Test
  void clientJavasOwnInformerOnTheSafeApiClientReadsASlowButSteadyListWhole() throws Exception {
    String plainNext = secondRequestOfClientJavasInformer(base -> base);

    List<SafeClient> built = new java.util.ArrayList<>();
    String safeNext =
        secondRequestOfClientJavasInformer(
            base -> {
              SafeClient safe =
                  SafeClient.builder(base)
                      .serverVersion("1.30")
                      .userAgent("transport-test/1.0")
                      .callTimeout(Duration.ofMillis(300))
                      .clock(VirtualTimeSource.autoAdvancing())
                      .build();
              built.add(safe);
              return safe.apiClient();
            });
    built.forEach(SafeClient::close);

    assertThat(plainNext).isEqualTo("watch");
    assertThat(safeNext).isEqualTo(plainNext);
  }

  @Test
  void theDeadlineSaysItIsOne() throws Exception {
    SafeClient safe =
        SafeClient.builder(base()).callTimeout(Duration.ofMillis(200)).clock(clock).build();
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body(POD)
            .headersDelay(2, TimeUnit.SECONDS)
            .build());
    okhttp3.Request get =
        new okhttp3.Request.Builder().url(server.url("/api/v1/namespaces/default/pods/p1")).build();

    assertThatThrownBy(() -> safe.apiClient().getHttpClient().newCall(get).execute())
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessageContaining("callTimeout of 200 ms");
  }
}
