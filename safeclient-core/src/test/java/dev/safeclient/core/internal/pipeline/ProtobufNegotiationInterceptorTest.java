package dev.safeclient.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.internal.protobuf.ProtoWriter;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;
import org.junit.jupiter.api.Test;

class ProtobufNegotiationInterceptorTest {
  private static final String PROTOBUF_FIRST =
      "application/vnd.kubernetes.protobuf, application/json";
  private static final String PB = "application/vnd.kubernetes.protobuf";

  @StartStop final MockWebServer server = new MockWebServer();
  private final List<SafetyWarning> warnings = new CopyOnWriteArrayList<>();

  private SafeClient client(SafetyMode mode) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    // The mock answers no /version; named here, the list decision needs no request of its own.
    return SafeClient.builder(base)
        .mode(mode)
        .serverVersion("1.30")
        .warningListener(warnings::add)
        .build();
  }

  private static byte[] fixture(String name) throws Exception {
    return KubeApiTestdata.headBytes(name);
  }

  /** A small Pod as the Go marshaller writes it. */
  private static byte[] podRaw(String name) {
    return ProtoWriter.message()
        .message(1, ProtoWriter.message().string(1, name).string(3, "default").string(6, "42"))
        .message(2, ProtoWriter.message().message(2, ProtoWriter.message().string(1, "app")))
        .build();
  }

  private static MockResponse protobuf(int code, byte[] body) {
    return new MockResponse.Builder()
        .code(code)
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

  @Test
  void listAsksForProtobufAndTheGeneratedApiGetsAV1PodList() throws Exception {
    server.enqueue(
        protobuf(200, ProtoWriter.list("v1", "PodList", "1234", "", podRaw("a"), podRaw("b"))));
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE).apiClient());

    V1PodList list = core.listPodForAllNamespaces().limit(10).execute();

    assertThat(list.getKind()).isEqualTo("PodList");
    assertThat(list.getMetadata().getResourceVersion()).isEqualTo("1234");
    assertThat(list.getMetadata().getContinue()).isNull(); // "" is Go's omitempty zero
    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b");
    assertThat(list.getItems().get(0).getSpec().getContainers().get(0).getName()).isEqualTo("app");
    RecordedRequest r = server.takeRequest();
    assertThat(r.getTarget()).isEqualTo("/api/v1/pods?limit=10");
    assertThat(r.getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
  }

  /**
   * The HEAD fixture pod carries fields client-java 27's models lack (spec.evictionResponders):
   * Protobuf keeps them beside the object, in their JSON form, so the single GET is not read again.
   */
  @Test
  void getOfTheRealFixturePodWithFieldsTheModelsLackKeepsThemWithoutAJsonReread() throws Exception {
    server.enqueue(protobuf(200, fixture("core.v1.Pod.pb")));
    CoreV1Api core = new CoreV1Api(client(SafetyMode.STRICT).apiClient());

    V1Pod pod = core.readNamespacedPod("nameValue", "namespaceValue").execute();

    assertThat(pod.getMetadata().getName()).isEqualTo("nameValue");
    assertThat(pod.getMetadata().getManagedFields()).isEmpty(); // dropped, as client-java's JSON
    assertThat(pod.getSpec().getContainers()).isNotEmpty();
    assertThat(dev.safeclient.core.internal.json.TolerantJson.unknownFields(pod.getSpec()))
        .containsKey("evictionResponders");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aGroupVersionThatAnsweredJsonIsNotAskedAgain() throws Exception {
    server.enqueue(
        json("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"}}"));
    server.enqueue(
        json("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"}}"));
    server.enqueue(protobuf(200, ProtoWriter.envelope("v1", "Pod", podRaw("p"))));
    SafeClient safe = client(SafetyMode.ENFORCE);
    AppsV1Api apps = new AppsV1Api(safe.apiClient());

    V1Deployment d = apps.readNamespacedDeployment("d", "default").execute();
    apps.readNamespacedDeployment("d", "default").execute();
    new CoreV1Api(safe.apiClient()).readNamespacedPod("p", "default").execute();

    assertThat(d.getMetadata().getName()).isEqualTo("d");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
  }

  @Test
  void aProtobufErrorStatusReachesApiExceptionAsJson() throws Exception {
    byte[] status =
        ProtoWriter.envelope(
            "v1",
            "Status",
            ProtoWriter.message()
                .message(1, ProtoWriter.message())
                .string(2, "Failure")
                .string(3, "pods \"p\" not found")
                .string(4, "NotFound")
                .message(5, ProtoWriter.message().string(1, "p").string(3, "pods"))
                .varint(6, 404)
                .build());
    server.enqueue(protobuf(404, status));
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE).apiClient());

    ApiException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ApiException.class, () -> core.readNamespacedPod("p", "default").execute());

    assertThat(e.getCode()).isEqualTo(404);
    JsonObject body = JsonParser.parseString(e.getResponseBody()).getAsJsonObject();
    assertThat(body.get("kind").getAsString()).isEqualTo("Status");
    assertThat(body.get("reason").getAsString()).isEqualTo("NotFound");
    assertThat(body.get("message").getAsString()).isEqualTo("pods \"p\" not found");
    assertThat(body.get("code").getAsInt()).isEqualTo(404);
    assertThat(body.getAsJsonObject("details").get("kind").getAsString()).isEqualTo("pods");
  }

  @Test
  void genericKubernetesApiReadsProtobufThroughAJsonTree() throws Exception {
    server.enqueue(protobuf(200, ProtoWriter.envelope("v1", "Pod", podRaw("g"))));
    GenericKubernetesApi<V1Pod, V1PodList> pods =
        new GenericKubernetesApi<>(
            V1Pod.class, V1PodList.class, "", "v1", "pods", client(SafetyMode.ENFORCE).apiClient());

    KubernetesApiResponse<V1Pod> r = pods.get("default", "g");

    assertThat(r.isSuccess()).isTrue();
    assertThat(r.getObject().getMetadata().getName()).isEqualTo("g");
    assertThat(r.getObject().getMetadata().getNamespace()).isEqualTo("default");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
  }

  /**
   * A pod with a field client-java 27's models lack. GenericKubernetesApi binds its tree with
   * client-java's strict Gson, which throws on those (as it does on the same JSON): the tree leaves
   * them out, the read succeeds, and they are kept for the bound object's later PUT (not lossy).
   */
  @Test
  void genericKubernetesApiReadsAPodWithFieldsTheModelsLack() throws Exception {
    // The pod of a master server: spec.evictionResponders (44) is in master's schema only.
    byte[] pod =
        ProtoWriter.envelope(
            "v1",
            "Pod",
            ProtoWriter.message()
                .message(
                    1,
                    ProtoWriter.message()
                        .string(1, "nameValue")
                        .string(3, "namespaceValue")
                        .string(6, "42"))
                .message(
                    2,
                    ProtoWriter.message()
                        .message(2, ProtoWriter.message().string(1, "app"))
                        .message(44, ProtoWriter.message().string(1, "responder")))
                .build());
    server.enqueue(protobuf(200, pod));
    SafeClient safe = client(SafetyMode.ENFORCE);
    GenericKubernetesApi<V1Pod, V1PodList> pods =
        new GenericKubernetesApi<>(
            V1Pod.class, V1PodList.class, "", "v1", "pods", safe.apiClient());

    KubernetesApiResponse<V1Pod> r = pods.get("namespaceValue", "nameValue");

    assertThat(r.isSuccess()).isTrue();
    assertThat(r.getObject().getMetadata().getName()).isEqualTo("nameValue");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(ClientInternals.of(safe).tolerantJson().unkeptFieldsWithin(V1Pod.class)).isEmpty();
    assertThat(ClientInternals.of(safe).tolerantJson().unknownFieldsWithin(V1Pod.class))
        .contains("V1PodSpec.evictionResponders");
  }

  @Test
  void genericKubernetesApiGetsTheStatusOfAProtobufError() throws Exception {
    byte[] status =
        ProtoWriter.envelope(
            "v1",
            "Status",
            ProtoWriter.message()
                .message(1, ProtoWriter.message())
                .string(2, "Failure")
                .string(3, "gone")
                .string(4, "NotFound")
                .varint(6, 404)
                .build());
    server.enqueue(protobuf(404, status));
    GenericKubernetesApi<V1Pod, V1PodList> pods =
        new GenericKubernetesApi<>(
            V1Pod.class, V1PodList.class, "", "v1", "pods", client(SafetyMode.ENFORCE).apiClient());

    KubernetesApiResponse<V1Pod> r = pods.get("default", "g");

    assertThat(r.isSuccess()).isFalse();
    assertThat(r.getStatus().getReason()).isEqualTo("NotFound");
    assertThat(r.getStatus().getMessage()).isEqualTo("gone");
  }

  @Test
  void observeWarnsAndKeepsJson() throws Exception {
    server.enqueue(json("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}"));
    CoreV1Api core = new CoreV1Api(client(SafetyMode.OBSERVE).apiClient());

    core.readNamespacedPod("p", "default").execute();

    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
    assertThat(warnings).extracting(SafetyWarning::ruleId).contains("SC103");
  }

  @Test
  void writesWatchesDiscoveryLogsAndTablesStayJson() throws Exception {
    for (int i = 0; i < 5; i++) {
      server.enqueue(
          json("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}"));
    }
    SafeClient safe = client(SafetyMode.STRICT);
    CoreV1Api core = new CoreV1Api(safe.apiClient());

    core.createNamespacedPod("default", new V1Pod().metadata(new V1ObjectMeta().name("p")))
        .execute();
    Request watch =
        new Request.Builder()
            .url(
                server.url(
                    "/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=5&allowWatchBookmarks=true"))
            .header("Accept", "application/json")
            .build();
    Request discovery =
        new Request.Builder()
            .url(server.url("/api/v1"))
            .header("Accept", "application/json")
            .build();
    Request table =
        new Request.Builder()
            .url(server.url("/api/v1/pods?limit=50"))
            .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .build();
    Request log =
        new Request.Builder()
            .url(server.url("/api/v1/namespaces/default/pods/p/log"))
            .header("Accept", "application/json")
            .build();
    for (Request r : List.of(watch, discovery, table, log)) {
      try (Response ignored = safe.apiClient().getHttpClient().newCall(r).execute()) {
        // only the request on the wire matters
      }
    }

    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
    assertThat(server.takeRequest().getHeaders().get("Accept"))
        .isEqualTo("application/json;as=Table;v=v1;g=meta.k8s.io");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
  }

  @Test
  void partialObjectMetadataStaysAsAskedAndTheStatusSubresourceGetsProtobuf() throws Exception {
    server.enqueue(json("{\"kind\":\"PartialObjectMetadataList\"}"));
    server.enqueue(protobuf(200, ProtoWriter.envelope("v1", "Pod", podRaw("s"))));
    SafeClient safe = client(SafetyMode.ENFORCE);
    String pom = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    try (Response ignored =
        safe.apiClient()
            .getHttpClient()
            .newCall(
                new Request.Builder()
                    .url(server.url("/api/v1/pods?limit=50"))
                    .header("Accept", pom)
                    .build())
            .execute()) {
      // only the request on the wire matters
    }
    V1Pod status =
        new CoreV1Api(safe.apiClient()).readNamespacedPodStatus("s", "default").execute();

    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(pom);
    RecordedRequest r = server.takeRequest();
    assertThat(r.getTarget()).isEqualTo("/api/v1/namespaces/default/pods/s/status");
    assertThat(r.getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
    assertThat(status.getMetadata().getName()).isEqualTo("s");
  }

  @Test
  void protobufDisabledOnTheBuilderKeepsJson() throws Exception {
    server.enqueue(json("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}"));
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    SafeClient safe = SafeClient.builder(base).protobuf(false).build();

    new CoreV1Api(safe.apiClient()).readNamespacedPod("p", "default").execute();

    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
  }

  @Test
  void aMalformedProtobufListIsAnApiExceptionCausedByATypedErrorAndIsNotReadAgain()
      throws Exception {
    server.enqueue(protobuf(200, new byte[] {'{', '}', 0, 1, 2}));
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE).apiClient());

    assertThatThrownBy(() -> core.listNamespacedPod("default").execute())
        .isInstanceOf(ApiException.class)
        .hasCauseInstanceOf(ProtobufDecodeException.class)
        .hasMessageContaining("magic");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void aMalformedProtobufSingleObjectIsReadAgainInJson() throws Exception {
    server.enqueue(protobuf(200, new byte[] {'{', '}', 0, 1, 2}));
    server.enqueue(
        json(
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
                + "\"namespace\":\"default\"}}"));
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE).apiClient());

    V1Pod pod = core.readNamespacedPod("p", "default").execute();

    assertThat(pod.getMetadata().getName()).isEqualTo("p");
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
    assertThat(warnings).anyMatch(w -> w.ruleId().equals("SC203") && w.message().contains("magic"));
  }
}
