package dev.safeclient.core.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.UnsafeRequestException;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Protobuf field the models don't know cannot be kept on the object, so a later PUT of that
 * object would drop it on the server: SC204, as on the JSON path. An object decoded whole from
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

  @Test
  void putOfAnObjectWhoseProtobufFieldsWereDroppedWarnsSc204InEnforce() throws Exception {
    CoreV1Api core = core(SafetyMode.ENFORCE);
    enqueueProtobuf(fixture("core.v1.Pod.pb"));
    enqueueJsonOk();

    V1Pod pod = core.readNamespacedPod("p", "ns").execute();
    assertThat(server.takeRequest().getHeaders().get("Accept"))
        .startsWith("application/vnd.kubernetes.protobuf");
    assertThat(warnings("SC203")).isNotEmpty();

    core.replaceNamespacedPod("p", "ns", pod).execute();

    RecordedRequest put = server.takeRequest();
    assertThat(put.getMethod()).isEqualTo("PUT");
    assertThat(warnings("SC204"))
        .singleElement()
        .satisfies(w -> assertThat(w.request()).isEqualTo("PUT /api/v1/namespaces/ns/pods/p"));
  }

  @Test
  void strictRejectsThatPutAndSendsNothing() throws Exception {
    CoreV1Api core = core(SafetyMode.STRICT);
    enqueueProtobuf(fixture("core.v1.Pod.pb"));
    V1Pod pod = core.readNamespacedPod("p", "ns").execute();
    server.takeRequest();

    assertThatThrownBy(() -> core.replaceNamespacedPod("p", "ns", pod).execute())
        .isInstanceOf(ApiException.class)
        .rootCause()
        .isInstanceOfSatisfying(
            UnsafeRequestException.class, e -> assertThat(e.ruleIds()).contains("SC204"));
    assertThat(server.takeRequest(200, TimeUnit.MILLISECONDS)).isNull();
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
