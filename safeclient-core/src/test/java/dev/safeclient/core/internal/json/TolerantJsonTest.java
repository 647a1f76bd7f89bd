package dev.safeclient.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.reflect.TypeToken;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.internal.warning.WarningChannel;
import dev.safeclient.core.metrics.SafeClientMetrics;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ControllerRevision;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1Secret;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TolerantJsonTest {
  private final List<SafetyWarning> warnings = new ArrayList<>();
  private final TolerantJson json =
      new TolerantJson(new WarningChannel(warnings::add, SafeClientMetrics.NOOP));

  private <T> T decode(String text, Class<T> type) throws IOException {
    return json.decode(new StringReader(text), type, "GET /test");
  }

  @Test
  void everyFixtureDecodesAndWritesBackWhatTheServerSent() throws Exception {
    int decoded = 0;
    int withUnknownFields = 0;
    for (JsonFixtures.Fixture f : JsonFixtures.withModel()) {
      String text = f.text();
      Object strict = null;
      String strictError = null;
      try {
        strict = JSON.deserialize(text, f.model());
      } catch (RuntimeException e) {
        strictError = String.valueOf(e.getMessage());
      }

      Object tolerant = decode(text, f.model());
      decoded++;

      assertThat(tolerant).as(f.name()).isInstanceOf(f.model());
      if (strict != null) {
        // equals() cannot compare byte[] map values, so compare what client-java makes of both.
        assertThat(JsonParser.parseString(JSON.serialize(tolerant)))
            .as("same object as client-java for %s", f.name())
            .isEqualTo(JsonParser.parseString(JSON.serialize(strict)));
      } else {
        assertThat(strictError).as(f.name()).contains("is not defined in the");
        withUnknownFields++;
      }
      // Nothing the server sent is lost: known fields, unknown fields at any depth, IntOrString,
      // Quantity, dates, byte[] and free-form Object fields all come back out.
      assertThat(normalized(JsonParser.parseString(json.encode(tolerant))))
          .as("round trip of %s", f.name())
          .isEqualTo(normalized(JsonParser.parseString(text)));
    }
    System.out.printf(
        "tolerant JSON: %d fixtures with a client-java model decoded, %d of them with fields"
            + " client-java rejects%n",
        decoded, withUnknownFields);
    // The fixture set is pinned (kubernetes/api testdata of a 1.37 server): 101 of its kinds have
    // a client-java 27 model, and client-java throws on 21 of those.
    assertThat(decoded).isEqualTo(101);
    assertThat(withUnknownFields).isEqualTo(21);
    assertThat(warnings).allMatch(w -> w.ruleId().equals("SC203"));
    assertThat(warnings).isNotEmpty();
  }

  @Test
  void unknownFieldsAreKeptOnTheirOwnObjectAndWarnedOncePerModelAndField() throws Exception {
    String text = JsonFixtures.named("core.v1.Pod.json").text();
    V1Pod first = decode(text, V1Pod.class);
    V1Pod second = decode(text, V1Pod.class);

    JsonElement sent =
        JsonParser.parseString(text)
            .getAsJsonObject()
            .getAsJsonObject("spec")
            .get("evictionResponders");
    assertThat(TolerantJson.unknownFields(first.getSpec()))
        .containsEntry("evictionResponders", sent);
    assertThat(TolerantJson.unknownFields(second.getSpec())).containsKey("evictionResponders");
    assertThat(TolerantJson.unknownFields(first)).isEmpty();
    assertThat(TolerantJson.unknownFields(new V1Pod())).isEmpty();

    List<SafetyWarning> evictionResponders =
        warnings.stream().filter(w -> w.message().contains("'evictionResponders'")).toList();
    assertThat(evictionResponders).hasSize(1);
    SafetyWarning w = evictionResponders.get(0);
    assertThat(w.ruleId()).isEqualTo("SC203");
    assertThat(w.request()).isEqualTo("GET /test");
    assertThat(w.message()).contains("V1PodSpec").contains("V1Pod .spec.evictionResponders");
    assertThat(json.unknownFieldsWithin(V1Pod.class)).isNotEmpty();
    assertThat(json.unknownFieldsWithin(V1ConfigMap.class)).isEmpty();
  }

  @Test
  void unknownFieldsInListItemsAreWarnedWithTheirPath() throws Exception {
    String pod = JsonFixtures.named("core.v1.Pod.json").text();
    String list =
        "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"7\"},"
            + "\"items\":["
            + pod
            + ","
            + pod
            + "]}";
    V1PodList pods = decode(list, V1PodList.class);

    assertThat(pods.getItems()).hasSize(2);
    assertThat(pods.getItems())
        .allSatisfy(
            p ->
                assertThat(TolerantJson.unknownFields(p.getSpec()))
                    .containsKey("evictionResponders"));
    assertThat(warnings)
        .filteredOn(w -> w.message().contains("'evictionResponders'"))
        .singleElement()
        .satisfies(w -> assertThat(w.message()).contains("V1PodList .items[].spec."));
    assertThat(json.unknownFieldsWithin(V1Pod.class)).isNotEmpty();
  }

  @Test
  void aMissingRequiredFieldIsLeftNullAndWarnedOnce() throws Exception {
    JsonObject tree =
        JsonParser.parseString(JsonFixtures.named("core.v1.ConfigMap.json").text())
            .getAsJsonObject();
    JsonObject pod = new JsonObject();
    pod.addProperty("apiVersion", "v1");
    pod.addProperty("kind", "Pod");
    pod.add("metadata", tree.get("metadata"));
    JsonObject container = new JsonObject();
    container.addProperty("image", "busybox"); // "name" is required by V1Container
    JsonArray containers = new JsonArray();
    containers.add(container);
    JsonObject spec = new JsonObject();
    spec.add("containers", containers);
    pod.add("spec", spec);
    String text = pod.toString();
    assertThatThrownBy(() -> JSON.deserialize(text, V1Pod.class))
        .hasMessageContaining("required field");

    V1Pod decoded = decode(text, V1Pod.class);
    decode(text, V1Pod.class);

    assertThat(decoded.getSpec().getContainers().get(0).getName()).isNull();
    assertThat(decoded.getSpec().getContainers().get(0).getImage()).isEqualTo("busybox");
    assertThat(warnings)
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.ruleId()).isEqualTo("SC203");
              assertThat(w.message())
                  .contains("'name'")
                  .contains("V1Container")
                  .contains("mark required")
                  .contains("V1Pod .spec.containers[].name");
            });
    // Nothing was unknown, so nothing needs carrying back: no SC204 for pods.
    assertThat(json.unknownFieldsWithin(V1Pod.class)).isEmpty();
  }

  @Test
  void encodingAnObjectWithoutUnknownFieldsGivesClientJavasJson() throws Exception {
    V1ConfigMap cm = decode(JsonFixtures.named("core.v1.ConfigMap.json").text(), V1ConfigMap.class);
    // The same JSON value; client-java's tree pass escapes '=' in base64 as \u003d, we do not.
    assertThat(JsonParser.parseString(json.encode(cm)))
        .isEqualTo(JsonParser.parseString(JSON.serialize(cm)));

    V1Secret secret = decode(JsonFixtures.named("core.v1.Secret.json").text(), V1Secret.class);
    assertThat(secret.getData()).isNotEmpty();
    assertThat(JsonParser.parseString(json.encode(secret)))
        .isEqualTo(JsonParser.parseString(JSON.serialize(secret)));

    V1Pod built =
        new V1Pod()
            .apiVersion("v1")
            .kind("Pod")
            .metadata(new io.kubernetes.client.openapi.models.V1ObjectMeta().name("a=b<c>"));
    assertThat(json.encode(built)).isEqualTo(JSON.serialize(built));
  }

  @Test
  void intOrStringQuantityDatesAndObjectFieldsDecodeAsClientJavaDoes() throws Exception {
    V1Pod pod = decode(JsonFixtures.named("core.v1.Pod.json").text(), V1Pod.class);
    var probe = pod.getSpec().getContainers().get(0).getLivenessProbe();
    assertThat(probe.getHttpGet().getPort()).isEqualTo(new IntOrString("portValue"));
    assertThat(pod.getMetadata().getCreationTimestamp()).isNotNull();
    assertThat(pod.getSpec().getOverhead()).containsKey("overheadKey");

    V1ControllerRevision rev =
        decode(
            JsonFixtures.named("apps.v1.ControllerRevision.json").text(),
            V1ControllerRevision.class);
    V1ControllerRevision strict =
        JSON.deserialize(
            JsonFixtures.named("apps.v1.ControllerRevision.json").text(),
            V1ControllerRevision.class);
    assertThat(rev.getData()).isNotNull().isEqualTo(strict.getData());
  }

  @Test
  void recursiveModelsKeepUnknownFieldsAtAnyDepth() throws Exception {
    String crd =
        "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
            + "\"metadata\":{\"name\":\"xs.example.com\"},\"spec\":{\"group\":\"example.com\","
            + "\"names\":{\"kind\":\"X\",\"plural\":\"xs\"},\"scope\":\"Namespaced\","
            + "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":"
            + "{\"openAPIV3Schema\":{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":"
            + "\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"x-new-thing\":[1,2]}}}}}}}]}}";
    assertThatThrownBy(
            () ->
                JSON.deserialize(
                    crd, io.kubernetes.client.openapi.models.V1CustomResourceDefinition.class))
        .hasMessageContaining("x-new-thing");

    var decoded = decode(crd, io.kubernetes.client.openapi.models.V1CustomResourceDefinition.class);

    var a =
        decoded
            .getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec")
            .getProperties()
            .get("a");
    assertThat(a.getType()).isEqualTo("string");
    assertThat(TolerantJson.unknownFields(a))
        .containsEntry("x-new-thing", JsonParser.parseString("[1,2]"));
    assertThat(normalized(JsonParser.parseString(json.encode(decoded))))
        .isEqualTo(normalized(JsonParser.parseString(crd)));
    assertThat(warnings)
        .singleElement()
        .satisfies(
            w ->
                assertThat(w.message())
                    .contains(
                        "V1CustomResourceDefinition .spec.versions[].schema.openAPIV3Schema"
                            + ".properties{}.properties{}.x-new-thing"));
  }

  @Test
  void aParsedTreeDecodesTheSameWay() throws Exception {
    JsonElement tree = JsonParser.parseString(JsonFixtures.named("core.v1.Pod.json").text());
    V1Pod pod = json.decode(tree, V1Pod.class, "GET /api/v1/pods?watch=true");

    assertThat(TolerantJson.unknownFields(pod.getSpec())).containsKey("evictionResponders");
    assertThat(warnings).anySatisfy(w -> assertThat(w.request()).contains("watch=true"));
  }

  @Test
  void genericTypesDecode() throws Exception {
    String pod = JsonFixtures.named("core.v1.Pod.json").text();
    List<V1Pod> pods =
        json.decode(
            new StringReader("[" + pod + "]"), new TypeToken<List<V1Pod>>() {}.getType(), null);
    assertThat(pods).singleElement().isInstanceOf(V1Pod.class);

    Map<String, V1Pod> byName =
        json.decode(
            new StringReader("{\"a\":" + pod + "}"),
            new TypeToken<Map<String, V1Pod>>() {}.getType(),
            null);
    assertThat(TolerantJson.unknownFields(byName.get("a").getSpec()))
        .containsKey("evictionResponders");
  }

  @Test
  void badInputIsATypedErrorNeverAHalfBuiltObject() {
    String pod = JsonFixtures.named("core.v1.Pod.json").text();
    assertThatThrownBy(() -> decode("", V1Pod.class)).isInstanceOf(EmptyJsonException.class);
    assertThatThrownBy(() -> decode("  \n", V1Pod.class)).isInstanceOf(EmptyJsonException.class);
    assertThatThrownBy(() -> decode(pod.substring(0, pod.length() / 2), V1Pod.class))
        .isInstanceOf(EOFException.class)
        .isNotInstanceOf(EmptyJsonException.class)
        .hasMessageContaining("$.spec");
    assertThatThrownBy(() -> decode("<html><body>502 Bad Gateway</body></html>", V1Pod.class))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> decode(pod + " {}", V1Pod.class)).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> decode("[1,2]", V1Pod.class))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot decode V1Pod");
    assertThatThrownBy(
            () -> decode("{\"metadata\":{\"creationTimestamp\":\"yesterday\"}}", V1Pod.class))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot decode V1Pod");
    assertThat(pod.getBytes(StandardCharsets.UTF_8)).isNotEmpty();
  }

  /**
   * Without managedFields (client-java leaves them out unless
   * kubernetes.client.includeManagedFields is set), without nulls and empty maps and lists (JSON
   * writes leave nulls out, and some models start with an empty list, on client-java's own path
   * too), and with timestamps as instants: client-java writes {@code 01:01:01.000000Z} for the
   * server's {@code 01:01:01Z}, the same time.
   */
  private static JsonElement normalized(JsonElement e) {
    if (e.isJsonObject()) {
      JsonObject o = new JsonObject();
      for (Map.Entry<String, JsonElement> en : e.getAsJsonObject().entrySet()) {
        JsonElement v = normalized(en.getValue());
        boolean empty =
            v.isJsonNull()
                || (v.isJsonObject() && v.getAsJsonObject().isEmpty())
                || (v.isJsonArray() && v.getAsJsonArray().isEmpty());
        if (!en.getKey().equals("managedFields") && !empty) {
          o.add(en.getKey(), v);
        }
      }
      return o;
    }
    if (e.isJsonArray()) {
      JsonArray a = new JsonArray();
      e.getAsJsonArray().forEach(x -> a.add(normalized(x)));
      return a;
    }
    if (e.isJsonPrimitive()
        && e.getAsJsonPrimitive().isString()
        && TIMESTAMP.matcher(e.getAsString()).matches()) {
      return new JsonPrimitive(OffsetDateTime.parse(e.getAsString()).toInstant().toString());
    }
    return e;
  }

  private static final Pattern TIMESTAMP =
      Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
}
