package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.model.testdata.KubeApiTestdata;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readers of the JSON tree itself ({@code DynamicKubernetesApi}, a raw {@code ApiClient.execute}
 * into a {@code JsonObject}) see every field the server sent, exactly what plain client-java shows
 * them from the same answers, though client-java 27's models lack some ({@code
 * spec.evictionResponders} of the HEAD fixture pod), in JSON and in Protobuf alike. Readers that
 * bind into the models ({@code GenericKubernetesApi}, the typed {@code CoreV1Api}) read it too, and
 * a PUT of what they read carries those fields back.
 */
@Timeout(60)
class TreeReadersSeeEveryFieldTest {
  private static final String NS = "namespaceValue";
  private static final String NAME = "nameValue";

  @StartStop final MockWebServer server = new MockWebServer();
  private final List<SafetyWarning> warnings = new CopyOnWriteArrayList<>();
  private final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();

  private ApiClient plain() {
    ApiClient c = new ApiClient();
    c.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return c;
  }

  private ApiClient safe(SafetyMode mode) {
    return SafeClient.builder(plain())
        .mode(mode)
        .serverVersion("1.30")
        .clock(clock)
        .warningListener(warnings::add)
        .build()
        .apiClient();
  }

  private static String fixtureJson() throws Exception {
    return new String(KubeApiTestdata.headBytes("core.v1.Pod.json"), StandardCharsets.UTF_8);
  }

  private static JsonObject served() throws Exception {
    return JsonParser.parseString(fixtureJson()).getAsJsonObject();
  }

  private void enqueueFixture(boolean protobuf) throws Exception {
    MockResponse.Builder r = new MockResponse.Builder().code(200);
    if (protobuf) {
      r.addHeader("Content-Type", ProtobufCodec.MEDIA_TYPE)
          .body(new Buffer().write(KubeApiTestdata.headBytes("core.v1.Pod.pb")));
    } else {
      r.addHeader("Content-Type", "application/json").body(fixtureJson());
    }
    server.enqueue(r.build());
  }

