package dev.safeclient.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.RawList;
import dev.safeclient.informer.RawObject;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Informers that know nothing of the relay (client-java's {@link SharedInformerFactory}, and a
 * {@link SafeInformerFactory} one) sync from it and follow what happens on the API server, with the
 * same per-object events as an informer reading the API server directly, and objects byte-identical
 * to the API server's own answers. One upstream watch whatever the informers.
 */
class RelayInformersTest {
  static final ResourceType PODS = ResourceType.namespaced("", "v1", "pods", "Pod");

  private KubeSim sim;
  private Relay relay;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    if (relay != null) {
      relay.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  /**
   * A pod as the API server writes it: {@code kind} before {@code apiVersion} (Go's TypeMeta
   * order). KubeSim keeps a created object's member order, so the test writes it in that order.
   */
  static String pod(String ns, String name, String node, String app) {
    return "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\""
        + ns
        + "\",\"labels\":{\"app\":\""
        + app
        + "\"}},\"spec\":{\"nodeName\":\""
        + node
        + "\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
  }

  /** Records a handler's events as {@link PodEvents}. */
  static final class Recorder extends PodEvents implements ResourceEventHandler<V1Pod> {
    @Override
    public void onAdd(V1Pod p) {
      added(p.getMetadata().getName(), p.getMetadata().getResourceVersion());
    }

    @Override
    public void onUpdate(V1Pod old, V1Pod now) {
      updated(
          now.getMetadata().getName(),
          old.getMetadata().getResourceVersion(),
          now.getMetadata().getResourceVersion());
    }

    @Override
    public void onDelete(V1Pod p, boolean unknownFinalState) {
      deleted(p.getMetadata().getName(), p.getMetadata().getResourceVersion());
    }
  }

  private SharedIndexInformer<V1Pod> clientJavaInformer(String baseUrl, Recorder r) {
    ApiClient c = new ApiClient();
    c.setBasePath(baseUrl);
    c.setReadTimeout(0);
    CoreV1Api api = new CoreV1Api(c);
    SharedInformerFactory f = new SharedInformerFactory(c);
    closing.add(f::stopAllRegisteredInformers);
    SharedIndexInformer<V1Pod> inf =
        f.sharedIndexInformerFor(
            params ->
                api.listPodForAllNamespaces()
                    .resourceVersion(params.resourceVersion)
                    .timeoutSeconds(params.timeoutSeconds)
                    .watch(params.watch)
                    .buildCall(null),
            V1Pod.class,
            V1PodList.class);
    inf.addEventHandler(r);
    f.startAllRegisteredInformers();
    return inf;
  }

  /** What the safe informer's calls got back: "watch" or "list", then the Content-Type. */
  private final List<String> safeAnswers = new CopyOnWriteArrayList<>();

  private SharedIndexInformer<V1Pod> safeInformer(String baseUrl, Recorder r) {
    ApiClient c = new ApiClient();
    c.setBasePath(baseUrl);
    c.setHttpClient(
        c.getHttpClient()
            .newBuilder()
            .addNetworkInterceptor(
                chain -> {
                  Response answer = chain.proceed(chain.request());
                  String watch = chain.request().url().queryParameter("watch");
                  safeAnswers.add(
                      ("true".equals(watch) || "1".equals(watch) ? "watch " : "list ")
                          + answer.header("Content-Type"));
                  return answer;
                })
            .build());
    SafeClient agent =
        SafeClient.builder(c)
            .userAgent("relay-agent/1")
            .nodeName(null)
            .serverVersion("1.35")
            .build();
    SafeInformerFactory f = new SafeInformerFactory(agent);
    closing.add(f);
    SharedIndexInformer<V1Pod> inf =
        f.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder().startJitter(Duration.ZERO).build());
    inf.addEventHandler(r);
    f.startAllRegisteredInformers();
    return inf;
  }

  private void startRelay(VirtualTimeSource clock) {
    relay = RelayOverKubeSim.unauthenticated(sim.apiClient(), clock);
  }

  @Test
  void informersSyncThroughTheRelayAndFollowTheApiServerByteForByte() throws Exception {
    sim = KubeSim.builder().clock(VirtualTimeSource.manual()).build();
    for (int i = 0; i < 6; i++) {
      sim.create(PODS, pod("ns-" + (i % 2), "p-" + i, "node-" + (i % 3), "web"));
    }
    startRelay(VirtualTimeSource.manual());
    String url = relay.url().toString();

    Recorder direct = new Recorder();
    Recorder viaClientJava = new Recorder();
    Recorder viaSafe = new Recorder();
    SharedIndexInformer<V1Pod> d = clientJavaInformer(sim.url(), direct);
    SharedIndexInformer<V1Pod> cj = clientJavaInformer(url, viaClientJava);
    SharedIndexInformer<V1Pod> safe = safeInformer(url, viaSafe);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                d.hasSynced()
                    && cj.hasSynced()
                    && safe.hasSynced()
                    && relay.health().resources().get(0).watchers() == 2);
    assertThat(cj.getIndexer().list()).hasSize(6);
    assertThat(safe.getIndexer().list()).hasSize(6);

