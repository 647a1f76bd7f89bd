package dev.safeclient.core.internal.retry;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.RecordingMetrics;
import dev.safeclient.core.SafeClient;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keep-alive connections left in the pool by a server that restarted: reads are sent again on a
 * fresh connection, writes are not, and nothing is replayed once an answer has begun.
 */
class DeadConnectionTest {
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final RecordingMetrics metrics = new RecordingMetrics();
  final List<MockWebServer> servers = new ArrayList<>();

  @AfterEach
  void tearDown() {
    servers.forEach(MockWebServer::close);
  }

  MockWebServer start(int port, Dispatcher dispatcher) throws IOException {
    MockWebServer s = new MockWebServer();
    s.setDispatcher(dispatcher);
    s.start(port);
    servers.add(s);
    return s;
  }

  /**
   * Answers eight GETs at once, one connection each, and closes each connection after its answer
   * without saying so ({@code Connection: close} absent), as a server that restarts does: the
   * client keeps them in its pool. Later requests are answered normally.
   */
  static Dispatcher restartingAfterEightAnswers(AtomicInteger before, AtomicInteger after) {
    CountDownLatch together = new CountDownLatch(8);
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if (before.get() < 8) {
          before.incrementAndGet();
          together.countDown();
          together.await(10, TimeUnit.SECONDS);
          return new MockResponse.Builder()
              .code(200)
              .addHeader("Content-Type", "application/json")
              .body(POD)
              .onResponseEnd(new SocketEffect.CloseSocket())
              .build();
        }
        after.incrementAndGet();
        return ok(POD);
      }
    };
  }

  SafeClient client(MockWebServer server) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return SafeClient.builder(base)
        .userAgent("dead-connection-test/1.0")
        .metrics(metrics)
        .clock(clock)
        .build();
  }

  /** Eight GETs at once leave keep-alive connections in the pool; then the server restarts. */
  void fillThePoolThenRestart(SafeClient safe) throws Exception {
    CoreV1Api api = new CoreV1Api(safe.apiClient());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<V1Pod>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(pool.submit(() -> api.readNamespacedPod("p1", "default").execute()));
      }
      for (Future<V1Pod> f : calls) {
        assertThat(f.get(30, TimeUnit.SECONDS).getMetadata().getName()).isEqualTo("p1");
      }
    } finally {
      pool.shutdownNow();
    }
    // OkHttp's default pool keeps five of them idle (the five GETs that failed without this link),
    // once its cleanup has run.
    assertThat(safe.apiClient().getHttpClient().connectionPool().idleConnectionCount())
        .isGreaterThanOrEqualTo(5);
  }

  final AtomicInteger before = new AtomicInteger();
  final AtomicInteger afterRestart = new AtomicInteger();

  @Test
  void eightSequentialGetsAfterARestartAllSucceed() throws Exception {
    MockWebServer server = start(0, restartingAfterEightAnswers(before, afterRestart));
    SafeClient safe = client(server);
    fillThePoolThenRestart(safe);

    CoreV1Api api = new CoreV1Api(safe.apiClient());
    for (int i = 0; i < 8; i++) {
      assertThat(api.readNamespacedPod("p1", "default").execute().getMetadata().getName())
          .isEqualTo("p1");
    }

    assertThat(before.get()).isEqualTo(8);
    // Every GET reached the restarted server exactly once; the dead connections were retried
    // past, each retry counted.
    assertThat(afterRestart.get()).isEqualTo(8);
    assertThat(metrics.of("retry")).isNotEmpty().containsOnly("stale-connection");
  }

  @Test
  void aWriteOnADeadConnectionIsNotSentAgain() throws Exception {
    MockWebServer server = start(0, restartingAfterEightAnswers(before, afterRestart));
    SafeClient safe = client(server);
    fillThePoolThenRestart(safe);

    V1Pod pod = new V1Pod().metadata(new V1ObjectMeta().name("p2").namespace("default"));
    assertThatThrownBy(
            () -> new CoreV1Api(safe.apiClient()).createNamespacedPod("default", pod).execute())
        .isInstanceOf(ApiException.class)
        .hasRootCauseInstanceOf(IOException.class);

    // It may have been applied: not provably unsent, so not sent again.
    assertThat(afterRestart.get()).isZero();
    assertThat(metrics.of("retry")).isEmpty();
  }

  @Test
  void aResetInTheMiddleOfAnAnswerIsNotReplayed() throws Exception {
    AtomicInteger count = new AtomicInteger();
    MockWebServer server =
        start(
            0,
            new Dispatcher() {
              @Override
              public MockResponse dispatch(RecordedRequest request) {
                count.incrementAndGet();
                return new MockResponse.Builder()
                    .code(200)
                    .addHeader("Content-Type", "application/json")
                    .body(
                        "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":["
                            + "{}, ".repeat(5_000)
                            + "{}]}")
                    .onResponseBody(new SocketEffect.CloseSocket())
                    .build();
              }
            });
    SafeClient safe = client(server);
    OkHttpClient http = safe.apiClient().getHttpClient();

    assertThatThrownBy(
            () -> {
              try (Response r =
                  http.newCall(
                          new Request.Builder()
                              .url(server.url("/api/v1/pods?resourceVersion=0&limit=500"))
                              .build())
                      .execute()) {
                r.body().string();
              }
            })
        .isInstanceOf(IOException.class);

    assertThat(count.get()).isEqualTo(1);
    assertThat(metrics.of("retry")).isEmpty();
  }

  @Test
  void aReadOnAFreshConnectionThatTimesOutIsNotSentAgain() throws Exception {
    AtomicInteger count = new AtomicInteger();
    MockWebServer server =
        start(
            0,
            new Dispatcher() {
              @Override
              public MockResponse dispatch(RecordedRequest request) {
                count.incrementAndGet();
                return new MockResponse.Builder()
                    .code(200)
                    .body(POD)
                    .headersDelay(2, TimeUnit.SECONDS)
                    .build();
              }
            });
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    base.setHttpClient(
        base.getHttpClient().newBuilder().readTimeout(Duration.ofMillis(200)).build());
    SafeClient safe =
        SafeClient.builder(base).userAgent("t/1").metrics(metrics).clock(clock).build();

    assertThatThrownBy(
            () -> new CoreV1Api(safe.apiClient()).readNamespacedPod("p1", "default").execute())
        .isInstanceOf(ApiException.class);

    // A slow answer is the server working: sending it again would double the work.
    assertThat(count.get()).isEqualTo(1);
    assertThat(metrics.of("retry")).isEmpty();
  }
}
