package dev.safeclient.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.UnsafeRequestException;
import dev.safeclient.core.internal.protobuf.ProtoWriter;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesApi;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A DynamicKubernetesApi GET answered in Protobuf with a field no schema knows: the tree would lack
 * it, and a Dynamic body is PUT as it is, with nothing to warn. The one object is read again in
 * JSON, so the GET-modify-PUT carries every field the server sent.
 */
class DynamicReadOfAnUnknownFieldTest {
  private static final String PB = "application/vnd.kubernetes.protobuf";
  @StartStop final MockWebServer server = new MockWebServer();

  private static byte[] podRaw() {
    return ProtoWriter.message()
        .message(
            1,
            ProtoWriter.message()
                .string(1, "a")
                .string(3, "default")
                .string(5, "uid-1")
                .string(6, "42"))
        .message(
            2,
            ProtoWriter.message()
                .message(2, ProtoWriter.message().string(1, "app"))
                .string(9999, "from the future"))
        .build();
  }

  /** The server answers by Accept, as the API server does. */
  @BeforeEach
  void answerByAccept() {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String accept = r.getHeaders().get("Accept");
            if ("GET".equals(r.getMethod())) {
              boolean list =
                  r.getTarget().startsWith("/api/v1/namespaces/default/pods?")
                      || r.getTarget().equals("/api/v1/namespaces/default/pods");
              if (list && accept != null && accept.startsWith(PB)) {
                return new MockResponse.Builder()
                    .code(200)
                    .addHeader("Content-Type", PB)
                    .body(new Buffer().write(ProtoWriter.list("v1", "PodList", "50", "", podRaw())))
                    .build();
              }
              if (accept != null && accept.startsWith(PB)) {
                return new MockResponse.Builder()
                    .code(200)
                    .addHeader("Content-Type", PB)
                    .body(new Buffer().write(ProtoWriter.envelope("v1", "Pod", podRaw())))
                    .build();
              }
              return new MockResponse.Builder()
                  .code(200)
                  .addHeader("Content-Type", "application/json")
                  .body(
                      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\","
                          + "\"namespace\":\"default\",\"uid\":\"uid-1\",\"resourceVersion\":\"42\"},"
                          + "\"spec\":{\"containers\":[{\"name\":\"app\"}],"
                          + "\"futureField\":\"from the future\"}}")
                  .build();
            }
            return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json")
                .body("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}")
                .build();
          }
        });
  }

  @Test
  void aDynamicGetIsReadAgainInJsonAndItsPutCarriesEveryField() throws Exception {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    ApiClient client =
        SafeClient.builder(base).mode(SafetyMode.ENFORCE).serverVersion("1.30").build().apiClient();
    DynamicKubernetesApi pods = new DynamicKubernetesApi("", "v1", "pods", client);

    DynamicKubernetesObject got = pods.get("default", "a").getObject();
    RecordedRequest protobufGet = server.takeRequest();
    RecordedRequest jsonGet = server.takeRequest();
    assertThat(protobufGet.getHeaders().get("Accept")).startsWith(PB);
    assertThat(jsonGet.getMethod()).isEqualTo("GET");
    assertThat(jsonGet.getHeaders().get("Accept")).doesNotContain("protobuf");
    assertThat(got.getRaw().getAsJsonObject("spec").get("futureField").getAsString())
        .isEqualTo("from the future");

    pods.update(got);
    RecordedRequest put = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(put).isNotNull();
    assertThat(put.getMethod()).isEqualTo("PUT");
    JsonObject sent = JsonParser.parseString(put.getBody().utf8()).getAsJsonObject();
    assertThat(sent.getAsJsonObject("spec").get("futureField").getAsString())
        .isEqualTo("from the future");
  }

  /**
   * A list is never read again (a second whole list): an item whose Protobuf lacked a field no
   * schema knows is not whole, and a PUT of it is not sent in ENFORCE.
   */
  @Test
  void aDynamicPutOfAListItemReadWithoutAFieldIsNotSent() throws Exception {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    ApiClient client =
        SafeClient.builder(base).mode(SafetyMode.ENFORCE).serverVersion("1.30").build().apiClient();
    DynamicKubernetesApi pods = new DynamicKubernetesApi("", "v1", "pods", client);

    DynamicKubernetesObject item = pods.list("default").getObject().getItems().get(0);
    RecordedRequest list = server.takeRequest();
    assertThat(list.getHeaders().get("Accept")).startsWith(PB);

    // DynamicKubernetesApi hands the refusal on as an IllegalStateException.
    assertThatThrownBy(() -> pods.update(item))
        .hasRootCauseInstanceOf(UnsafeRequestException.class)
        .rootCause()
        .hasMessageContaining("SC204");
    assertThat(server.takeRequest(500, TimeUnit.MILLISECONDS)).isNull(); // the PUT was not sent
  }

  /**
   * {@code CustomObjectsApi} answers are bound by Gson's own Map adapter, which keeps no identity
   * to tell a whole body from a Protobuf list item that lacked a field: they are asked in JSON, as
   * plain client-java asks, for built-in groups too.
   */
  @Test
  void customObjectsApiReadsAreAskedInJson() throws Exception {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    ApiClient client =
        SafeClient.builder(base).mode(SafetyMode.ENFORCE).serverVersion("1.30").build().apiClient();

    new CustomObjectsApi(client)
        .getNamespacedCustomObject("apps", "v1", "default", "deployments", "a")
        .execute();

    RecordedRequest get = server.takeRequest();
    assertThat(get.getTarget()).isEqualTo("/apis/apps/v1/namespaces/default/deployments/a");
    assertThat(get.getHeaders().get("Accept")).doesNotContain("protobuf");
  }
}
