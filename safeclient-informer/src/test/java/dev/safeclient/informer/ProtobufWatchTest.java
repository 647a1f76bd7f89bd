package dev.safeclient.informer;

import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.model.testdata.KubeApiTestdata;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import okio.Buffer;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Built-in types are watched in Protobuf frames (SC103), decoded into the usual models. */
class ProtobufWatchTest {
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

  /** One watch frame: 4-byte big-endian length, then a raw WatchEvent {1 type, 2 RawExtension}. */
  static byte[] frame(String type, byte[] object) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    CodedOutputStream rawOut = CodedOutputStream.newInstance(raw);
    rawOut.writeByteArray(1, object);
    rawOut.flush();
    ByteArrayOutputStream event = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(event);
    out.writeString(1, type);
    out.writeByteArray(2, raw.toByteArray());
    out.flush();
    byte[] e = event.toByteArray();
    Buffer b = new Buffer().writeInt(e.length).write(e);
    return b.readByteArray();
  }

  /**
   * A watch answer of Protobuf frames that then ends (the reflector resumes at the last
   * resourceVersion and the script's fallback holds the next watch open).
   */
  private static MockResponse protobufStream(byte[] frames) {
    return new MockResponse.Builder()
        .code(200)
        .setHeader("Content-Type", "application/vnd.kubernetes.protobuf;stream=watch")
        .body(new Buffer().write(frames))
        .build();
  }

  @Test
  void aBuiltInTypeIsWatchedInProtobufFramesAndCached() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    SafeClient safe =
        SafeClient.builder(base)
            .userAgent("informer-test/1")
            .clock(clock)
            .nodeName(null)
            .userAgent("pb-watch/1")
            .build();
    factory = new SafeInformerFactory(safe, clock);
    byte[] fixturePod = KubeApiTestdata.headBytes("core.v1.Pod.pb");
    api.then(protobufPodList("10", podRaw("a", "9", false)))
        .then(protobufStream(frame("ADDED", fixturePod)));

    SharedIndexInformer<V1Pod> informer =
        factory.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder().startJitter(Duration.ZERO).build());
    factory.startAllRegisteredInformers();

    api.take(); // the list
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.request().getHeaders().get("Accept"))
        .isEqualTo("application/vnd.kubernetes.protobuf;stream=watch, application/json");
    ReflectorWireTest.await(
        "the Protobuf ADDED event is cached",
        () -> informer.getIndexer().getByKey("namespaceValue/nameValue") != null);
    V1Pod cached = informer.getIndexer().getByKey("namespaceValue/nameValue");
    assertThat(cached.getSpec().getContainers()).isNotEmpty();
    assertThat(cached.getMetadata().getManagedFields()).isNull();
    assertThat(informer.getIndexer().getByKey("default/a")).isNotNull();
  }

  /**
   * A quiet watch: the server sends one frame and nothing more until the handler has seen it. A
   * reader that reads past the frame boundary would hold the event until the next frame, which here
   * is written only after the handler has run: the order proves the event was not held back.
   */
  @Test
  void anEventReachesTheHandlerBeforeTheNextFrameIsWritten() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    SafeClient safe =
        SafeClient.builder(base)
            .userAgent("informer-test/1")
            .clock(clock)
            .nodeName(null)
            .userAgent("pb-watch/1")
            .build();
    factory = new SafeInformerFactory(safe, clock);
    byte[] fixturePod = KubeApiTestdata.headBytes("core.v1.Pod.pb");
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch handled = new CountDownLatch(1);
    api.then(protobufPodList("10"))
        .then(
            new MockResponse.Builder()
                .code(200)
                .setHeader("Content-Type", "application/vnd.kubernetes.protobuf;stream=watch")
                .body(
                    new MockResponseBody() {
                      @Override
                      public long getContentLength() {
                        return -1;
                      }

                      @Override
                      public void writeTo(BufferedSink sink) throws IOException {
                        sink.write(frame("ADDED", fixturePod));
                        sink.flush();
                        try {
                          if (!handled.await(30, TimeUnit.SECONDS)) {
                            order.add("gave up waiting for the handler");
                          }
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                          return;
                        }
                        order.add("second frame written");
                        sink.write(frame("MODIFIED", fixturePod));
                        sink.flush();
                      }
                    })
                .build());

    SharedIndexInformer<V1Pod> informer =
        factory.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder().startJitter(Duration.ZERO).build());
    informer.addEventHandler(
        new ResourceEventHandler<V1Pod>() {
          @Override
          public void onAdd(V1Pod obj) {
            order.add("added " + obj.getMetadata().getName());
            handled.countDown();
          }

          @Override
          public void onUpdate(V1Pod oldObj, V1Pod newObj) {
            order.add("updated " + newObj.getMetadata().getName());
          }

          @Override
          public void onDelete(V1Pod obj, boolean deletedFinalStateUnknown) {
            order.add("deleted " + obj.getMetadata().getName());
          }
        });
    factory.startAllRegisteredInformers();

    ReflectorWireTest.await("both events handled", () -> order.size() >= 3);
    assertThat(order)
        .containsExactly("added nameValue", "second frame written", "updated nameValue");
  }

  /**
   * The HEAD fixture pod carries fields client-java 27's models lack. Delivered by a Protobuf watch
   * frame, it reaches the cache with those fields kept beside it: a PUT of the cached object
   * carries them, as the same object read in JSON would.
   */
  @Test
  void aWatchDeliveredObjectIsPutBackWithTheFieldsTheModelsLack() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    SafeClient safe =
        SafeClient.builder(base)
            .userAgent("informer-test/1")
            .clock(clock)
            .mode(dev.safeclient.core.SafetyMode.ENFORCE)
            .nodeName(null)
            .userAgent("pb-watch/1")
            .build();
    factory = new SafeInformerFactory(safe, clock);
    byte[] fixturePod = KubeApiTestdata.headBytes("core.v1.Pod.pb");
    api.then(protobufPodList("10")).then(protobufStream(frame("ADDED", fixturePod)));
    SharedIndexInformer<V1Pod> informer =
        factory.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder().startJitter(Duration.ZERO).build());
    factory.startAllRegisteredInformers();
    ReflectorWireTest.await(
        "the Protobuf ADDED event is cached",
        () -> informer.getIndexer().getByKey("namespaceValue/nameValue") != null);
    V1Pod cached = informer.getIndexer().getByKey("namespaceValue/nameValue");

    CoreV1Api core = new CoreV1Api(safe.apiClient());
    try {
      core.replaceNamespacedPod("nameValue", "namespaceValue", cached).execute();
    } catch (ApiException e) {
      // The script has no answer meant for the PUT (the informer's watch takes the next one):
      // what matters is that the PUT was sent, and its body.
    }

    var put = api.all().stream().filter(x -> "PUT".equals(x.request().getMethod())).findFirst();
    assertThat(put).isPresent();
    com.google.gson.JsonObject sent =
        com.google.gson.JsonParser.parseString(put.get().request().getBody().utf8())
            .getAsJsonObject();
    com.google.gson.JsonObject served =
        com.google.gson.JsonParser.parseString(
                new String(
                    KubeApiTestdata.headBytes("core.v1.Pod.json"),
                    java.nio.charset.StandardCharsets.UTF_8))
            .getAsJsonObject();
    assertThat(sent.getAsJsonObject("spec").get("evictionResponders"))
        .isNotNull()
        .isEqualTo(served.getAsJsonObject("spec").get("evictionResponders"));
  }

  /**
   * A pod's raw bytes as the Go marshaller writes them; with {@code fieldNoSchemaKnows} its PodSpec
   * also carries field 999, a number no release's schema has (a newer server).
   */
  static byte[] podRaw(String name, String rv, boolean fieldNoSchemaKnows) throws IOException {
    ByteArrayOutputStream meta = new ByteArrayOutputStream();
    CodedOutputStream m = CodedOutputStream.newInstance(meta);
    m.writeString(1, name);
    m.writeString(3, "default");
    m.writeString(5, "uid-" + name);
    m.writeString(6, rv);
    m.flush();
    ByteArrayOutputStream container = new ByteArrayOutputStream();
    CodedOutputStream c = CodedOutputStream.newInstance(container);
    c.writeString(1, "app");
    c.flush();
    ByteArrayOutputStream spec = new ByteArrayOutputStream();
    CodedOutputStream sp = CodedOutputStream.newInstance(spec);
    sp.writeByteArray(2, container.toByteArray());
    if (fieldNoSchemaKnows) {
      sp.writeString(999, "from a newer server");
    }
    sp.flush();
    ByteArrayOutputStream pod = new ByteArrayOutputStream();
    CodedOutputStream p = CodedOutputStream.newInstance(pod);
    p.writeByteArray(1, meta.toByteArray());
    p.writeByteArray(2, spec.toByteArray());
    p.flush();
    return pod.toByteArray();
  }

  /** Magic + runtime.Unknown {1 TypeMeta {1 apiVersion, 2 kind}, 2 raw}. */
  static byte[] envelope(String apiVersion, String kind, byte[] raw) throws IOException {
    ByteArrayOutputStream typeMeta = new ByteArrayOutputStream();
    CodedOutputStream t = CodedOutputStream.newInstance(typeMeta);
    t.writeString(1, apiVersion);
    t.writeString(2, kind);
    t.flush();
    ByteArrayOutputStream unknown = new ByteArrayOutputStream();
    unknown.write(new byte[] {'k', '8', 's', 0});
    CodedOutputStream u = CodedOutputStream.newInstance(unknown);
    u.writeByteArray(1, typeMeta.toByteArray());
    u.writeByteArray(2, raw);
    u.flush();
    return unknown.toByteArray();
  }

  /**
   * A pod list answered in Protobuf, as the API server answers SC103's request: a list answered in
   * JSON would mark v1 as read in JSON for a while, watches included.
   */
  static MockResponse protobufPodList(String rv, byte[]... podRaws) throws IOException {
    ByteArrayOutputStream listMeta = new ByteArrayOutputStream();
    CodedOutputStream lm = CodedOutputStream.newInstance(listMeta);
    lm.writeString(2, rv);
    lm.flush();
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    CodedOutputStream l = CodedOutputStream.newInstance(list);
    l.writeByteArray(1, listMeta.toByteArray());
    for (byte[] pod : podRaws) {
      l.writeByteArray(2, pod);
    }
    l.flush();
    return new MockResponse.Builder()
        .code(200)
        .setHeader("Content-Type", "application/vnd.kubernetes.protobuf")
        .body(new Buffer().write(envelope("v1", "PodList", list.toByteArray())))
        .build();
  }

  /**
   * A watch frame holding a field no schema knows: the event is delivered and cached, the kind is
   * marked lossy (SC204 then holds back a PUT of a copy), and the group/version is watched in JSON
   * for an hour on the client's clock, with one SC203 warning; after the hour, Protobuf again.
   */
  @Test
  void aFrameWithAnUnknownFieldNumberIsDeliveredAndItsGroupVersionWatchedInJsonForAnHour()
      throws Exception {
    // Sleeps auto-advance past the hour the test moves the clock by.
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofDays(1));
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    List<dev.safeclient.core.SafetyWarning> warnings = new CopyOnWriteArrayList<>();
    SafeClient safe =
        SafeClient.builder(base)
            .userAgent("informer-test/1")
            .clock(clock)
            .mode(dev.safeclient.core.SafetyMode.ENFORCE)
            .nodeName(null)
            .userAgent("pb-watch/1")
            .warningListener(warnings::add)
            .build();
    factory = new SafeInformerFactory(safe, clock);
    api.then(protobufPodList("10"))
        .then(protobufStream(frame("ADDED", envelope("v1", "Pod", podRaw("n", "11", true)))))
        .then(
            r -> {
              // While the JSON watch is answered, the hour passes on the client's clock.
              clock.advance(Duration.ofHours(1).plusNanos(1));
              return json(200, "");
            });

    SharedIndexInformer<V1Pod> informer =
        factory.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder().startJitter(Duration.ZERO).build());
    factory.startAllRegisteredInformers();

    api.take(); // the list
    assertThat(api.take().request().getHeaders().get("Accept"))
        .startsWith("application/vnd.kubernetes.protobuf;stream=watch");
    ScriptedApiServer.Seen jsonWatch = api.take();
    assertThat(jsonWatch.query()).contains("watch=true");
    assertThat(jsonWatch.request().getHeaders().get("Accept")).doesNotContain("protobuf");
    ScriptedApiServer.Seen afterTheHour = api.take();
    assertThat(afterTheHour.query()).contains("watch=true");
    assertThat(afterTheHour.request().getHeaders().get("Accept"))
        .startsWith("application/vnd.kubernetes.protobuf;stream=watch");

    V1Pod cached = informer.getIndexer().getByKey("default/n");
    assertThat(cached).isNotNull();
    assertThat(cached.getSpec().getContainers()).hasSize(1);
    assertThat(ClientInternals.of(safe).tolerantJson().unkeptFieldsWithin(V1Pod.class))
        .isNotEmpty();
    assertThat(
            warnings.stream()
                .filter(w -> w.ruleId().equals("SC203") && w.message().contains("read in JSON")))
        .hasSize(1);
  }
}
