package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.ForwardingSource;
import okio.Okio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The raw feed against KubeSim, compared with what KubeSim sent on the wire (recorded below the
 * client): each object the listener gets is byte for byte the server's, lists and watches go in
 * JSON while the same client's informer negotiates Protobuf, and the list-item form of a watched
 * object is the server's own list item.
 */
class RawFeedKubeSimTest {
  private KubeSim sim;
  private SafeInformerFactory factory;
  // What went over the wire, per answer: path, watch or list, the Accept asked, the Content-Type.
  private final List<String> exchanges = new CopyOnWriteArrayList<>();
  // Every list body and every watch stream KubeSim sent, as sent.
  private final List<String> listBodies = new CopyOnWriteArrayList<>();
  private final ByteArrayOutputStream watchBytes = new ByteArrayOutputStream();

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.stopAllRegisteredInformers();
    }
    if (sim != null) {
      sim.close();
    }
  }

  private Response record(okhttp3.Interceptor.Chain chain) throws java.io.IOException {
    Request request = chain.request();
    Response r = chain.proceed(request);
    boolean watch = request.url().queryParameter("watch") != null;
    exchanges.add(
        request.url().encodedPath()
            + (watch ? " watch " : " list ")
            + request.header("Accept")
            + " -> "
            + r.header("Content-Type"));
    if (!watch) {
      listBodies.add(r.peekBody(Long.MAX_VALUE).string());
      return r;
    }
    ResponseBody body = r.body();
    ForwardingSource tee =
        new ForwardingSource(body.source()) {
          @Override
          public long read(Buffer sink, long byteCount) throws java.io.IOException {
            long got = super.read(sink, byteCount);
            if (got > 0) {
              synchronized (watchBytes) {
                sink.copyTo(watchBytes, sink.size() - got, got);
              }
            }
            return got;
          }
        };
    return r.newBuilder()
        .body(ResponseBody.create(Okio.buffer(tee), body.contentType(), -1))
        .build();
  }

  private String watched() {
    synchronized (watchBytes) {
      return watchBytes.toString(StandardCharsets.UTF_8);
    }
  }

  private static String text(RawObject o) {
    return new String(o.copyBytes(), StandardCharsets.UTF_8);
  }

  private static String configMap(String name, String value) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\"default\",\"labels\":{\"app\":\"web\"}},\"data\":{\"k\":\""
        + value
        + "\"}}";
  }

  @Test
  void theListenerGetsKubeSimsOwnBytesInJsonWhileTheInformerNegotiatesProtobuf() throws Exception {
    sim = KubeSim.builder().bookmarkInterval(Duration.ofMillis(200)).build();
    ResourceType configMaps = sim.resource("v1", "configmaps");
    for (int i = 1; i <= 3; i++) {
      sim.create(configMaps, configMap("cm-" + i, "v" + i));
    }
    ApiClient base = sim.apiClient();
    base.setHttpClient(
        base.getHttpClient().newBuilder().addNetworkInterceptor(this::record).build());
    SafeClient safe =
        SafeClient.builder(base)
            .userAgent("informer-test/1")
            .mode(SafetyMode.ENFORCE)
            .nodeName(null)
            .build();
    factory = new SafeInformerFactory(safe);
    RecordingRawListener listener = new RecordingRawListener();
    RawFeed feed =
        factory.rawFeed(
            "",
            "v1",
            "configmaps",
            InformerOptions.builder().namespace("default").startJitter(Duration.ZERO).build(),
            listener);
    // The same client's informer, on all namespaces (another path), negotiates Protobuf.
    SharedIndexInformer<V1ConfigMap> informer =
        factory.sharedIndexInformerFor(
            V1ConfigMap.class,
            V1ConfigMapList.class,
            "",
            "v1",
            "configmaps",
            0,
            InformerOptions.builder().startJitter(Duration.ZERO).build());
    factory.startAllRegisteredInformers();

    Await.until("synced", () -> feed.hasSynced() && informer.hasSynced());
    assertThat(listener.lists).hasSize(1);
    List<RawObject> items = listener.lists.get(0);
    assertThat(items.stream().map(RawObject::key))
        .containsExactly("default/cm-1", "default/cm-2", "default/cm-3");
    for (RawObject item : items) {
      // Cut out of the list body KubeSim sent, whole: between two items' separators.
      String t = text(item);
      assertThat(listBodies)
          .anyMatch(
              b ->
                  b.contains("[" + t + ",")
                      || b.contains("," + t + ",")
                      || b.contains("," + t + "]")
                      || b.contains("[" + t + "]"));
      assertThat(item.hasTypeMeta()).isFalse();
      assertThat(item.labels()).containsEntry("app", "web");
    }

    // Changes, each through KubeSim's own paths.
    CoreV1Api core = new CoreV1Api(sim.apiClient());
    core.createNamespacedConfigMap(
            "default",
            new V1ConfigMap()
                .metadata(new io.kubernetes.client.openapi.models.V1ObjectMeta().name("cm-4"))
                .putDataItem("k", "v4"))
        .execute();
    String addedRv = Long.toString(sim.resourceVersion());
    sim.update(configMaps, "default", "cm-1", json -> json.replace("\"v1\"}", "\"v1b\"}"));
    String modifiedRv = Long.toString(sim.resourceVersion());
    core.deleteNamespacedConfigMap("cm-2", "default").body(new V1DeleteOptions()).execute();
    String deletedRv = Long.toString(sim.resourceVersion());

    Await.until("three events", () -> listener.changes().size() == 4);
    assertThat(listener.changes())
        .containsExactly(
            "replaced "
                + listener.calls.get(0).split(" ")[1]
                + " "
                + listener.calls.get(0).substring(listener.calls.get(0).indexOf('[')),
            "added default/cm-4@" + addedRv,
            "modified default/cm-1@" + modifiedRv,
            "deleted default/cm-2@" + deletedRv);
    String stream = watched();
    String[] types = {"ADDED", "MODIFIED", "DELETED"};
    for (int i = 0; i < 3; i++) {
      assertThat(stream)
          .contains(
              "{\"type\":\"" + types[i] + "\",\"object\":" + text(listener.objects.get(i)) + "}\n");
      assertThat(listener.objects.get(i).hasTypeMeta()).isTrue();
    }
    Await.until(
        "a bookmark", () -> listener.calls.stream().anyMatch(c -> c.startsWith("progressed")));

    // The list-item form of the watched cm-4, cut from the event, is KubeSim's own list item.
    OkHttpClient http = new OkHttpClient();
    RawList list;
    try (Response r =
            http.newCall(
                    new Request.Builder()
                        .url(sim.url() + "/api/v1/namespaces/default/configmaps")
                        .header("Accept", "application/json")
                        .build())
                .execute();
        InputStream in = r.body().byteStream()) {
      list = RawList.read(in);
    }
    RawObject listed =
        list.items().stream().filter(o -> o.name().equals("cm-4")).findFirst().orElseThrow();
    assertThat(listed.resourceVersion()).isEqualTo(addedRv);
    assertThat(text(listener.objects.get(0).withoutTypeMeta())).isEqualTo(text(listed));
    assertThat(list.kind()).isEqualTo("ConfigMapList");

    // The feed asked JSON and got JSON; the informer asked Protobuf first and got it.
    String pb = "application/vnd.kubernetes.protobuf";
    assertThat(exchanges)
        .filteredOn(e -> e.startsWith("/api/v1/namespaces/default/configmaps"))
        .isNotEmpty()
        .allMatch(e -> e.contains(" application/json -> application/json"), "JSON only");
    assertThat(exchanges)
        .filteredOn(e -> e.startsWith("/api/v1/configmaps list"))
        .isNotEmpty()
        .allMatch(e -> e.endsWith("-> " + pb), "Protobuf");
    assertThat(feed.lastSyncResourceVersion()).isNotNull();
  }
}
