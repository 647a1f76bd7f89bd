package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.event;
import static dev.safeclient.informer.K8sJson.lines;
import static dev.safeclient.informer.K8sJson.pod;
import static dev.safeclient.informer.K8sJson.podList;
import static dev.safeclient.informer.ReflectorWireTest.await;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.informer.internal.RelistBackoff;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Errors of this process (out of memory, stack overflow) in the threads an informer owns: they
 * restart through backoff, are counted and told apart from server failures, and stop the informer
 * for good after too many in a row.
 */
class LocalFailureTest {
  private VirtualTimeSource clock;
  private ScriptedApiServer api;
  private SafeInformerFactory factory;

  private void setUp() throws Exception {
    clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    SafeClient safe =
        SafeClient.builder(base).userAgent("informer-test/1").clock(clock).nodeName(null).build();
    factory =
        new SafeInformerFactory(
            safe,
            clock,
            new Random(7),
            WatchStreamFormat.jsonLines(ClientInternals.of(safe).tolerantJson()));
  }

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.stopAllRegisteredInformers();
    }
    if (api != null) {
      api.close();
    }
  }

  private SharedIndexInformer<V1Pod> pods(InformerOptions options) {
    return factory.sharedIndexInformerFor(
        V1Pod.class, V1PodList.class, "", "v1", "pods", 0, options);
  }

  private static InformerOptions.Builder opts() {
    return InformerOptions.builder().namespace("default").startJitter(Duration.ZERO);
  }

  private static String rv(SharedIndexInformer<V1Pod> informer, String key) {
    V1Pod p = informer.getIndexer().getByKey(key);
    return p == null ? null : p.getMetadata().getResourceVersion();
  }

  @Test
  void aTransformOutOfMemoryOnceIsSurvivedAndLaterChangesReachTheCache() throws Exception {
    setUp();
    api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))))
        .then(json(200, lines(event("ADDED", pod("b", "uid-b", "11")))))
        .then(json(200, podList("12", null, pod("a", "uid-a", "9"), pod("b", "uid-b", "11"))))
        .then(json(200, lines(event("MODIFIED", pod("b", "uid-b", "13")))));
    AtomicInteger failed = new AtomicInteger();
    UnaryOperator<V1Pod> transform =
        p -> {
          if (p.getMetadata().getName().equals("b") && failed.getAndIncrement() == 0) {
            throw new OutOfMemoryError("Java heap space (test)");
          }
          return p;
        };
    SharedIndexInformer<V1Pod> informer = pods(opts().transform(transform).build());
    InformerHealth health = factory.health(informer).orElseThrow();
    factory.startAllRegisteredInformers();

    assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
    assertThat(api.take().param("resourceVersion")).isEqualTo("10");
    // The event the Error hit may be lost: a relist from the watch cache at the last
    // resourceVersion, after the backoff.
    assertThat(api.take().query()).isEqualTo("resourceVersion=10");
    assertThat(api.take().param("resourceVersion")).isEqualTo("12");
    await("the change after the error", () -> "13".equals(rv(informer, "default/b")));

    assertThat(clock.sleeps()).isNotEmpty();
    assertThat(clock.sleeps().get(0))
        .isBetween(RelistBackoff.INITIAL, RelistBackoff.INITIAL.multipliedBy(2));
    assertThat(health.localFailures()).isEqualTo(1);
    assertThat(health.lastLocalFailure()).hasValueSatisfying(m -> m.contains("OutOfMemoryError"));
    assertThat(health.localState()).isEqualTo(InformerHealth.LocalState.RUNNING);
  }

  @Test
  void anInformerThatKeepsRunningOutOfMemoryStopsAndSaysSo() throws Exception {
    setUp();
    api.otherwise(r -> json(200, podList("10", null, pod("a", "uid-a", "9"))));
    // Each relist runs for three minutes before it runs out of memory: longer than the healthy
    // spell after which an ordinary failure would reset the backoff.
    UnaryOperator<V1Pod> transform =
        p -> {
          clock.advance(Duration.ofMinutes(3));
          throw new OutOfMemoryError("Java heap space (test)");
        };
    SharedIndexInformer<V1Pod> informer =
        pods(opts().transform(transform).maxConsecutiveErrors(3).build());
    InformerHealth health = factory.health(informer).orElseThrow();
    factory.startAllRegisteredInformers();

    await(
        "stopped on errors",
        () -> health.localState() == InformerHealth.LocalState.STOPPED_ON_ERRORS);
    assertThat(api.poll(200)).isNotNull();
    assertThat(api.poll(200)).isNotNull();
    assertThat(api.poll(200)).isNotNull();
    assertThat(api.poll(300)).as("no fourth list").isNull();
    assertThat(api.all())
        .extracting(ScriptedApiServer.Seen::query)
        .containsOnly("limit=500&resourceVersion=0");
    assertThat(health.localFailures()).isEqualTo(3);
    assertThat(informer.hasSynced()).isFalse();
    // Two backoff steps, the second doubled although three minutes passed since the first.
    List<Duration> sleeps = clock.sleeps();
    assertThat(sleeps).hasSize(2);
    assertThat(sleeps.get(0)).isBetween(Duration.ofMillis(800), Duration.ofMillis(1_600));
    assertThat(sleeps.get(1)).isBetween(Duration.ofMillis(1_600), Duration.ofMillis(3_200));
  }

  @Test
  void aHandlerStackOverflowOnceIsSurvivedAndLaterEventsStillReachIt() throws Exception {
    setUp();
    api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))))
        .then(json(200, lines(event("ADDED", pod("b", "uid-b", "11")))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    InformerHealth health = factory.health(informer).orElseThrow();
    List<String> seen = new CopyOnWriteArrayList<>();
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod obj) {
            seen.add(obj.getMetadata().getName());
            if (seen.size() == 1) {
              throw new StackOverflowError();
            }
          }

          @Override
          public void onUpdate(V1Pod oldObj, V1Pod newObj) {}

          @Override
          public void onDelete(V1Pod obj, boolean deletedFinalStateUnknown) {}
        });
    factory.startAllRegisteredInformers();

    await("the add after the overflow", () -> seen.contains("b"));
    assertThat(seen).containsExactly("a", "b");
    assertThat(health.localFailures()).isEqualTo(1);
    assertThat(health.localState()).isEqualTo(InformerHealth.LocalState.RUNNING);
  }
}
