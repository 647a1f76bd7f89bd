package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.safeclient.core.SafeClient;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A JSON tree made from Protobuf renders zero and nil values as the answering server's release
 * writes them in JSON: {@code ObjectMeta.creationTimestamp} is {@code omitempty} up to 1.33, so a
 * 1.30 server writes a zero one (a pod template's) as {@code null}; it is {@code omitzero} from
 * 1.34, which leaves it out.
 */
@Timeout(60)
class ReleaseRenderingTest {
  @StartStop final MockWebServer server = new MockWebServer();

  /** A PodTemplateList of one template whose pod template's metadata has a zero time. */
  private static byte[] podTemplates() {
    ProtoWriter template =
        ProtoWriter.message()
            .message(
                1,
                ProtoWriter.message()
                    .string(1, "t")
                    .string(3, "default")
                    .string(5, "uid-t")
                    .string(6, "7")
                    // creationTimestamp (8): seconds since the epoch, set for the stored object
                    .message(8, ProtoWriter.message().varint(1, 1_700_000_000L)))
            .message(
                2,
                ProtoWriter.message()
                    // the pod template's own metadata: a zero creationTimestamp, an empty message
                    .message(1, ProtoWriter.message().message(8, ProtoWriter.message()))
                    .message(
                        2,
                        ProtoWriter.message()
                            .message(2, ProtoWriter.message().string(1, "c").string(2, "i"))));
    return ProtoWriter.list("v1", "PodTemplateList", "7", "", template.build());
  }

  private void answer(String minor) {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getUrl().encodedPath().equals("/version")) {
              return new MockResponse.Builder()
                  .code(200)
                  .addHeader("Content-Type", "application/json")
                  .body("{\"major\":\"1\",\"minor\":\"" + minor + "\",\"gitVersion\":\"v1.x\"}")
                  .build();
            }
            return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", ProtobufCodec.MEDIA_TYPE)
                .body(new Buffer().write(podTemplates()))
                .build();
          }
        });
  }

  private JsonObject listTree(SafeClient.Builder builder) throws Exception {
    ApiClient client = builder.build().apiClient();
    okhttp3.Call call = new CoreV1Api(client).listNamespacedPodTemplate("default").buildCall(null);
    return client.<JsonObject>execute(call, JsonObject.class).getData();
  }

  private SafeClient.Builder builder() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return SafeClient.builder(base);
  }

  private static JsonObject templateMetadata(JsonObject list) {
    return list.getAsJsonArray("items")
        .get(0)
        .getAsJsonObject()
        .getAsJsonObject("template")
        .getAsJsonObject("metadata");
  }

  @Test
  void aLearntServerVersionDecidesTheRendering() throws Exception {
    answer("30");
    JsonObject on130 = listTree(builder());
    assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/version");
    assertThat(templateMetadata(on130).get("creationTimestamp")).isEqualTo(JsonNull.INSTANCE);
    // The stored object's own time is a time, whatever the release.
    assertThat(
            on130
                .getAsJsonArray("items")
                .get(0)
                .getAsJsonObject()
                .getAsJsonObject("metadata")
                .get("creationTimestamp")
                .getAsString())
        .isEqualTo("2023-11-14T22:13:20Z");

    answer("34");
    assertThat(templateMetadata(listTree(builder())).has("creationTimestamp")).isFalse();
  }

  @Test
  void aGivenServerVersionDecidesTheRendering() throws Exception {
    answer("36");
    assertThat(templateMetadata(listTree(builder().serverVersion("1.33"))).get("creationTimestamp"))
        .isEqualTo(JsonNull.INSTANCE);
    assertThat(templateMetadata(listTree(builder().serverVersion("1.36"))).has("creationTimestamp"))
        .isFalse();
  }

  @Test
  void codecAloneRendersTheNewestReleaseUntilTheVersionIsKnown() throws Exception {
    byte[] body = podTemplates();
    assertThat(
            templateMetadata(new ProtobufCodec(null).toJsonTree(body).getAsJsonObject()).keySet())
        .doesNotContain("creationTimestamp");
    ProtobufCodec on131 =
        new ProtobufCodec(
            null,
            null,
            dev.safeclient.model.time.TimeSource.system(),
            1 << 20,
            () -> java.util.Optional.of(dev.safeclient.model.serving.ServerVersion.of("1.31")));
    assertThat(templateMetadata(on131.toJsonTree(body).getAsJsonObject()).get("creationTimestamp"))
        .isEqualTo(JsonNull.INSTANCE);
  }
}
