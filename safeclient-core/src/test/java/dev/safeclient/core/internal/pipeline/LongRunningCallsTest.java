package dev.safeclient.core.internal.pipeline;

import static dev.safeclient.core.ApiServerReplies.safeClient;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSink;
import okio.BufferedSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** exec, attach, proxy and log?follow=true pass through every link untouched, even in STRICT. */
class LongRunningCallsTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();
  SafeClient client;

  @BeforeEach
  void strictClient() {
    client = safeClient(server, SafetyMode.STRICT, warnings).nodeName("n1").build();
  }

  private static MockResponse text(String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "text/plain")
        .body(body)
        .build();
  }

  @Test
  void execGoesOutAsWritten() throws Exception {
    server.enqueue(text(""));

    new CoreV1Api(client.apiClient())
        .connectGetNamespacedPodExec("p1", "default")
        .command("ls")
        .stdout(true)
        .execute();

    RecordedRequest r = server.takeRequest();
    assertThat(r.getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods/p1/exec?command=ls&stdout=true");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(warnings).isEmpty();
  }

  @Test
  void proxyWithATrailingPathGoesOutAsWritten() throws Exception {
    server.enqueue(text("metrics 1"));

    String body =
        new CoreV1Api(client.apiClient())
            .connectGetNamespacedServiceProxyWithPath("svc", "monitoring", "metrics/x")
            .execute();

    assertThat(body).isEqualTo("metrics 1");
    // Exactly what client-java built (it escapes the slash of a path parameter).
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/monitoring/services/svc/proxy/metrics%2Fx");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void anUpgradeToWebSocketIsNotTouched() throws Exception {
    server.enqueue(text(""));
    Request upgrade =
        new Request.Builder()
            .url(server.url("/api/v1/namespaces/default/pods/p1/attach?stdout=true"))
            .header("Upgrade", "websocket")
            .header("Connection", "Upgrade")
            .build();

    try (Response ignored = client.apiClient().getHttpClient().newCall(upgrade).execute()) {
      RecordedRequest r = server.takeRequest();
      assertThat(r.getTarget()).isEqualTo("/api/v1/namespaces/default/pods/p1/attach?stdout=true");
      assertThat(r.getHeaders().get("Upgrade")).isEqualTo("websocket");
    }
    assertThat(warnings).isEmpty();
  }

  /** The server writes one line and holds the stream open: a buffering link would never return. */
  @Test
  void followedLogsStreamWithoutBuffering() throws Exception {
    CountDownLatch firstLineRead = new CountDownLatch(1);
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "text/plain")
            .body(
                new MockResponseBody() {
                  @Override
                  public long getContentLength() {
                    return -1;
                  }

                  @Override
                  public void writeTo(BufferedSink sink) throws java.io.IOException {
                    sink.writeUtf8("line 1\n").flush();
                    try {
                      firstLineRead.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    sink.writeUtf8("line 2\n").flush();
                  }
                })
            .build());

    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          try (Response r =
              new CoreV1Api(client.apiClient())
                  .readNamespacedPodLog("p1", "default")
                  .follow(true)
                  .buildCall(null)
                  .execute()) {
            BufferedSource source = r.body().source();
            assertThat(source.readUtf8LineStrict()).isEqualTo("line 1");
            firstLineRead.countDown();
            assertThat(source.readUtf8LineStrict()).isEqualTo("line 2");
          }
        });
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods/p1/log?follow=true");
    assertThat(warnings).isEmpty();
  }
}
