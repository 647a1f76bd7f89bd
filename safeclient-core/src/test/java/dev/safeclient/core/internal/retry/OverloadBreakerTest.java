package dev.safeclient.core.internal.retry;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static dev.safeclient.model.testing.ScriptedApiServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.RecordingMetrics;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.ServerOverloadedException;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OverloadBreakerTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final ScriptedApiServer script = ScriptedApiServer.dispatcher(clock);
  final RecordingMetrics metrics = new RecordingMetrics();

  /** APF's rejection without Retry-After, so that each call is one attempt (no retry). */
  static final MockResponse PF_429 =
      status(429, "TooManyRequests", "Too many requests", null, null, true);

  @BeforeEach
  void setUp() {
    server.setDispatcher(script);
  }

  SafeClient.Builder safe() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return SafeClient.builder(base)
        .qps(1000)
        .burst(1000)
        .metrics(metrics)
        .clock(clock)
        .breakerOpenDuration(Duration.ofSeconds(5));
  }

  static void failWith(CoreV1Api api, int code) {
    assertThatThrownBy(() -> api.readNamespacedPod("p1", "default").execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(code));
  }

  @Test
  void opensUnderAnApfStormMakesCallersWaitAndClosesAfterRecovery() throws Exception {
    script.then(10, PF_429).otherwise(r -> ok(POD));
    CoreV1Api api = new CoreV1Api(safe().build().apiClient());
    for (int i = 0; i < 10; i++) {
      failWith(api, 429);
    }
    assertThat(metrics.of("breaker")).containsExactly("OPEN");
    long openedAt = clock.nanoTime();

    // The next call is held, not thrown at: it waits out the open interval (5 s × [1, 1.5)).
    api.readNamespacedPod("p1", "default").execute();
    ScriptedApiServer.Seen probe = script.all().get(10);
    assertThat(Duration.ofNanos(probe.atNanos() - openedAt))
        .isBetween(Duration.ofSeconds(5), Duration.ofMillis(7_500));

    api.readNamespacedPod("p1", "default").execute();
    api.readNamespacedPod("p1", "default").execute();
    assertThat(metrics.of("breaker")).containsExactly("OPEN", "HALF_OPEN", "CLOSED");
    assertThat(script.count()).isEqualTo(13);
  }

  @Test
  void aCallerWaitsAtMostMaxBudgetWaitThenGetsServerOverloaded() {
    script.otherwise(r -> PF_429);
    CoreV1Api api = new CoreV1Api(safe().maxBudgetWait(Duration.ofSeconds(1)).build().apiClient());
    for (int i = 0; i < 10; i++) {
      failWith(api, 429);
    }
    long start = clock.nanoTime();

    assertThatThrownBy(() -> api.readNamespacedPod("p1", "default").execute())
        .isInstanceOf(ApiException.class)
        .hasRootCauseInstanceOf(ServerOverloadedException.class);
    assertThat(clock.since(start)).isEqualTo(Duration.ofSeconds(1));
    assertThat(script.count()).isEqualTo(10);
  }

  @Test
  void ignoresWebhook500sAggregatedApi503sAndUnauthorized() {
    script
        .then(
            15,
            status(
                500,
                "InternalError",
                "Internal error occurred: failed calling webhook \\\"x.example.com\\\"",
                null,
                null,
                true))
        .then(
            15,
            new MockResponse.Builder()
                .code(503)
                .addHeader("Content-Type", "text/plain")
                .body("service unavailable\n")
                .build())
        .otherwise(r -> status(401, "Unauthorized", "Unauthorized", null, null, false));
    SafeClient client = safe().build();
    CoreV1Api core = new CoreV1Api(client.apiClient());
    long start = clock.nanoTime();

    for (int i = 0; i < 15; i++) {
      failWith(core, 500);
    }
    for (int i = 0; i < 15; i++) {
      String path = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/p1";
      assertThatThrownBy(
              () ->
                  client
                      .apiClient()
                      .execute(
                          client
                              .apiClient()
                              .buildCall(
                                  null,
                                  path,
                                  "GET",
                                  java.util.List.of(),
                                  java.util.List.of(),
                                  null,
                                  new java.util.HashMap<>(),
                                  new java.util.HashMap<>(),
                                  new java.util.HashMap<>(),
                                  new String[0],
                                  null)))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(503));
    }
    for (int i = 0; i < 15; i++) {
      failWith(core, 401);
    }

    assertThat(metrics.of("breaker")).isEmpty();
    assertThat(clock.since(start)).isZero();
    assertThat(script.count()).isEqualTo(45);
  }

  @Test
  void apiServer503sAndTimeoutsCount() {
    script
        .then(5, status(503, "ServiceUnavailable", "unavailable", null, null, true))
        .then(5, status(504, "Timeout", "request timed out", null, null, true));
    CoreV1Api api = new CoreV1Api(safe().build().apiClient());

    for (int i = 0; i < 5; i++) {
      failWith(api, 503);
    }
    for (int i = 0; i < 5; i++) {
      failWith(api, 504);
    }

    assertThat(metrics.of("breaker")).containsExactly("OPEN");
  }

  @Test
  void leaseRenewalsAndWatchResumesPassAnOpenBreaker() throws Exception {
    script
        .then(10, PF_429)
        .otherwise(r -> ok(r.getTarget().contains("/leases/") ? ScriptedApiServer.LEASE : POD));
    SafeClient client = safe().build();
    CoreV1Api core = new CoreV1Api(client.apiClient());
    for (int i = 0; i < 10; i++) {
      failWith(core, 429);
    }
    assertThat(metrics.of("breaker")).containsExactly("OPEN");
    long start = clock.nanoTime();

    // Leases are in another group (another breaker) anyway; a core-group watch resume is in this
    // one.
    new CoordinationV1Api(client.apiClient()).readNamespacedLease("l", "kube-system").execute();
    okhttp3.Request resume =
        new okhttp3.Request.Builder()
            .url(server.url("/api/v1/namespaces/default/pods?watch=true&resourceVersion=42"))
            .build();
    try (okhttp3.Response r = client.apiClient().getHttpClient().newCall(resume).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }

    assertThat(clock.since(start)).isZero();
    assertThat(script.count()).isEqualTo(12);
  }

  @Test
  void canBeSwitchedOff() {
    script.otherwise(r -> PF_429);
    CoreV1Api api = new CoreV1Api(safe().breakerEnabled(false).build().apiClient());
    for (int i = 0; i < 30; i++) {
      failWith(api, 429);
    }
    assertThat(metrics.of("breaker")).isEmpty();
    assertThat(script.count()).isEqualTo(30);
  }
}
