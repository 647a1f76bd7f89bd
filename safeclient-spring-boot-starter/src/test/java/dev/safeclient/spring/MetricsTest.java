package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.metrics.MicrometerSafeClientMetrics;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.SafeInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class MetricsTest {
  @TempDir Path tmp;
  private final MockWebServer server = new MockWebServer();
  private ApplicationContextRunner runner;

  @BeforeEach
  void setUp() throws Exception {
    server.start();
    Path home = Files.createDirectories(tmp.resolve("home"));
    String url = server.url("/").toString();
    runner =
        new ApplicationContextRunner()
            .withConfiguration(
                AutoConfigurations.of(
                    SafeClientMetricsAutoConfiguration.class, SafeClientAutoConfiguration.class))
            .withPropertyValues(TestKubeconfig.isolated(home))
            .withPropertyValues(
                "safeclient.kubeconfig="
                    + TestKubeconfig.write(tmp, url.substring(0, url.length() - 1)),
                "spring.application.name=metrics-test");
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  @Test
  void requestsThroughTheSafeClientAreCountedInTheAppsRegistry() {
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            ctx -> {
              SafeClient safe = ctx.getBean(SafeClient.class);
              assertThat(((BreakerStates) safe.config().metrics()).delegate())
                  .isInstanceOf(MicrometerSafeClientMetrics.class);

              server.enqueue(
                  new MockResponse.Builder()
                      .code(200)
                      .addHeader("Content-Type", "application/json")
                      .body(
                          "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                              + "\"metadata\":{\"name\":\"default\"}}")
                      .build());
              V1Namespace ns =
                  new CoreV1Api(ctx.getBean(ApiClient.class)).readNamespace("default").execute();
              assertThat(ns.getMetadata().getName()).isEqualTo("default");
              RecordedRequest recorded = server.takeRequest();
              assertThat(recorded.getTarget()).isEqualTo("/api/v1/namespaces/default");
              assertThat(recorded.getHeaders().get("User-Agent")).isEqualTo("metrics-test");

              MeterRegistry registry = ctx.getBean(MeterRegistry.class);
              Timer requests = registry.find("safeclient.requests").tag("code", "200").timer();
              assertThat(requests).isNotNull();
              assertThat(requests.count()).isEqualTo(1);

              safe.config().metrics().warning("SC108");
              assertThat(registry.get("safeclient.warnings").tag("rule", "SC108").counter().count())
                  .isEqualTo(1.0);
              safe.config().metrics().breakerState("host/apps", "OPEN");
              assertThat(
                      registry
                          .get("safeclient.breaker.state")
                          .tag("breaker", "host/apps")
                          .gauge()
                          .value())
                  .isEqualTo(1.0);
            });
  }

  /** Dashboards and alerts can rely on these series from startup, before anything happened. */
  @Test
  void retryThrottleWarningAndBreakerMetersExistAtZeroFromStartup() {
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            ctx -> {
              ctx.getBean(SafeClient.class);
              MeterRegistry registry = ctx.getBean(MeterRegistry.class);
              assertThat(registry.get("safeclient.retries").counters())
                  .isNotEmpty()
                  .allSatisfy(c -> assertThat(c.count()).isZero());
              assertThat(registry.get("safeclient.retries").tag("reason", "429").counter())
                  .isNotNull();
              assertThat(registry.get("safeclient.throttle.wait").timers())
                  .isNotEmpty()
                  .allSatisfy(t -> assertThat(t.count()).isZero());
              assertThat(registry.get("safeclient.throttle.wait").tag("budget", "qps").timer())
                  .isNotNull();
              assertThat(registry.get("safeclient.warnings").counters())
                  .allSatisfy(c -> assertThat(c.count()).isZero());
              assertThat(registry.get("safeclient.warnings").tag("rule", "SC101").counter())
                  .isNotNull();
              String hostPort = server.getHostName() + ":" + server.getPort();
              assertThat(
                      registry
                          .get("safeclient.breaker.state")
                          .tag("breaker", hostPort + "/")
                          .gauge()
                          .value())
                  .isZero();
              assertThat(server.getRequestCount()).isZero();
            });
  }

  @Test
  void informerGaugesReachTheAppsRegistry() {
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            ctx -> {
              // Registered, not started: the informer module reports its gauges at creation.
              ctx.getBean(SafeInformerFactory.class)
                  .sharedIndexInformerFor(
                      V1Pod.class,
                      V1PodList.class,
                      "",
                      "v1",
                      "pods",
                      0,
                      InformerOptions.builder().namespace("default").build());
              MeterRegistry registry = ctx.getBean(MeterRegistry.class);
              assertThat(registry.get("safeclient.informer.synced").gauge().value()).isZero();
              assertThat(registry.find("safeclient.informer.staleness.seconds").gauge())
                  .isNotNull();
            });
  }

  @Test
  void withoutARegistryBeanMetricsStayNoop() {
    runner.run(
        ctx ->
            assertThat(
                    ((BreakerStates) ctx.getBean(SafeClient.class).config().metrics()).delegate())
                .isSameAs(SafeClientMetrics.NOOP));
  }

  @Test
  void micrometerOffTheClasspath() {
    runner
        .withClassLoader(new FilteredClassLoader("io.micrometer"))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().doesNotHaveBean(SafeClientMetrics.class);
              assertThat(
                      ((BreakerStates) ctx.getBean(SafeClient.class).config().metrics()).delegate())
                  .isSameAs(SafeClientMetrics.NOOP);
            });
  }

  @Test
  void aUserMetricsBeanWins() {
    SafeClientMetrics mine = new SafeClientMetrics() {};
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withBean(SafeClientMetrics.class, () -> mine)
        .run(
            ctx ->
                assertThat(
                        ((BreakerStates) ctx.getBean(SafeClient.class).config().metrics())
                            .delegate())
                    .isSameAs(mine));
  }
}
