package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.event;
import static dev.safeclient.informer.K8sJson.lines;
import static dev.safeclient.informer.K8sJson.pod;
import static dev.safeclient.informer.K8sJson.podList;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The reflector reports an Error through the user's metrics hook; when that hook throws too, the
 * thread must not die with it: a dead reflector leaves the cache stale while hasSynced() says true.
 */
class FailureHandlingFailsTest {
  @Test
  void aThrowingMetricsSpiInTheErrorPathDoesNotKillTheReflector() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    try (ScriptedApiServer api = new ScriptedApiServer(clock)) {
      ApiClient base = new ApiClient();
      base.setBasePath(api.url());
      SafeClientMetrics throwing =
          new SafeClientMetrics() {
            @Override
            public void informerLocalFailure(String informer, String where) {
              throw new IllegalStateException("meter registry closed");
            }
          };
      SafeClient safe =
          SafeClient.builder(base)
              .userAgent("t/1")
              .clock(clock)
              .nodeName(null)
              .metrics(throwing)
              .build();
      SafeInformerFactory factory =
          new SafeInformerFactory(
              safe,
              clock,
              new Random(7),
              WatchStreamFormat.jsonLines(ClientInternals.of(safe).tolerantJson()));
      api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))))
          .then(json(200, lines(event("ADDED", pod("b", "uid-b", "11")))))
          .then(json(200, podList("12", null, pod("a", "uid-a", "9"), pod("b", "uid-b", "11"))));
      AtomicInteger failed = new AtomicInteger();
      UnaryOperator<V1Pod> transform =
          p -> {
            if (p.getMetadata().getName().equals("b") && failed.getAndIncrement() == 0) {
              throw new OutOfMemoryError("Java heap space (test)");
            }
            return p;
          };
      SharedIndexInformer<V1Pod> informer =
          factory.sharedIndexInformerFor(
              V1Pod.class,
              V1PodList.class,
              "",
              "v1",
              "pods",
              0,
              InformerOptions.builder()
                  .namespace("default")
                  .startJitter(Duration.ZERO)
                  .transform(transform)
                  .build());
      factory.startAllRegisteredInformers();
      try {
        api.take();
        api.take();
        // The relist after the Error: never sent when the reflector thread died.
        ScriptedApiServer.Seen relist = api.poll(5_000);
        assertThat(relist).as("relist after the Error; seen: %s", api.describe()).isNotNull();
        assertThat(relist.param("watch")).isNull();
        assertThat(relist.path()).isEqualTo("/api/v1/namespaces/default/pods");
      } finally {
        factory.stopAllRegisteredInformers();
      }
    }
  }
}
