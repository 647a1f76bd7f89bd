package dev.safeclient.core.metrics;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.apf429;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

class MicrometerSafeClientMetricsTest {
  @StartStop final MockWebServer server = new MockWebServer();

  @Test
  void bindsThePipelinesCountsToMeters() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    ScriptedApiServer script =
        ScriptedApiServer.dispatcher(clock)
            .then(apf429(1))
            .otherwise(
                r -> ok(r.getTarget().contains("/pods/") ? POD : ScriptedApiServer.POD_LIST));
    server.setDispatcher(script);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    SafeClient client =
        SafeClient.builder(base)
            .userAgent("metrics-test/1.0")
            .qps(1)
            .burst(1)
            .metrics(new MicrometerSafeClientMetrics(registry))
            .clock(clock)
            .build();

    new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "default").execute();
    // With a limit of its own, SC101 sends the list as it is: one request, one charge. Its cost
    // with the stored count unknown: 2 × min(500, unknown) = 1,000 objects, capped at 10 seats.
    new CoreV1Api(client.apiClient()).listPodForAllNamespaces().limit(500).execute();

    assertThat(
            registry
                .get("safeclient.requests")
                .tags("verb", "GET", "resource", "pods", "code", "429")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("safeclient.requests")
                .tags("verb", "GET", "resource", "pods", "code", "200")
                .timer()
                .count())
        .isEqualTo(1);
    assertThat(registry.get("safeclient.retries").tag("reason", "429").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("safeclient.warnings").tag("rule", "SC202").counter().count())
        .isEqualTo(1);
    // The list came right after the retry had spent the only token: it waited a second for one,
    // plus up to 10 % jitter.
    assertThat(
            registry
                .get("safeclient.throttle.wait")
                .tag("budget", "qps")
                .timer()
                .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
        .isBetween(1000.0, 1100.0);
    assertThat(registry.get("safeclient.list.cost").tag("resource", "pods").summary().totalAmount())
        .isEqualTo(10);

    AtomicInteger synced = new AtomicInteger(1);
    new MicrometerSafeClientMetrics(registry).informerGauge("pods", "synced", synced::get);
    new MicrometerSafeClientMetrics(registry).breakerState("h:1/apps", "OPEN");
    assertThat(registry.get("safeclient.informer.synced").tag("informer", "pods").gauge().value())
        .isEqualTo(1);
    assertThat(registry.get("safeclient.breaker.state").tag("breaker", "h:1/apps").gauge().value())
        .isEqualTo(1);
    new MicrometerSafeClientMetrics(registry).listRewriteFallback("probe", "503");
    assertThat(
            registry
                .get("safeclient.list.rewrite.fallbacks")
                .tags("step", "probe", "cause", "503")
                .counter()
                .count())
        .isEqualTo(1);
  }

  /** Dashboards and alerts need the series before the first retry, wait, warning or trip. */
  @Test
  void retryThrottleWarningAndBreakerMetersExistAtZeroOnceTheClientIsBuilt() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ApiClient base = new ApiClient();
    base.setBasePath("https://10.0.0.1:6443");
    SafeClient.builder(base)
        .userAgent("metrics-test/1.0")
        .metrics(new MicrometerSafeClientMetrics(registry))
        .build();

    assertThat(
            registry.get("safeclient.retries").counters().stream()
                .map(c -> c.getId().getTag("reason")))
        .contains(
            "429",
            "initializing",
            "never-sent/connect",
            "never-sent/connect-timeout",
            "never-sent/refused-stream",
            "never-sent/goaway",
            "401-refresh");
    assertThat(registry.get("safeclient.retries").counters())
        .allSatisfy(c -> assertThat(c.count()).isZero());
    assertThat(
            registry.get("safeclient.throttle.wait").timers().stream()
                .map(t -> t.getId().getTag("budget")))
        .containsExactlyInAnyOrder(
            "qps", "lease-qps", "list-cost", "in-flight", "watches", "retry-after", "breaker");
    assertThat(registry.get("safeclient.throttle.wait").timers())
        .allSatisfy(t -> assertThat(t.count()).isZero());
    assertThat(
            registry.get("safeclient.warnings").counters().stream()
                .map(c -> c.getId().getTag("rule")))
        .containsExactlyInAnyOrderElementsOf(dev.safeclient.core.internal.rules.RuleCatalogue.IDS);
    assertThat(registry.get("safeclient.warnings").counters())
        .allSatisfy(c -> assertThat(c.count()).isZero());
    // The core group's breaker of the client's own host, closed (0); the key the breaker itself
    // reports under, so its first transition moves this same gauge.
    assertThat(
            registry
                .get("safeclient.breaker.state")
                .tag("breaker", "10.0.0.1:6443/")
                .gauge()
                .value())
        .isZero();
  }
}
