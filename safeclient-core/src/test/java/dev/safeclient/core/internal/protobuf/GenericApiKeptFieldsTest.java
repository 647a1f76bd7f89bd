package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.model.testdata.KubeApiTestdata;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 * {@code GenericKubernetesApi} and {@code DynamicKubernetesApi} bind what they read with
 * client-java's own strict Gson. The HEAD fixture pod, read from a newer server in Protobuf or in
 * JSON, still reads, and a PUT of it unchanged carries every field the server sent, the ones
 * client-java 27 lacks included ({@code spec.evictionResponders}, {@code status.volumeHealth}).
 */
@Timeout(60)
class GenericApiKeptFieldsTest {
  @StartStop final MockWebServer server = new MockWebServer();
  private final List<SafetyWarning> warnings = new CopyOnWriteArrayList<>();

  private ApiClient client(SafetyMode mode) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return SafeClient.builder(base)
        .mode(mode)
        .serverVersion("1.30")
        .warningListener(warnings::add)
        .build()
        .apiClient();
  }

  private static String fixtureJson() throws Exception {
    return new String(KubeApiTestdata.headBytes("core.v1.Pod.json"), StandardCharsets.UTF_8);
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

  private static GenericKubernetesApi<V1Pod, V1PodList> pods(ApiClient client) {
    return new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client);
  }

  @Test
  void genericGetThenPutCarriesEveryFieldInProtobufAndJson() throws Exception {
    for (boolean protobuf : List.of(true, false)) {
      for (SafetyMode mode : List.of(SafetyMode.ENFORCE, SafetyMode.STRICT)) {
        String what = (protobuf ? "Protobuf " : "JSON ") + mode;
        GenericKubernetesApi<V1Pod, V1PodList> pods = pods(client(mode));
        enqueueFixture(protobuf);
        enqueuePutAnswer();

        KubernetesApiResponse<V1Pod> got = pods.get("namespaceValue", "nameValue");
        assertThat(got.isSuccess()).as(what).isTrue();
        RecordedRequest get = server.takeRequest();
        assertThat(get.getHeaders().get("Accept")).as(what).startsWith(ProtobufCodec.MEDIA_TYPE);

        KubernetesApiResponse<V1Pod> put = pods.update(got.getObject());
        assertThat(put.isSuccess()).as(what).isTrue();
        assertCarriesEveryField(server.takeRequest(), what);
      }
    }
    assertThat(warnings).extracting(SafetyWarning::ruleId).doesNotContain("SC204");
  }

  @Test
  void dynamicGetThenPutCarriesEveryField() throws Exception {
    for (boolean protobuf : List.of(true, false)) {
      String what = protobuf ? "Protobuf" : "JSON";
      DynamicKubernetesApi pods =
          new DynamicKubernetesApi("", "v1", "pods", client(SafetyMode.STRICT));
      enqueueFixture(protobuf);
      enqueuePutAnswer();

      KubernetesApiResponse<DynamicKubernetesObject> got = pods.get("namespaceValue", "nameValue");
      assertThat(got.isSuccess()).as(what).isTrue();
      server.takeRequest();
      pods.update(got.getObject());
      assertCarriesEveryField(server.takeRequest(), what);
    }
  }

  /**
   * The fields kept for an object client-java bound live as long as that object: one held for hours
   * (a controller's own cache, a slow loop), or one of many thousands, is PUT with every field, on
   * the client's own clock as on any other.
   */
  @Test
  void genericObjectHeldForHoursIsPutWithEveryField() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    ApiClient client =
        SafeClient.builder(base)
            .mode(SafetyMode.ENFORCE)
            .serverVersion("1.30")
            .clock(clock)
            .warningListener(warnings::add)
            .build()
            .apiClient();
    for (boolean protobuf : List.of(true, false)) {
      String what = protobuf ? "Protobuf" : "JSON";
      GenericKubernetesApi<V1Pod, V1PodList> pods = pods(client);
      enqueueFixture(protobuf);
      V1Pod got = pods.get("namespaceValue", "nameValue").getObject();
      server.takeRequest();

      clock.advance(Duration.ofHours(3));
      enqueuePutAnswer();
      assertThat(pods.update(got).isSuccess()).as(what).isTrue();
      assertCarriesEveryField(server.takeRequest(), what);
    }
    assertThat(warnings).extracting(SafetyWarning::ruleId).doesNotContain("SC204");
  }

  /**
   * A {@code DynamicKubernetesObject} carries every field the server sent, so a PUT of it sends
   * what the caller left in it: a field the caller removed stays removed, even where a Generic read
   * of the very same object (same uid and resourceVersion) kept it for a PUT of its own.
   */
  @Test
  void aDynamicPutSendsNoFieldTheCallerRemoved() throws Exception {
    ApiClient client = client(SafetyMode.ENFORCE);
    for (boolean protobuf : List.of(true, false)) {
      String what = protobuf ? "Protobuf" : "JSON";
      enqueueFixture(protobuf);
      assertThat(pods(client).get("namespaceValue", "nameValue").isSuccess()).as(what).isTrue();
      server.takeRequest();

      DynamicKubernetesApi dynamic = new DynamicKubernetesApi("", "v1", "pods", client);
      enqueueFixture(protobuf);
      DynamicKubernetesObject got = dynamic.get("namespaceValue", "nameValue").getObject();
      server.takeRequest();
      JsonObject spec = got.getRaw().getAsJsonObject("spec");
      assertThat(spec.has("evictionResponders")).as(what).isTrue();
      spec.remove("evictionResponders");

      enqueuePutAnswer();
      dynamic.update(got);
      RecordedRequest put = server.takeRequest();
      assertThat(put.getMethod()).isEqualTo("PUT");
      JsonObject sent = JsonParser.parseString(put.getBody().utf8()).getAsJsonObject();
      assertThat(sent.getAsJsonObject("spec").has("evictionResponders")).as(what).isFalse();
      // Everything else the server sent is still there.
      assertThat(sent.getAsJsonObject("status").get("volumeHealth")).as(what).isNotNull();
    }
  }

  /** An item of a list read through GenericKubernetesApi, edited and PUT back. */
  @Test
  void listItemEditedAndPutKeepsTheFieldsAtTheirPlace() throws Exception {
    JsonObject pod = JsonParser.parseString(fixtureJson()).getAsJsonObject();
    pod.remove("apiVersion");
    pod.remove("kind");
    com.google.gson.JsonArray served = pod.getAsJsonObject("spec").getAsJsonArray("containers");
    JsonObject second = served.get(0).getAsJsonObject().deepCopy();
    second.addProperty("name", "second");
    served.add(second);
    JsonObject list = new JsonObject();
    list.addProperty("apiVersion", "v1");
    list.addProperty("kind", "PodList");
    list.add("metadata", JsonParser.parseString("{\"resourceVersion\":\"7\"}"));
    com.google.gson.JsonArray items = new com.google.gson.JsonArray();
    items.add(pod);
    list.add("items", items);
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body(list.toString())
            .build());
    enqueuePutAnswer();
    GenericKubernetesApi<V1Pod, V1PodList> pods = pods(client(SafetyMode.ENFORCE));

    V1Pod item = pods.list("namespaceValue").getObject().getItems().get(0);
    // The caller's edit: the first container goes, so the others move up one place, and the new
    // first one is renamed: its own kept fields stay with it.
    List<V1Container> containers = item.getSpec().getContainers();
    String firstName = containers.get(0).getName();
    containers.remove(0);
    String renamedFrom = containers.get(0).getName();
    containers.get(0).setName("renamed");
    pods.update(item);

    server.takeRequest();
    JsonObject sent =
        JsonParser.parseString(server.takeRequest().getBody().utf8()).getAsJsonObject();
    assertThat(sent.getAsJsonObject("spec").get("evictionResponders"))
        .isEqualTo(pod.getAsJsonObject("spec").get("evictionResponders"));
    // Each kept container field went with its container, found by name, not by position.
    com.google.gson.JsonArray servedContainers =
        pod.getAsJsonObject("spec").getAsJsonArray("containers");
    com.google.gson.JsonArray sentContainers =
        sent.getAsJsonObject("spec").getAsJsonArray("containers");
    assertThat(sentContainers.size()).isEqualTo(servedContainers.size() - 1);
    for (JsonElement c : sentContainers) {
      String name = c.getAsJsonObject().get("name").getAsString();
      assertThat(name).isNotEqualTo(firstName);
      JsonObject servedOne = byName(servedContainers, name.equals("renamed") ? renamedFrom : name);
      assertThat(c.getAsJsonObject().keySet()).containsAll(servedOne.keySet());
    }
    // Each kept field belongs to its very object: the removed container took its own with it, as
    // the caller meant, and nothing the server sent for the others is lost, so SC204 is silent.
    assertThat(warnings).extracting(SafetyWarning::ruleId).doesNotContain("SC204");
  }

  private static JsonObject byName(com.google.gson.JsonArray a, String name) {
    for (JsonElement e : a) {
      if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
        return e.getAsJsonObject();
      }
    }
    throw new AssertionError("no element " + name);
  }

  /**
   * Every path (object keys, array indexes) of the fixture's JSON is in the PUT, except the
   * managedFields client-java leaves out of every write (of every ObjectMeta, nested ones too); the
   * fields client-java 27 lacks are there with the server's very values.
   */
  private static void assertCarriesEveryField(RecordedRequest put, String what) throws Exception {
    assertThat(put.getMethod()).isEqualTo("PUT");
    assertThat(put.getUrl().encodedPath())
        .isEqualTo("/api/v1/namespaces/namespaceValue/pods/nameValue");
    JsonObject served = JsonParser.parseString(fixtureJson()).getAsJsonObject();
    JsonObject sent = JsonParser.parseString(put.getBody().utf8()).getAsJsonObject();
    Set<String> servedPaths = new TreeSet<>();
    paths(served, "", servedPaths);
    servedPaths.removeIf(p -> p.contains(".managedFields"));
    Set<String> sentPaths = new TreeSet<>();
    paths(sent, "", sentPaths);
    Set<String> missing = new TreeSet<>(servedPaths);
    missing.removeAll(sentPaths);
    assertThat(missing).as(what + ": fields the PUT left out").isEmpty();
    assertThat(sent.getAsJsonObject("spec").get("evictionResponders"))
        .as(what)
        .isNotNull()
        .isEqualTo(served.getAsJsonObject("spec").get("evictionResponders"));
    assertThat(sent.getAsJsonObject("status").get("volumeHealth"))
        .as(what)
        .isNotNull()
        .isEqualTo(served.getAsJsonObject("status").get("volumeHealth"));
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
