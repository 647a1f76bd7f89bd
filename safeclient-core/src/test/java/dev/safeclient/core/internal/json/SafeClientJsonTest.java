package dev.safeclient.core.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.UnsafeRequestException;
import dev.safeclient.core.internal.ClientInternals;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tolerant decoding (SC203) and update carry-back (SC204) through real generated APIs. */
@Timeout(60)
class SafeClientJsonTest {
  private static final String TOKEN = "s3cret-token-never-logged";

  @StartStop final MockWebServer server = new MockWebServer();

  private final List<SafetyWarning> warnings = new CopyOnWriteArrayList<>();

  private ApiClient base() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    base.setApiKeyPrefix("Bearer");
    base.setApiKey(TOKEN);
    return base;
  }

  private SafeClient client(SafetyMode mode) {
    return SafeClient.builder(base())
        .mode(mode)
        .userAgent("decode-test/1.0")
        .warningListener(warnings::add)
        .build();
  }

  private void enqueueJson(int code, byte[] body) {
    server.enqueue(
        new MockResponse.Builder()
            .code(code)
            .addHeader("Content-Type", "application/json")
            .body(new Buffer().write(body))
            .build());
  }

  private void enqueue(int code, String contentType, String body) {
    server.enqueue(
        new MockResponse.Builder()
            .code(code)
            .addHeader("Content-Type", contentType)
            .body(body)
            .build());
  }

  private List<SafetyWarning> warnings(String ruleId) {
    return warnings.stream().filter(w -> w.ruleId().equals(ruleId)).toList();
  }

  @Test
  void everyFixtureWithAModelDecodesThroughTheSafeClient() throws Exception {
    int decoded = 0;
    int warned = 0;
    for (JsonFixtures.Fixture f : JsonFixtures.withModel()) {
      warnings.clear();
      boolean clientJavaRejects;
      try {
        JSON.deserialize(f.text(), f.model());
        clientJavaRejects = false;
      } catch (RuntimeException e) {
        clientJavaRejects = true;
      }
      enqueueJson(200, f.bytes());
      ApiClient api = client(SafetyMode.ENFORCE).apiClient();
      String path = pathOf(f.name());

      Object obj =
          api.execute(
                  api.buildCall(
                      null,
                      path,
                      "GET",
                      new ArrayList<>(),
                      new ArrayList<>(),
                      null,
                      new HashMap<>(),
                      new HashMap<>(),
                      new HashMap<>(),
                      new String[] {"BearerToken"},
                      null),
                  f.model())
              .getData();

      assertThat(obj).as(f.name()).isInstanceOf(f.model());
      assertThat(server.takeRequest().getTarget()).isEqualTo(path);
      decoded++;
      if (clientJavaRejects) {
        warned++;
        assertThat(warnings("SC203"))
            .as("SC203 for %s", f.name())
            .isNotEmpty()
            .allSatisfy(w -> assertThat(w.request()).isEqualTo("GET " + path));
      } else {
        assertThat(warnings).as("no warning for %s", f.name()).isEmpty();
      }
    }
    System.out.printf(
        "safe client: %d JSON fixtures decoded through the pipeline, %d with SC203%n",
        decoded, warned);
    assertThat(decoded).isEqualTo(101);
    assertThat(warned).isEqualTo(21);
  }

  @Test
  void generatedApisReadObjectsWithFieldsTheirModelsDoNotKnow() throws Exception {
    SafeClient client = client(SafetyMode.ENFORCE);
    enqueueJson(200, JsonFixtures.named("core.v1.Pod.json").bytes());
    enqueueJson(200, JsonFixtures.named("apps.v1.Deployment.json").bytes());

    V1Pod pod = new CoreV1Api(client.apiClient()).readNamespacedPod("p", "ns").execute();
    V1Deployment deployment =
        new AppsV1Api(client.apiClient()).readNamespacedDeployment("d", "ns").execute();

    assertThat(pod.getMetadata().getName()).isEqualTo("nameValue");
    assertThat(TolerantJson.unknownFields(pod.getSpec())).containsKey("evictionResponders");
    assertThat(TolerantJson.unknownFields(deployment.getSpec().getTemplate().getSpec()))
        .containsKey("evictionResponders");
    assertThat(warnings("SC203"))
        .filteredOn(w -> w.message().contains("'evictionResponders'"))
        .singleElement()
        .satisfies(w -> assertThat(w.request()).isEqualTo("GET /api/v1/namespaces/ns/pods/p"));
  }

  @Test
  void getModifyPutCarriesTheUnknownFieldsBack() throws Exception {
    SafeClient client = client(SafetyMode.STRICT);
    CoreV1Api core = new CoreV1Api(client.apiClient());
    byte[] fixture = JsonFixtures.named("core.v1.Pod.json").bytes();
    JsonObject sent =
        JsonParser.parseString(new String(fixture, StandardCharsets.UTF_8)).getAsJsonObject();
    enqueueJson(200, fixture);
    enqueueJson(200, fixture);

    V1Pod pod = core.readNamespacedPod("p", "ns").execute();
    pod.getMetadata().putLabelsItem("touched", "yes");
    core.replaceNamespacedPod("p", "ns", pod).execute();

    server.takeRequest();
    RecordedRequest put = server.takeRequest();
    assertThat(put.getMethod()).isEqualTo("PUT");
    assertThat(put.getTarget()).isEqualTo("/api/v1/namespaces/ns/pods/p");
    JsonObject body = JsonParser.parseString(put.getBody().utf8()).getAsJsonObject();
    assertThat(body.getAsJsonObject("spec").get("evictionResponders"))
        .isNotNull()
        .isEqualTo(sent.getAsJsonObject("spec").get("evictionResponders"));
    // Unknown fields deeper down travel back too (V1VolumeMount.bindMountOptions).
    assertThat(
            body.getAsJsonObject("spec")
                .getAsJsonArray("containers")
                .get(0)
                .getAsJsonObject()
                .getAsJsonArray("volumeMounts")
                .get(0)
                .getAsJsonObject()
                .get("bindMountOptions"))
        .isEqualTo(
            sent.getAsJsonObject("spec")
                .getAsJsonArray("containers")
                .get(0)
                .getAsJsonObject()
                .getAsJsonArray("volumeMounts")
                .get(0)
                .getAsJsonObject()
                .get("bindMountOptions"));
    assertThat(
            body.getAsJsonObject("metadata").getAsJsonObject("labels").get("touched").getAsString())
        .isEqualTo("yes");
    assertThat(warnings("SC204")).isEmpty();
  }

  @Test
  void putOfACopyWarnsSc204AndIsSentInObserveAndEnforce() throws Exception {
    for (SafetyMode mode : List.of(SafetyMode.OBSERVE, SafetyMode.ENFORCE)) {
      warnings.clear();
      CoreV1Api core = new CoreV1Api(client(mode).apiClient());
      byte[] fixture = JsonFixtures.named("core.v1.Pod.json").bytes();
      enqueueJson(200, fixture);
      enqueueJson(200, fixture);
      V1Pod pod = core.readNamespacedPod("p", "ns").execute();
      V1Pod copy = JSON.deserialize(JSON.serialize(pod), V1Pod.class); // a deep copy

      core.replaceNamespacedPod("p", "ns", copy).execute();

      server.takeRequest();
      RecordedRequest put = server.takeRequest();
      assertThat(put.getMethod()).as(mode.name()).isEqualTo("PUT");
      assertThat(put.getBody().utf8()).doesNotContain("evictionResponders");
      assertThat(warnings("SC204"))
          .as(mode.name())
          .singleElement()
          .satisfies(
              w -> {
                assertThat(w.request()).isEqualTo("PUT /api/v1/namespaces/ns/pods/p");
                assertThat(w.message()).contains("V1Pod").contains("PATCH");
              });
    }
  }

  @Test
  void putOfACopyIsRejectedInStrictAndNothingIsSent() throws Exception {
    CoreV1Api core = new CoreV1Api(client(SafetyMode.STRICT).apiClient());
    enqueueJson(200, JsonFixtures.named("core.v1.Pod.json").bytes());
    V1Pod pod = core.readNamespacedPod("p", "ns").execute();
    V1Pod fresh =
        new V1Pod()
            .apiVersion("v1")
            .kind("Pod")
            .metadata(new V1ObjectMeta().name("p").namespace("ns"))
            .spec(pod.getSpec());

    assertThatThrownBy(() -> core.replaceNamespacedPod("p", "ns", fresh).execute())
        .isInstanceOf(ApiException.class)
        .hasRootCauseInstanceOf(UnsafeRequestException.class)
        .rootCause()
        .satisfies(
            e -> {
              assertThat(((UnsafeRequestException) e).ruleIds()).containsExactly("SC204");
              assertThat(e.getMessage()).contains("PATCH").contains("server-side apply");
            });
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(warnings("SC204"))
        .singleElement()
        .satisfies(w -> assertThat(w.message()).startsWith("rejected: "));
  }

  @Test
  void aRuleModeForSc204OverridesStrict() throws Exception {
    SafeClient client =
        SafeClient.builder(base())
            .mode(SafetyMode.STRICT)
            .ruleMode("SC204", SafetyMode.OBSERVE)
            .warningListener(warnings::add)
            .build();
    CoreV1Api core = new CoreV1Api(client.apiClient());
    enqueueJson(200, JsonFixtures.named("core.v1.Pod.json").bytes());
    enqueueJson(200, JsonFixtures.named("core.v1.Pod.json").bytes());
    V1Pod pod = core.readNamespacedPod("p", "ns").execute();

    core.replaceNamespacedPod("p", "ns", JSON.deserialize(JSON.serialize(pod), V1Pod.class))
        .execute();

    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(warnings("SC204")).hasSize(1);
  }

  @Test
  void asyncCallsDecodeTolerantlyToo() throws Exception {
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE).apiClient());
    enqueueJson(200, JsonFixtures.named("core.v1.Pod.json").bytes());
    java.util.concurrent.CompletableFuture<V1Pod> result =
        new java.util.concurrent.CompletableFuture<>();

    core.readNamespacedPod("p", "ns")
        .executeAsync(
            new io.kubernetes.client.openapi.ApiCallback<V1Pod>() {
              @Override
              public void onFailure(
                  ApiException e, int code, java.util.Map<String, List<String>> headers) {
                result.completeExceptionally(e);
              }

              @Override
              public void onSuccess(
                  V1Pod pod, int code, java.util.Map<String, List<String>> headers) {
                result.complete(pod);
              }

              @Override
              public void onUploadProgress(long written, long total, boolean done) {}

              @Override
              public void onDownloadProgress(long read, long total, boolean done) {}
            });

    V1Pod pod = result.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(TolerantJson.unknownFields(pod.getSpec())).containsKey("evictionResponders");
    assertThat(warnings("SC203")).isNotEmpty();
  }

  @Test
  void putOfATypeWithoutUnknownFieldsIsNotSc204() throws Exception {
    CoreV1Api core = new CoreV1Api(client(SafetyMode.STRICT).apiClient());
    enqueueJson(200, JsonFixtures.named("core.v1.Pod.json").bytes());
    enqueueJson(200, JsonFixtures.named("core.v1.ConfigMap.json").bytes());
    core.readNamespacedPod("p", "ns").execute(); // pods have unknown fields, config maps do not

    V1ConfigMap cm =
        new V1ConfigMap().apiVersion("v1").kind("ConfigMap").metadata(new V1ObjectMeta().name("c"));
    core.replaceNamespacedConfigMap("c", "ns", cm).execute();

    server.takeRequest();
    assertThat(server.takeRequest().getMethod()).isEqualTo("PUT");
    assertThat(warnings("SC204")).isEmpty();
  }

  @Test
  void aListWhereTheApiDeclaresStatusDecodesQuietlyAsClientJavaDoes() throws Exception {
    CoreV1Api core = new CoreV1Api(client(SafetyMode.STRICT).apiClient());
    String pod = JsonFixtures.named("core.v1.Pod.json").text();
    // DeleteCollection answers with the deleted objects, where client-java declares V1Status.
    enqueue(
        200,
        "application/json",
        "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"9\"},"
            + "\"items\":["
            + pod
            + "]}");

    io.kubernetes.client.openapi.models.V1Status status =
        core.deleteCollectionNamespacedPod("ns").execute();

    assertThat(status.getKind()).isEqualTo("PodList");
    assertThat(status.getMetadata().getResourceVersion()).isEqualTo("9");
    assertThat(status.getStatus()).isNull();
    assertThat(warnings).isEmpty();
  }

  @Test
  void otherDecodersReportWhatTheyCouldNotKeep() throws Exception {
    SafeClient client = client(SafetyMode.STRICT);
    CoreV1Api core = new CoreV1Api(client.apiClient());
    V1Pod decodedWhole = new V1Pod().metadata(new V1ObjectMeta().name("p"));
    TolerantJson.recordDecoded(decodedWhole);
    ClientInternals.of(client)
        .tolerantJson()
        .recordUnkeptField(V1Pod.class, "V1PodSpec field 99", "GET /x");
    enqueue(200, "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}");

    core.replaceNamespacedPod("p", "ns", decodedWhole).execute();
    assertThatThrownBy(
            () ->
                core.replaceNamespacedPod("p", "ns", new V1Pod().metadata(new V1ObjectMeta()))
                    .execute())
        .hasRootCauseInstanceOf(UnsafeRequestException.class)
        .hasMessageContaining("V1PodSpec field 99");

    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(warnings("SC203"))
        .singleElement()
        .satisfies(w -> assertThat(w.message()).contains("V1PodSpec field 99"));
  }

  @Test
  void aTruncatedJsonBodyIsAClearApiException() throws Exception {
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE).apiClient());
    byte[] pod = JsonFixtures.named("core.v1.Pod.json").bytes();
    byte[] half = java.util.Arrays.copyOf(pod, pod.length / 2);
    enqueueJson(200, half);

    assertThatThrownBy(() -> core.readNamespacedPod("p", "ns").execute())
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(200);
              assertThat(e.getMessage()).contains("cannot read V1Pod").contains("$.spec");
              assertThat(e.getResponseBody()).isNull(); // never the body: it can hold secrets
            })
        .hasCauseInstanceOf(EOFException.class);
  }

  @Test
  void aConnectionCutMidBodyIsAClearApiException() throws Exception {
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE).apiClient());
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body(new Buffer().write(JsonFixtures.named("core.v1.Pod.json").bytes()))
            .onResponseBody(new mockwebserver3.SocketEffect.CloseSocket())
            .build());

    assertThatThrownBy(() -> core.readNamespacedPod("p", "ns").execute())
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.getMessage()).contains("cannot read V1Pod"))
        .hasCauseInstanceOf(java.io.IOException.class);
  }

  @Test
  void aProxysHtmlPageIsAClearApiException() throws Exception {
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE).apiClient());
    String html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    enqueue(200, "text/html; charset=utf-8", html);
    enqueue(502, "text/html", html);
    enqueue(200, "application/json", html); // a proxy that lies about its content type

    assertThatThrownBy(() -> core.readNamespacedPod("p", "ns").execute())
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(200);
              assertThat(e.getMessage()).contains("expected JSON for V1Pod").contains("proxy");
              assertThat(e.getResponseBody()).contains("502 Bad Gateway");
            });
    assertThatThrownBy(() -> core.readNamespacedPod("p", "ns").execute())
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(502);
              assertThat(e.getResponseBody()).contains("502 Bad Gateway");
            });
    assertThatThrownBy(() -> core.readNamespacedPod("p", "ns").execute())
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(200);
              assertThat(e.getMessage()).contains("cannot read V1Pod");
            });
  }

  @Test
  void anEmptyBodyIsAClearApiException() throws Exception {
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE).apiClient());
    enqueue(200, "application/json", "");

    assertThatThrownBy(() -> core.readNamespacedPod("p", "ns").execute())
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(200);
              assertThat(e.getMessage()).contains("empty body").contains("V1Pod");
            });
  }

  @Test
  void noWarningLogLineOrErrorCarriesTheToken() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<String> errors = new ArrayList<>();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      CoreV1Api core = new CoreV1Api(client(SafetyMode.OBSERVE).apiClient());
      byte[] fixture = JsonFixtures.named("core.v1.Pod.json").bytes();
      enqueueJson(200, fixture);
      enqueueJson(200, fixture);
      enqueueJson(200, java.util.Arrays.copyOf(fixture, 100));
      V1Pod pod = core.readNamespacedPod("p", "ns").execute(); // SC203
      core.replaceNamespacedPod("p", "ns", JSON.deserialize(JSON.serialize(pod), V1Pod.class))
          .execute(); // SC204
      try {
        core.readNamespacedPod("p", "ns").execute();
      } catch (ApiException e) {
        errors.add(e.getMessage());
      }
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    // The capture works: the warnings did reach slf4j's output.
    assertThat(log).contains("SC203").contains("SC204");
    assertThat(server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(log.toLowerCase(Locale.ROOT)).doesNotContain(TOKEN).doesNotContain("authorization");
    assertThat(warnings).isNotEmpty();
    assertThat(warnings)
        .allSatisfy(w -> assertThat(w.toString()).doesNotContain(TOKEN).doesNotContain("Bearer"));
    assertThat(errors).singleElement().satisfies(m -> assertThat(m).doesNotContain(TOKEN));
  }

  /** A plausible path for a fixture's kind; the pipeline classifies it, the mock ignores it. */
  private static String pathOf(String file) {
    String base = file.substring(0, file.length() - ".json".length());
    int k = base.lastIndexOf('.');
    String resource = base.substring(k + 1).toLowerCase(Locale.ROOT) + "s";
    String gv = base.substring(0, k);
    int v = gv.lastIndexOf('.');
    String group = gv.substring(0, v);
    String version = gv.substring(v + 1);
    String prefix = group.equals("core") ? "/api/" + version : "/apis/" + group + "/" + version;
    return prefix + "/namespaces/ns/" + resource + "/name";
  }
}