    CoreV1Api writer = new CoreV1Api(sim.apiClient());
    sim.create(PODS, pod("ns-0", "p-new", "node-1", "web"));
    sim.update(PODS, "ns-0", "p-0", json -> json.replace("\"app\":\"web\"", "\"app\":\"db\""));
    sim.update(PODS, "ns-1", "p-1", json -> json.replace("\"app\":\"web\"", "\"app\":\"api\""));
    writer
        .deleteNamespacedPod("p-2", "ns-0")
        .body(new V1DeleteOptions().gracePeriodSeconds(0L))
        .execute();
    sim.update(PODS, "ns-0", "p-new", json -> json.replace("\"app\":\"web\"", "\"app\":\"x\""));

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(viaClientJava.snapshot()).isEqualTo(direct.snapshot());
              assertThat(viaSafe.snapshot()).isEqualTo(direct.snapshot());
            });
    // The safe informer asked for Protobuf, as it asks the API server, and the relay answered it
    // in Protobuf: its events above were decoded from transcoded frames.
    assertThat(safeAnswers)
        .contains("watch application/vnd.kubernetes.protobuf;stream=watch")
        .noneMatch(a -> a.startsWith("watch application/json"));
    assertThat(direct.snapshot().get("p-2")).hasSize(2).last().asString().startsWith("DELETED");
    assertThat(direct.snapshot().get("p-new")).hasSize(2);

    // Byte for byte: every list item and every GET as the API server answers them.
    OkHttpClient http = new OkHttpClient();
    // (RV=0: from the relay's cache, with no consistent-read probe, which waits for the clock.)
    Map<String, RawObject> upstreamItems = items(http, sim.url() + "/api/v1/pods");
    Map<String, RawObject> relayedItems = items(http, url + "/api/v1/pods?resourceVersion=0");
    assertThat(relayedItems.keySet()).isEqualTo(upstreamItems.keySet()).hasSize(6);
    for (Map.Entry<String, RawObject> e : upstreamItems.entrySet()) {
      assertThat(relayedItems.get(e.getKey())).isEqualTo(e.getValue());
      String path =
          "/api/v1/namespaces/" + e.getValue().namespace() + "/pods/" + e.getValue().name();
      assertThat(body(http, url + path + "?resourceVersion=0"))
          .isEqualTo(body(http, sim.url() + path));
    }

    // The API server saw one list and one watch of pods from the relay, whatever its readers.
    assertThat(sim.stats().requestsByUserAgent("relay/1")).isBetween(2L, 3L);
  }

  /**
   * The relay's upstream watch falls out of the API server's window and its feed relists: the relay
   * ends its watches, as the cacher does, and an informer reading from it converges on the API
   * server's state without missing a change (its resume from before the relist gets 410, and it
   * relists from the relay, not from the API server).
   */
  @Test
  void afterAnUpstreamRelistInformersOnTheRelayConvergeOnTheApiServersState() throws Exception {
    VirtualTimeSource simClock = VirtualTimeSource.manual();
    sim = KubeSim.builder().clock(simClock).eventWindow(Duration.ofSeconds(75)).build();
    for (int i = 0; i < 4; i++) {
      sim.create(PODS, pod("ns-0", "p-" + i, "node-1", "web"));
    }
    VirtualTimeSource clock = VirtualTimeSource.manual();
    startRelay(clock);
    Recorder viaRelay = new Recorder();
    SharedIndexInformer<V1Pod> inf = clientJavaInformer(relay.url().toString(), viaRelay);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> inf.hasSynced() && relay.health().resources().get(0).watchers() == 1);

    // The relay's feed loses its watch and, its backoff on the relay's clock, stays away while
    // the API server's window moves past its resourceVersion.
    sim.dropWatches();
    CoreV1Api writer = new CoreV1Api(sim.apiClient());
    sim.create(PODS, pod("ns-0", "p-new", "node-1", "web"));
    sim.update(PODS, "ns-0", "p-0", json -> json.replace("\"app\":\"web\"", "\"app\":\"db\""));
    writer
        .deleteNamespacedPod("p-1", "ns-0")
        .body(new V1DeleteOptions().gracePeriodSeconds(0L))
        .execute();
    simClock.advance(Duration.ofSeconds(80));
    sim.create(PODS, pod("ns-0", "p-later", "node-1", "web"));

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              clock.advance(Duration.ofSeconds(1));
              return relay.health().resources().get(0).relists() == 1
                  && names(inf).equals(List.of("p-0", "p-2", "p-3", "p-later", "p-new"));
            });
    V1Pod p0 = inf.getIndexer().getByKey("ns-0/p-0");
    assertThat(p0.getMetadata().getLabels()).containsEntry("app", "db");
    // Every object's last state is the API server's.
    for (V1Pod p : inf.getIndexer().list()) {
      RawObject upstream =
          RawObject.ofJson(
              sim.get(PODS, "ns-0", p.getMetadata().getName())
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertThat(p.getMetadata().getResourceVersion()).isEqualTo(upstream.resourceVersion());
    }
    assertThat(viaRelay.snapshot().get("p-1")).last().asString().startsWith("DELETED");
  }

  private static List<String> names(SharedIndexInformer<V1Pod> inf) {
    return inf.getIndexer().list().stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  static Map<String, RawObject> items(OkHttpClient http, String url) throws IOException {
    Map<String, RawObject> out = new TreeMap<>();
    RawList list = RawList.read(new ByteArrayInputStream(body(http, url)));
    for (RawObject o : list.items()) {
      out.put(o.key(), o);
    }
    return out;
  }

  static byte[] body(OkHttpClient http, String url) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
      assertThat(r.code()).as(url).isEqualTo(200);
      return r.body().bytes();
    }
  }
}
