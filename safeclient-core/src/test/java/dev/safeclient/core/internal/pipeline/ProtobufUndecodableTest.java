package dev.safeclient.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.UnsafeRequestException;
import dev.safeclient.core.internal.protobuf.ProtoWriter;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Protobuf body with a field number no release's schema knows (a server newer than master): what
 * JSON would have read is never an error, and no field is silently wiped by a later PUT.
 */
class ProtobufUndecodableTest {
  private static final String PB = "application/vnd.kubernetes.protobuf";

  @StartStop final MockWebServer server = new MockWebServer();
  private final List<SafetyWarning> warnings = new CopyOnWriteArrayList<>();
  private final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();

  /** A pod whose spec carries field 9999, unknown to every release. */
  private static byte[] podRaw(String name) {
    return ProtoWriter.message()
        .message(1, ProtoWriter.message().string(1, name).string(3, "default").string(6, "42"))
        .message(
            2,
            ProtoWriter.message()
                .message(2, ProtoWriter.message().string(1, "app"))
                .string(9999, "from the future"))
        .build();
  }

  private static String podJson(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\"default\",\"resourceVersion\":\"42\"},\"spec\":{\"containers\":"
        + "[{\"name\":\"app\"}],\"futureField\":\"from the future\"}}";
  }

  /** The server answers by Accept, as the API server does. */
  @BeforeEach
  void answerByAccept() {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String accept = r.getHeaders().get("Accept");
            boolean pb = accept != null && accept.startsWith(PB);
            boolean list =
                r.getTarget().startsWith("/api/v1/namespaces/default/pods?")
                    || r.getTarget().equals("/api/v1/namespaces/default/pods");
            if (!"GET".equals(r.getMethod())) {
              return json("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"code\":500}");
            }
            if (list) {
              return pb
                  ? protobuf(ProtoWriter.list("v1", "PodList", "50", "", podRaw("a"), podRaw("b")))
                  : json(
                      "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":"
                          + "{\"resourceVersion\":\"50\"},\"items\":["
                          + podJson("a")
                          + ","
                          + podJson("b")
                          + "]}");
            }
            return pb
                ? protobuf(ProtoWriter.envelope("v1", "Pod", podRaw("a")))
                : json(podJson("a"));
          }
        });
  }

  private static MockResponse protobuf(byte[] body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", PB)
        .body(new Buffer().write(body))
        .build();
  }

  private static MockResponse json(String body) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .body(body)
        .build();
  }

  private CoreV1Api core(SafetyMode mode) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    SafeClient safe =
        SafeClient.builder(base).mode(mode).clock(clock).warningListener(warnings::add).build();
    return new CoreV1Api(safe.apiClient());
  }

  private List<RecordedRequest> requests() throws InterruptedException {
    List<RecordedRequest> out = new java.util.ArrayList<>();
    for (RecordedRequest r;
        (r = server.takeRequest(0, java.util.concurrent.TimeUnit.SECONDS)) != null; ) {
      out.add(r);
    }
    return out;
  }

  /** A LIST that names its resourceVersion: one request, no probe for a resourceVersion. */
  private static V1PodList list(CoreV1Api core) throws ApiException {
    return core.listNamespacedPod("default")
        .resourceVersion("50")
        .resourceVersionMatch("NotOlderThan")
        .execute();
  }

  @Test
  void aSingleGetIsReadAgainInJsonAndItsGroupVersionThenAsksJson() throws Exception {
    CoreV1Api core = core(SafetyMode.ENFORCE);

    V1Pod pod = core.readNamespacedPod("a", "default").execute();

    assertThat(pod.getMetadata().getName()).isEqualTo("a");
    List<RecordedRequest> seen = requests();
    assertThat(seen)
        .extracting(r -> r.getHeaders().get("Accept"))
        .containsExactly(PB + ", application/json", "application/json");
    // Read in JSON, its unknown field is kept: the PUT of this very object is sent, with it.
    assertThat(warnings).anyMatch(w -> w.ruleId().equals("SC203") && w.message().contains("v1"));

    list(core);
    assertThat(requests())
        .extracting(r -> r.getHeaders().get("Accept"))
        .containsExactly("application/json");
  }

  @Test
  void aListIsNeverReadAgainItsKindIsLossyAndAPutOfItIsRefused() throws Exception {
    CoreV1Api core = core(SafetyMode.ENFORCE);

    V1PodList list = list(core);

    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b");
    List<RecordedRequest> seen = requests();
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).getHeaders().get("Accept")).isEqualTo(PB + ", application/json");

    V1Pod item = list.getItems().get(0);
    assertThatThrownBy(() -> core.replaceNamespacedPod("a", "default", item).execute())
        .isInstanceOf(ApiException.class)
        .hasCauseInstanceOf(UnsafeRequestException.class)
        .hasMessageContaining("SC204")
        .hasMessageContaining("PodSpec")
        .hasMessageContaining("PATCH")
        .hasMessageContaining("server-side apply")
        .hasMessageContaining("protobuf(false)");
    assertThat(requests()).isEmpty(); // the PUT was not sent

    // The next call of v1 asks for JSON, for an hour; then Protobuf again.
    list(core);
    assertThat(requests())
        .extracting(r -> r.getHeaders().get("Accept"))
        .containsExactly("application/json");
    clock.advance(Duration.ofMinutes(61));
    list(core);
    assertThat(requests())
        .extracting(r -> r.getHeaders().get("Accept"))
        .containsExactly(PB + ", application/json");
  }

  /**
   * {@code GenericKubernetesApi} reads a tree. One object whose Protobuf lacks a field the server
   * sent is read again in JSON, as a model is: the object client-java binds keeps the field, and
   * its PUT carries it.
   */
  @Test
  void aGenericReadOfAnUndecodableFieldIsReadAgainInJsonAndPutWhole() throws Exception {
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
    GenericKubernetesApi<V1Pod, V1PodList> pods =
        new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client);

    KubernetesApiResponse<V1Pod> got = pods.get("default", "a");

    assertThat(got.isSuccess()).isTrue();
    List<RecordedRequest> gets = requests();
    assertThat(gets).hasSize(2);
    assertThat(gets.get(0).getHeaders().get("Accept")).isEqualTo(PB + ", application/json");
    assertThat(gets.get(1).getHeaders().get("Accept")).doesNotContain("protobuf");

    pods.update(got.getObject()); // this server answers a PUT 500: what matters is what was sent
    List<RecordedRequest> puts = requests();
    assertThat(puts).hasSize(1);
    assertThat(puts.get(0).getMethod()).isEqualTo("PUT");
    assertThat(puts.get(0).getBody().utf8()).contains("\"futureField\":\"from the future\"");
    assertThat(warnings).extracting(SafetyWarning::ruleId).doesNotContain("SC204");
  }

  @Test
  void observeNeverSwitchedSoNothingIsRefused() throws Exception {
    CoreV1Api core = core(SafetyMode.OBSERVE);
    V1PodList list = list(core);
    assertThat(requests())
        .extracting(r -> r.getHeaders().get("Accept"))
        .doesNotContain(PB + ", application/json");
    assertThat(list.getItems()).hasSize(2);
  }
}