  private void enqueuePutAnswer() {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"nameValue\"}}")
            .build());
  }

  private RecordedRequest take() throws InterruptedException {
    return server.takeRequest();
  }

  @Test
  void dynamicKubernetesApiSeesWhatPlainClientJavaSees() throws Exception {
    enqueueFixture(false);
    JsonObject plainSaw =
        new DynamicKubernetesApi("", "v1", "pods", plain()).get(NS, NAME).getObject().getRaw();
    take();
    assertThat(plainSaw.getAsJsonObject("spec").has("evictionResponders")).isTrue();

    for (boolean protobuf : List.of(true, false)) {
      String what = protobuf ? "Protobuf" : "JSON";
      enqueueFixture(protobuf);
      KubernetesApiResponse<DynamicKubernetesObject> got =
          new DynamicKubernetesApi("", "v1", "pods", safe(SafetyMode.STRICT)).get(NS, NAME);
      assertThat(take().getHeaders().get("Accept")).as(what).startsWith(ProtobufCodec.MEDIA_TYPE);
      assertThat(got.isSuccess()).as(what).isTrue();
      assertThat(got.getObject().getRaw()).as(what).isEqualTo(plainSaw);
    }
    // Nothing was left out of any read, so nothing is warned as kept.
    assertThat(warnings).extracting(SafetyWarning::ruleId).doesNotContain("SC203", "SC204");
  }

  @Test
  void rawJsonObjectSeesWhatPlainClientJavaSeesAndStaysWholeWhenBound() throws Exception {
    enqueueFixture(false);
    ApiClient plain = plain();
    JsonObject plainSaw = plain.<JsonObject>execute(readCall(plain), JsonObject.class).getData();
    take();
    assertThat(plainSaw).isEqualTo(served());
    // Plain client-java 27 cannot bind it into its model: the fields it lacks throw.
    assertThatThrownBy(() -> JSON.getGson().fromJson(plainSaw, V1Pod.class))
        .hasMessageContaining("evictionResponders");

    for (boolean protobuf : List.of(true, false)) {
      String what = protobuf ? "Protobuf" : "JSON";
      ApiClient safe = safe(SafetyMode.ENFORCE);
      enqueueFixture(protobuf);
      JsonObject tree = safe.<JsonObject>execute(readCall(safe), JsonObject.class).getData();
      take();
      assertThat(tree).as(what).isEqualTo(plainSaw);

      // Bound into its model by client-java's own Gson, as GenericKubernetesApi does: that reads,
      // and the caller's tree keeps every field.
      V1Pod bound = JSON.getGson().fromJson(tree, V1Pod.class);
      assertThat(bound.getSpec().getContainers()).as(what).isNotEmpty();
      assertThat(tree).as(what).isEqualTo(plainSaw);
    }
  }

  /**
   * Binding reads the caller's tree and never writes it: while client-java binds it (here, at the
   * moment the nested metadata is bound, before the spec), another reader of the same tree, or a
   * second thread binding it, sees every field the server sent.
   */
  @Test
  void bindingNeverChangesTheCallersTreeWhileItRuns() throws Exception {
    ApiClient safe = safe(SafetyMode.ENFORCE);
    enqueueFixture(false);
    JsonObject tree = safe.<JsonObject>execute(readCall(safe), JsonObject.class).getData();
    take();
    JsonObject whole = tree.deepCopy();
    List<JsonObject> seenMidBinding = new CopyOnWriteArrayList<>();
    com.google.gson.Gson before = JSON.getGson();
    JSON.setGson(
        before
            .newBuilder()
            .registerTypeAdapterFactory(
                new com.google.gson.TypeAdapterFactory() {
                  @Override
                  @SuppressWarnings("unchecked")
                  public <T> com.google.gson.TypeAdapter<T> create(
                      com.google.gson.Gson gson, com.google.gson.reflect.TypeToken<T> type) {
                    if (type.getRawType() != V1ObjectMeta.class) {
                      return null;
                    }
                    com.google.gson.TypeAdapter<T> delegate = gson.getDelegateAdapter(this, type);
                    return new com.google.gson.TypeAdapter<>() {
                      @Override
                      public void write(com.google.gson.stream.JsonWriter out, T value)
                          throws java.io.IOException {
                        delegate.write(out, value);
                      }

                      @Override
                      public T read(com.google.gson.stream.JsonReader in)
                          throws java.io.IOException {
                        seenMidBinding.add(tree.deepCopy());
                        return delegate.read(in);
                      }
                    };
                  }
                })
            .create());
    try {
      V1Pod bound = JSON.getGson().fromJson(tree, V1Pod.class);
      assertThat(bound.getSpec()).isNotNull();
    } finally {
      JSON.setGson(before);
    }
    assertThat(seenMidBinding).isNotEmpty().allSatisfy(t -> assertThat(t).isEqualTo(whole));
    assertThat(tree).isEqualTo(whole);
  }

  @Test
  void rawStringSeesWhatPlainClientJavaSees() throws Exception {
    enqueueFixture(false);
    ApiClient plain = plain();
    String plainSaw = plain.<String>execute(readCall(plain), String.class).getData();
    take();

    for (boolean protobuf : List.of(true, false)) {
      String what = protobuf ? "Protobuf" : "JSON";
      ApiClient safe = safe(SafetyMode.ENFORCE);
      enqueueFixture(protobuf);
      String text = safe.<String>execute(readCall(safe), String.class).getData();
      assertThat(take().getHeaders().get("Accept")).as(what).startsWith(ProtobufCodec.MEDIA_TYPE);
      assertThat(JsonParser.parseString(text)).as(what).isEqualTo(JsonParser.parseString(plainSaw));
    }
  }

  @Test
  void genericKubernetesApiReadsWherePlainCannotAndItsPutCarriesEveryField() throws Exception {
    enqueueFixture(false);
    KubernetesApiResponse<V1Pod> plainGot;
    try {
      plainGot = pods(plain()).get(NS, NAME);
    } catch (RuntimeException e) {
      plainGot = null;
    }
    take();
    assertThat(plainGot == null || !plainGot.isSuccess())
        .as("plain client-java 27 cannot bind the newer pod")
        .isTrue();

    for (boolean protobuf : List.of(true, false)) {
      String what = protobuf ? "Protobuf" : "JSON";
      GenericKubernetesApi<V1Pod, V1PodList> pods = pods(safe(SafetyMode.STRICT));
      enqueueFixture(protobuf);
      enqueuePutAnswer();
      KubernetesApiResponse<V1Pod> got = pods.get(NS, NAME);
      assertThat(got.isSuccess()).as(what).isTrue();
      take();
      assertThat(pods.update(got.getObject()).isSuccess()).as(what).isTrue();
      assertCarriesEveryField(take(), what);
    }
    assertThat(warnings).extracting(SafetyWarning::ruleId).contains("SC203");
    assertThat(warnings).extracting(SafetyWarning::ruleId).doesNotContain("SC204");
  }

  @Test
  void typedCoreV1ApiPutCarriesEveryField() throws Exception {
    for (boolean protobuf : List.of(true, false)) {
      String what = protobuf ? "Protobuf" : "JSON";
      CoreV1Api core = new CoreV1Api(safe(SafetyMode.STRICT));
      enqueueFixture(protobuf);
      enqueuePutAnswer();
      V1Pod pod = core.readNamespacedPod(NAME, NS).execute();
      take();
      core.replaceNamespacedPod(NAME, NS, pod).execute();
      assertCarriesEveryField(take(), what);
    }
  }

  private static GenericKubernetesApi<V1Pod, V1PodList> pods(ApiClient client) {
    return new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client);
  }

  private static okhttp3.Call readCall(ApiClient client) throws Exception {
    return new CoreV1Api(client).readNamespacedPod(NAME, NS).buildCall(null);
  }

  /**
   * Every path of the fixture's JSON is in the PUT, except the managedFields client-java leaves out
   * of every write; the fields client-java 27 lacks carry the server's very values.
   */
  private static void assertCarriesEveryField(RecordedRequest put, String what) throws Exception {
    assertThat(put.getMethod()).isEqualTo("PUT");
    JsonObject served = served();
    JsonObject sent = JsonParser.parseString(put.getBody().utf8()).getAsJsonObject();
    Set<String> missing = new TreeSet<>(paths(served));
    missing.removeIf(p -> p.contains(".managedFields"));
    missing.removeAll(paths(sent));
    assertThat(missing).as(what + ": fields the PUT left out").isEmpty();
    assertThat(sent.getAsJsonObject("spec").get("evictionResponders"))
        .as(what)
        .isNotNull()
        .isEqualTo(served.getAsJsonObject("spec").get("evictionResponders"));
  }

  private static Set<String> paths(JsonElement e) {
    Set<String> out = new TreeSet<>();
    paths(e, "", out);
    return out;
  }

  private static void paths(JsonElement e, String at, Set<String> out) {
    if (e.isJsonObject() && !e.getAsJsonObject().isEmpty()) {
      e.getAsJsonObject()
          .entrySet()
          .forEach(
              x -> paths(x.getValue(), at.isEmpty() ? x.getKey() : at + "." + x.getKey(), out));
    } else if (e.isJsonArray() && !e.getAsJsonArray().isEmpty()) {
      for (int i = 0; i < e.getAsJsonArray().size(); i++) {
        paths(e.getAsJsonArray().get(i), at + "[" + i + "]", out);
      }
    } else {
      out.add(at);
    }
  }
}
