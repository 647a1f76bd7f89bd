package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.core.internal.warning.WarningChannel;
import dev.safeclient.core.internal.watch.WatchEvent;
import dev.safeclient.core.internal.watch.WatchEventReader;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.informer.internal.JsonLinesWatchReader;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

/** The JSON-lines watch decoder, on real fixture objects and on broken streams. */
class JsonLinesWatchReaderTest {
  private static final List<SafetyWarning> WARNINGS = new CopyOnWriteArrayList<>();
  private static final TolerantJson JSON_DECODER =
      new TolerantJson(new WarningChannel(WARNINGS::add, SafeClientMetrics.NOOP));

  private static String fixture(String name) throws IOException {
    Path dir = KubeApiTestdata.head();
    // One line, as the server writes a watch event.
    return JsonParser.parseString(Files.readString(dir.resolve(name))).toString();
  }

  private static <T> WatchEventReader<T> reader(String body, Class<T> type) throws IOException {
    Response response =
        new Response.Builder()
            .request(new Request.Builder().url("http://127.0.0.1/api/v1/pods?watch=true").build())
            .protocol(Protocol.HTTP_1_1)
            .code(200)
            .message("OK")
            .body(ResponseBody.create(body, MediaType.get("application/json")))
            .build();
    return WatchStreamFormat.jsonLines(JSON_DECODER).open(response, type);
  }

  private static <T> List<WatchEvent<T>> readAll(String body, Class<T> type) throws IOException {
    List<WatchEvent<T>> all = new ArrayList<>();
    try (WatchEventReader<T> r = reader(body, type)) {
      WatchEvent<T> e;
      while ((e = r.next()) != null) {
        all.add(e);
      }
    }
    return all;
  }

  @Test
  void decodesFixtureObjectsAsTheModelsDo() throws Exception {
    String cm = fixture("core.v1.ConfigMap.json");
    List<WatchEvent<V1ConfigMap>> events =
        readAll(
            K8sJson.event("ADDED", cm)
                + "\n"
                + K8sJson.event("DELETED", cm)
                + K8sJson.bookmark("77"),
            V1ConfigMap.class);
    V1ConfigMap expected = JSON.getGson().fromJson(cm, V1ConfigMap.class);
    assertThat(events)
        .extracting(WatchEvent::type)
        .containsExactly(WatchEvent.Type.ADDED, WatchEvent.Type.DELETED, WatchEvent.Type.BOOKMARK);
    // binaryData holds byte[]s, so compare by their JSON.
    assertThat(JSON.getGson().toJson(events.get(0).object()))
        .isEqualTo(JSON.getGson().toJson(expected));
    assertThat(events.get(0).object().getData()).isNotEmpty();
    assertThat(events.get(2).object().getMetadata().getResourceVersion()).isEqualTo("77");
  }

  @Test
  void errorEventsCarryTheirStatus() throws Exception {
    List<WatchEvent<V1Pod>> events = readAll(K8sJson.errorEvent(410, "Expired"), V1Pod.class);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).type()).isEqualTo(WatchEvent.Type.ERROR);
    assertThat(events.get(0).status().getCode()).isEqualTo(410);
    assertThat(events.get(0).status().getReason()).isEqualTo("Expired");
  }

  @Test
  void aLastLineWithoutNewlineIsAcceptedWhenWhole() throws Exception {
    String line = K8sJson.event("ADDED", K8sJson.pod("a", "u", "5")).trim();
    assertThat(readAll(line, V1Pod.class)).hasSize(1);
  }

  @Test
  void aCutLastLineIsATruncatedFrameAfterTheWholeEventsBeforeIt() throws Exception {
    try (WatchEventReader<V1Pod> r =
        reader(
            K8sJson.event("ADDED", K8sJson.pod("a", "u", "5")) + "{\"type\":\"ADDED\",\"obj",
            V1Pod.class)) {
      assertThat(r.next().object().getMetadata().getName()).isEqualTo("a");
      assertThatThrownBy(r::next)
          .isInstanceOf(JsonLinesWatchReader.MalformedWatchEventException.class)
          .hasMessageStartingWith("truncated watch event at line 2");
    }
  }

  @Test
  void unknownEventTypesAndShapesAreClearErrors() throws Exception {
    assertThatThrownBy(() -> readAll("{\"type\":\"SOMETHING\",\"object\":{}}\n", V1Pod.class))
        .isInstanceOf(JsonLinesWatchReader.MalformedWatchEventException.class)
        .hasMessageContaining("unknown event type SOMETHING");
    assertThatThrownBy(() -> readAll("[1,2]\n", V1Pod.class))
        .hasMessageContaining("malformed watch event at line 1");
    assertThatThrownBy(() -> readAll("{\"type\":\"ADDED\"}\n", V1Pod.class))
        .hasMessageContaining("missing \"type\" or \"object\"");
  }

  @Test
  void aNewerServersFieldDecodesKeptAndWarnedAsSC203() throws Exception {
    // client-java 27's strict models reject the 1.37 Pod fixture (a field they don't know); the
    // informer decodes it tolerantly, as the LIST path does.
    List<WatchEvent<V1Pod>> events =
        readAll(K8sJson.event("ADDED", fixture("core.v1.Pod.json")), V1Pod.class);

    assertThat(events).hasSize(1);
    V1Pod pod = events.get(0).object();
    assertThat(pod.getMetadata().getName()).isEqualTo("nameValue");
    assertThat(JSON_DECODER.unknownFieldsWithin(V1Pod.class)).isNotEmpty();
    assertThat(WARNINGS).extracting(SafetyWarning::ruleId).contains("SC203");
  }

  @Test
  void anObjectOfTheWrongShapeIsAClearErrorThatQuotesNoSecretData() throws Exception {
    JsonObject secret = JsonParser.parseString(fixture("core.v1.Secret.json")).getAsJsonObject();
    String data =
        secret.getAsJsonObject("data").entrySet().iterator().next().getValue().getAsString();
    secret.addProperty("metadata", "not-an-object");
    assertThatThrownBy(() -> readAll(K8sJson.event("MODIFIED", secret.toString()), V1Secret.class))
        .isInstanceOf(JsonLinesWatchReader.MalformedWatchEventException.class)
        .hasMessageContaining("malformed watch event at line 1 (V1Secret)")
        .hasMessageNotContaining(data);
  }
}
