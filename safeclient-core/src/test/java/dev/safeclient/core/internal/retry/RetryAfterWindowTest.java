package dev.safeclient.core.internal.retry;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static dev.safeclient.model.testing.ScriptedApiServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A Retry-After window holds what the server said was busy, not every request of its level. */
class RetryAfterWindowTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final ScriptedApiServer script = ScriptedApiServer.dispatcher(clock);
  OkHttpClient http;

  static final String CONFIG_MAP =
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\"}}";

  @BeforeEach
  void setUp() {
    server.setDispatcher(script);
    // Every answer carries APF's headers: every flow of this client is on one priority level.
    script.otherwise(
        r ->
            ok(r.getTarget().contains("configmaps") ? CONFIG_MAP : POD)
                .newBuilder()
                .addHeader("X-Kubernetes-PF-FlowSchema-UID", "fs-uid-1")
                .addHeader("X-Kubernetes-PF-PriorityLevel-UID", "pl-uid-1")
                .build());
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    SafeClient safe =
        SafeClient.builder(base)
            .userAgent("window-test/1.0")
            .clock(clock)
            .breakerEnabled(false)
            .build();
    http = safe.apiClient().getHttpClient();
  }

  /** Each flow learns its priority level (pl-uid-1) from a first answer. */
  void learnLevels() throws Exception {
    get("/api/v1/namespaces/default/pods/p1", CallOrigin.USER);
    get("/apis/apps/v1/namespaces/default/deployments/d", CallOrigin.USER);
    get("/api/v1/namespaces/default/configmaps/cm", CallOrigin.USER);
    get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/p1", CallOrigin.USER);
  }

  /** As an informer sends it: the answer comes back as it is, without the generic retries. */
  int get(String path, CallOrigin origin) throws Exception {
    try (Response r =
        http.newCall(
                new Request.Builder().url(server.url(path)).tag(CallOrigin.class, origin).build())
            .execute()) {
      return r.code();
    }
  }

  @Test
  void anInitializingWatchCacheHoldsThatResourceOnly() throws Exception {
    // With APF's headers, as the real answer has them: keyed by level, it would hold every
    // request of the level for the window.
    learnLevels();
    script.then(status(429, "TooManyRequests", "storage is (re)initializing", null, 5L, true));
    assertThat(get("/api/v1/namespaces/default/configmaps/cm", CallOrigin.LIBRARY)).isEqualTo(429);
    ScriptedApiServer.Seen first = script.all().get(4);

    long start = clock.nanoTime();
    assertThat(get("/api/v1/namespaces/default/pods/p1", CallOrigin.USER)).isEqualTo(200);
    assertThat(clock.since(start)).as("pods are not initializing").isZero();

    assertThat(get("/api/v1/namespaces/default/configmaps/cm", CallOrigin.USER)).isEqualTo(200);
    assertThat(Duration.ofNanos(script.all().get(6).atNanos() - first.atNanos()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void anAggregatedApisRetryAfterHoldsThatGroupVersionOnly() throws Exception {
    learnLevels();
    script.then(status(503, "ServiceUnavailable", "metrics-server unavailable", null, 3L, true));
    assertThat(get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/p1", CallOrigin.LIBRARY))
        .isEqualTo(503);
    ScriptedApiServer.Seen first = script.all().get(4);

    long start = clock.nanoTime();
    assertThat(get("/api/v1/namespaces/default/pods/p1", CallOrigin.USER)).isEqualTo(200);
    assertThat(get("/apis/apps/v1/namespaces/default/deployments/d", CallOrigin.USER))
        .isEqualTo(200);
    assertThat(clock.since(start)).as("the API server itself was not busy").isZero();

    get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/p1", CallOrigin.USER);
    assertThat(Duration.ofNanos(script.all().get(7).atNanos() - first.atNanos()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void apfRejectionsInARowStillHoldTheirPriorityLevel() throws Exception {
    learnLevels();
    // One rejection is load shedding at the level's edge: only the rejected request waits (as in
    // client-go). A second in a row says the level is refusing: the window holds all of it.
    script.then(2, status(429, "TooManyRequests", "Too many requests", null, 2L, true));
    assertThat(get("/api/v1/namespaces/default/pods/p1", CallOrigin.LIBRARY)).isEqualTo(429);
    assertThat(get("/api/v1/namespaces/default/configmaps/cm", CallOrigin.LIBRARY)).isEqualTo(429);
    ScriptedApiServer.Seen second = script.all().get(5);

    // Another flow on the same level: it waits.
    assertThat(get("/apis/apps/v1/namespaces/default/deployments/d", CallOrigin.USER))
        .isEqualTo(200);
    assertThat(Duration.ofNanos(script.all().get(6).atNanos() - second.atNanos()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void oneApfRejectionHoldsOnlyTheRejectedRequest() throws Exception {
    learnLevels();
    script.then(status(429, "TooManyRequests", "Too many requests", null, 2L, true));
    assertThat(get("/api/v1/namespaces/default/pods/p1", CallOrigin.LIBRARY)).isEqualTo(429);

    long start = clock.nanoTime();
    assertThat(get("/apis/apps/v1/namespaces/default/deployments/d", CallOrigin.USER))
        .isEqualTo(200);
    assertThat(clock.since(start)).isZero();
  }
}
