package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Protobuf field the models don't know cannot be kept on the object, so a single GET holding one
 * is read again in JSON and a later PUT of that object keeps it. An object decoded whole from
 * Protobuf is updated without a warning.
 */
@Timeout(60)
class ProtobufUpdateSkewTest {
  @StartStop final MockWebServer server = new MockWebServer();
  private final List<SafetyWarning> warnings = new CopyOnWriteArrayList<>();

  private CoreV1Api core(SafetyMode mode) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    SafeClient safe =
        SafeClient.builder(base)
            .mode(mode)
            .userAgent("proto-skew-test/1.0")
            .warningListener(warnings::add)
            .build();
    return new CoreV1Api(safe.apiClient());
  }

  private static byte[] fixture(String name) throws Exception {
    return KubeApiTestdata.headBytes(name);
  }

  private void enqueueProtobuf(byte[] body) {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", ProtobufCodec.MEDIA_TYPE)
            .body(new Buffer().write(body))
            .build());
  }

  private void enqueueJsonOk() {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}")
            .build());
  }

  private List<SafetyWarning> warnings(String ruleId) {
    return warnings.stream().filter(w -> w.ruleId().equals(ruleId)).toList();
  }

  /**
   * The HEAD fixture pod carries fields client-java 27's models lack. Protobuf keeps them beside
   * the object in their JSON form (no JSON re-read): the PUT of that object carries every field the
   * server sent, equal to the fixture's JSON, in ENFORCE and STRICT alike.
   */
  @Test
  void getOfAnObjectWithFieldsTheModelsLackKeepsThemAndPutsThemBack() throws Exception {
    for (SafetyMode mode : List.of(SafetyMode.ENFORCE, SafetyMode.STRICT)) {
      CoreV1Api core = core(mode);
      String json =
          new String(fixture("core.v1.Pod.json"), java.nio.charset.StandardCharsets.UTF_8);
      enqueueProtobuf(fixture("core.v1.Pod.pb"));
      enqueueJsonOk();

      V1Pod pod = core.readNamespacedPod("p", "ns").execute();
      assertThat(server.takeRequest().getHeaders().get("Accept"))
          .startsWith("application/vnd.kubernetes.protobuf");

      core.replaceNamespacedPod("p", "ns", pod).execute();

      RecordedRequest put = server.takeRequest();
      assertThat(put.getMethod()).isEqualTo("PUT");
      com.google.gson.JsonObject sent =
          com.google.gson.JsonParser.parseString(put.getBody().utf8()).getAsJsonObject();
      com.google.gson.JsonObject served =
          com.google.gson.JsonParser.parseString(json).getAsJsonObject();
      assertThat(sent.getAsJsonObject("spec").get("evictionResponders"))
          .as(mode.toString())
          .isNotNull()
          .isEqualTo(served.getAsJsonObject("spec").get("evictionResponders"));
      // Kept at other depths too: a field of the status.
      assertThat(sent.getAsJsonObject("status").get("volumeHealth"))
          .isNotNull()
          .isEqualTo(served.getAsJsonObject("status").get("volumeHealth"));
      assertThat(warnings("SC204")).isEmpty();
    }
  }

  @Test
  void anObjectDecodedWholeFromProtobufIsUpdatedWithoutWarning() throws Exception {
    CoreV1Api core = core(SafetyMode.STRICT);
    // The ConfigMap fixture has no field client-java 27 lacks.
    enqueueProtobuf(fixture("core.v1.ConfigMap.pb"));
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}")
            .build());

    V1ConfigMap cm = core.readNamespacedConfigMap("c", "ns").execute();
    core.replaceNamespacedConfigMap("c", "ns", cm).execute();

    server.takeRequest();
    assertThat(server.takeRequest().getMethod()).isEqualTo("PUT");
    assertThat(warnings("SC203")).isEmpty();
    assertThat(warnings("SC204")).isEmpty();
  }
}
