package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.pod;
import static dev.safeclient.informer.K8sJson.podList;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SafeInformerFactoryTest {
  private ScriptedApiServer api;
  private SafeInformerFactory factory;

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.stopAllRegisteredInformers();
    }
    if (api != null) {
      api.close();
    }
  }

  private SafeClient client(String url, SafeClientMetrics metrics, TimeSource clock) {
    ApiClient base = new ApiClient();
    base.setBasePath(url);
    return SafeClient.builder(base)
        .userAgent("informer-test/1")
        .clock(clock)
        .nodeName(null)
        .metrics(metrics)
        .build();
  }

  private static SharedIndexInformer<V1Pod> pods(SafeInformerFactory f, InformerOptions o) {
    return f.sharedIndexInformerFor(V1Pod.class, V1PodList.class, "", "v1", "pods", 0, o);
  }

  @Test
  void theSameKeyGivesTheSameInformerAndAnyOtherKeyAnother() {
    factory =
        new SafeInformerFactory(
            client("http://127.0.0.1:1", SafeClientMetrics.NOOP, TimeSource.system()),
            VirtualTimeSource.manual());
    UnaryOperator<V1Pod> t1 = p -> p;
    UnaryOperator<V1Pod> t2 = p -> p;
    InformerOptions base = InformerOptions.builder().namespace("a").labelSelector("app=x").build();

    SharedIndexInformer<V1Pod> first = pods(factory, base);
    // Hits: same key, even with options outside the key (jitter, watchdog).
    assertThat(
            pods(factory, InformerOptions.builder().namespace("a").labelSelector("app=x").build()))
        .isSameAs(first);
    assertThat(pods(factory, base.toBuilder().startJitter(Duration.ZERO).build())).isSameAs(first);
    assertThat(
            factory.sharedIndexInformerFor(
                V1Pod.class, V1PodList.class, "", "v1", "pods", 60_000, base))
        .isSameAs(first);
    assertThat(pods(factory, base.toBuilder().transform(t1).build()))
        .isSameAs(pods(factory, base.toBuilder().transform(t1).build()));

    // Misses: namespace, label selector, field selector, transform, stripping, type, resource.
    List<SharedIndexInformer<?>> others =
        List.of(
            pods(factory, base.toBuilder().namespace("b").build()),
            pods(factory, base.toBuilder().namespace(null).build()),
            pods(factory, base.toBuilder().labelSelector("app=y").build()),
            pods(factory, base.toBuilder().fieldSelector("spec.nodeName=n1").build()),
            pods(factory, base.toBuilder().transform(t1).build()),
            pods(factory, base.toBuilder().transform(t2).build()),
            pods(factory, base.toBuilder().stripManagedFields(false).build()),
            factory.sharedIndexInformerFor(
                V1ConfigMap.class, V1ConfigMapList.class, "", "v1", "configmaps", 0, base),
            factory.sharedIndexInformerFor(
                V1Deployment.class, V1DeploymentList.class, "apps", "v1", "deployments", 0, base));
    assertThat(others).doesNotContain(first);
    assertThat(others.stream().distinct()).hasSize(others.size());
    assertThat(factory.health()).hasSize(1 + others.size());
  }

  @Test
  void stopReleasesEveryThreadAndConnection() throws Exception {
    VirtualTimeSource unused = VirtualTimeSource.manual();
    api = new ScriptedApiServer(unused);
    api.otherwise(
        r ->
            r.getUrl().queryParameter("watch") == null
                ? json(200, podList("10", null, pod("p", "u", "9")))
                : api.hold(""));
    SafeClient safe = client(api.url(), SafeClientMetrics.NOOP, TimeSource.system());
    // Real time here: the point is the real timer thread too.
    factory = new SafeInformerFactory(safe);
    List<SharedIndexInformer<V1Pod>> informers = new CopyOnWriteArrayList<>();
    for (String ns : List.of("a", "b", "c")) {
      SharedIndexInformer<V1Pod> i =
          factory.sharedIndexInformerFor(
              V1Pod.class,
              V1PodList.class,
              "",
              "v1",
              "pods",
              60_000,
              InformerOptions.builder().namespace(ns).startJitter(Duration.ZERO).build());
      i.addEventHandler(new RecordingHandler<>());
      informers.add(i);
    }
    factory.startAllRegisteredInformers();
    ReflectorWireTest.await(
        "all watching",
        () -> factory.health().stream().allMatch(h -> h.hasSynced() && h.watchConnected()));
    assertThat(ourThreads()).hasSizeGreaterThanOrEqualTo(3 + 3 + 1);
    OkHttpClient http = ClientInternals.of(safe).libraryApiClient().getHttpClient();
    assertThat(http.connectionPool().connectionCount()).isGreaterThanOrEqualTo(3);

    factory.stopAllRegisteredInformers();

    assertThat(ourThreads()).isEmpty();
    assertThat(http.connectionPool().connectionCount()).isZero();
    assertThat(factory.health()).isEmpty();
    factory = null;
  }

  private static List<String> ourThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("safeclient-informer") || n.startsWith("safeclient-timer"))
        .toList();
  }

  @Test
  void healthIsExportedThroughTheClientsMetrics() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    api = new ScriptedApiServer(clock);
    api.then(json(200, podList("10", null)));
    Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();
    List<String> relists = new CopyOnWriteArrayList<>();
    SafeClientMetrics metrics =
        new SafeClientMetrics() {
          @Override
          public void informerGauge(String informer, String name, DoubleSupplier value) {
            gauges.put(informer + " " + name, value);
          }

          @Override
          public void informerRelist(String informer, String reason) {
            relists.add(informer + " " + reason);
          }
        };
    factory = new SafeInformerFactory(client(api.url(), metrics, clock));
    SharedIndexInformer<V1Pod> informer =
        pods(
            factory,
            InformerOptions.builder().namespace("default").startJitter(Duration.ZERO).build());
    assertThat(gauges.get("v1/pods ns=default synced").getAsDouble()).isZero();
    factory.startAllRegisteredInformers();
    ReflectorWireTest.await("synced", informer::hasSynced);
    ReflectorWireTest.await(
        "connected", () -> gauges.get("v1/pods ns=default watch.connected").getAsDouble() == 1);
    assertThat(gauges.get("v1/pods ns=default synced").getAsDouble()).isEqualTo(1);
    assertThat(gauges.get("v1/pods ns=default staleness.seconds").getAsDouble()).isZero();
    assertThat(relists).containsExactly("v1/pods ns=default initial");
  }

  @Test
  void startJitterDelaysOnlyItsOwnInformer() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    api = new ScriptedApiServer(clock);
    api.otherwise(
        r ->
            r.getUrl().queryParameter("watch") == null
                ? json(200, podList("10", null))
                : api.hold(""));
    factory = new SafeInformerFactory(client(api.url(), SafeClientMetrics.NOOP, clock));
    SharedIndexInformer<V1Pod> jittered =
        pods(
            factory,
            InformerOptions.builder().namespace("a").startJitter(Duration.ofSeconds(10)).build());
    SharedIndexInformer<V1Pod> prompt =
        pods(factory, InformerOptions.builder().namespace("b").startJitter(Duration.ZERO).build());
    factory.startAllRegisteredInformers();
    ReflectorWireTest.await("prompt synced", prompt::hasSynced);
    assertThat(jittered.hasSynced()).isFalse();
    assertThat(api.take().path()).isEqualTo("/api/v1/namespaces/b/pods");
    clock.awaitBlockedSleepers(1);
    assertThat(clock.sleeps().get(0)).isLessThan(Duration.ofSeconds(10));
    clock.advance(Duration.ofSeconds(10));
    ReflectorWireTest.await("jittered synced", jittered::hasSynced);
  }

  @Test
  void nodeAgentsGetAStartJitterByDefault() {
    ApiClient base = new ApiClient();
    base.setBasePath("http://127.0.0.1:1");
    VirtualTimeSource clock = VirtualTimeSource.manual();
    factory =
        new SafeInformerFactory(
            SafeClient.builder(base)
                .userAgent("informer-test/1")
                .clock(clock)
                .nodeName("node-1")
                .build());
    pods(factory, InformerOptions.builder().namespace("a").build());
    factory.startAllRegisteredInformers();
    try {
      clock.awaitBlockedSleepers(1);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    assertThat(clock.sleeps().get(0))
        .isLessThan(InformerOptions.NODE_AGENT_START_JITTER)
        .isPositive();
  }
}
