package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.util.PatchUtils;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PATCH through real clients: client-java's {@code PatchUtils} and fabric8 7.9.0 ({@code edit()},
 * {@code accept()} and {@code patch(PatchContext)}), each checked against what a real apiserver
 * answers (k8s.io/apiserver pkg/endpoints/handlers/patch.go, {@code PatchResource}).
 */
class PatchTest {
  static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/ns1/deployments";

  KubeSim sim;
  ApiClient client;
  KubernetesClient fabric8;
  final List<String> fabric8PatchBodies = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    sim = KubeSim.builder().build();
    sim.create("v1", "namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
    client = sim.apiClient();
    fabric8 =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(sim.url())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        "patch-types",
                        new Interceptor() {
                          @Override
                          public void before(
                              BasicBuilder builder,
                              HttpRequest request,
                              Interceptor.RequestTags tags) {
                            if (request.method().equals("PATCH")) {
                              fabric8PatchBodies.add(request.bodyString());
                            }
                          }
                        }))
            .build();
    sim.create(
        "apps/v1",
        "deployments",
        "{\"metadata\":{\"name\":\"web\",\"namespace\":\"ns1\"},\"spec\":{\"replicas\":1,"
            + "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":"
            + "{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":["
            + "{\"name\":\"a\",\"image\":\"a:1\"},{\"name\":\"b\",\"image\":\"b:1\"}]}}}}");
    sim.create(
        "v1",
        "configmaps",
        "{\"metadata\":{\"name\":\"cm\",\"namespace\":\"ns1\"},\"data\":{\"k\":\"1\"}}");
  }

  @AfterEach
  void stop() {
    fabric8.close();
    sim.close();
  }

  private V1Deployment smpDeployment(String patch) throws ApiException {
    AppsV1Api apps = new AppsV1Api(client);
    return PatchUtils.patch(
        V1Deployment.class,
        () -> apps.patchNamespacedDeployment("web", "ns1", new V1Patch(patch)).buildCall(null),
        V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
        client);
  }

  private V1ConfigMap jsonPatchConfigMap(String patch) throws ApiException {
    CoreV1Api core = new CoreV1Api(client);
    return PatchUtils.patch(
        V1ConfigMap.class,
        () -> core.patchNamespacedConfigMap("cm", "ns1", new V1Patch(patch)).buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_PATCH,
        client);
  }

  private static List<String> containers(V1Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .map(c -> c.getName() + "=" + c.getImage())
        .toList();
  }

  private String stored(String path) throws IOException {
    return new Wire(sim).get(path).body;
  }

  private Wire.Reply rawPatch(String path, String contentType, String body) throws IOException {
    Request.Builder r =
        new Request.Builder()
            .url(sim.url() + path)
            .patch(RequestBody.create(body, MediaType.get(contentType)));
    try (Response resp = Wire.HTTP.newCall(r.build()).execute()) {
      return new Wire.Reply(resp.code(), resp.headers(), resp.body().string());
    }
  }

  @Test
  void aSecondKubectlApplyOfAChangedDeploymentKeepsEveryContainerAndStoresNoDirective()
      throws Exception {
    // kubectl apply's three-way patch when only b's image changed (CreateThreeWayMergePatch):
    // the changed element by its merge key, and the full order in $setElementOrder. A real
    // server merges containers by name (+patchMergeKey=name +patchStrategy=merge) and keeps "a".
    V1Deployment d =
        smpDeployment(
            "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":"
                + "[{\"name\":\"a\"},{\"name\":\"b\"}],"
                + "\"containers\":[{\"image\":\"b:2\",\"name\":\"b\"}]}}}}");
    assertThat(containers(d)).containsExactly("a=a:1", "b=b:2");
    String stored = stored(DEPLOYMENTS + "/web");
    assertThat(stored).doesNotContain("$setElementOrder");
    assertThat(containers(new AppsV1Api(client).readNamespacedDeployment("web", "ns1").execute()))
        .containsExactly("a=a:1", "b=b:2");

    // The next apply removes "a": kubectl sends a delete directive for it.
    d =
        smpDeployment(
            "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"}],"
                + "\"containers\":[{\"$patch\":\"delete\",\"name\":\"a\"}]}}}}");
    assertThat(containers(d)).containsExactly("b=b:2");
    assertThat(stored(DEPLOYMENTS + "/web")).doesNotContain("$patch");
  }

  @Test
  void fabric8StrategicMergeAddsAContainerBesideTheOthers() {
    Deployment d =
        fabric8
            .apps()
            .deployments()
            .inNamespace("ns1")
            .withName("web")
            .patch(
                PatchContext.of(PatchType.STRATEGIC_MERGE),
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":"
                    + "[{\"name\":\"c\",\"image\":\"c:1\"}]}}}}");
    assertThat(d.getSpec().getTemplate().getSpec().getContainers())
        .extracting(io.fabric8.kubernetes.api.model.Container::getName)
        // mergeSlice without $setElementOrder: the patch's items come first, then the server-only
        // ones (mergeSortedSlice takes the patch item when the live list lacks it).
        .containsExactly("c", "a", "b");
    assertThat(fabric8PatchBodies).hasSize(1);
    assertThat(JsonParser.parseString(fabric8PatchBodies.get(0)).isJsonObject()).isTrue();
  }

  @Test
  void aPatchKubeSimCannotMergeIsRefusedAndChangesNothing() throws Exception {
    String before = stored(DEPLOYMENTS + "/web");
    // An element without its merge key: mergepatch.ErrNoMergeKey is a plain Go error, which
    // ErrorToAPIStatus (endpoints/handlers/responsewriters/status.go) answers as a 500.
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                smpDeployment(
                    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}}}"));
    assertThat(e.getCode()).isEqualTo(500);
    assertThat(e.getResponseBody()).contains("does not contain declared merge key: name");
    // A $retainKeys that is no list, in a map that merges (applyRetainKeysDirective):
    // mergepatch.ErrBadPatchFormatForRetainKeys, a 400 (interpretStrategicMergePatchError).
    e =
        catchThrowableOfType(
            ApiException.class,
            () -> smpDeployment("{\"spec\":{\"$retainKeys\":\"replicas\",\"replicas\":2}}"));
    assertThat(e.getCode()).isEqualTo(400);
    assertThat(
            JsonParser.parseString(e.getResponseBody())
                .getAsJsonObject()
                .get("message")
                .getAsString())
        .isEqualTo("invalid patch format of retainKeys");
    assertThat(stored(DEPLOYMENTS + "/web")).isEqualTo(before);
  }

  @Test
  void strategicMergeOnACustomResourceIs415AsOnARealServer() throws Exception {
    // apiextensions-apiserver customresource_handler.go: a CR's supportedTypes lack
    // strategic-merge-patch (no Go struct tags to merge by), so PatchResource answers 415.
    ResourceType widgets = ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
    sim.register(widgets);
    sim.create(widgets, "{\"metadata\":{\"name\":\"w\",\"namespace\":\"ns1\"},\"spec\":{}}");
    Wire.Reply r =
        rawPatch(
            "/apis/example.com/v1/namespaces/ns1/widgets/w",
            "application/strategic-merge-patch+json",
            "{\"spec\":{\"size\":2}}");
    assertThat(r.code).isEqualTo(415);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("UnsupportedMediaType");
    assertThat(r.json().get("message").getAsString())
        .isEqualTo(
            "the body of the request was in an unknown format - accepted media types include:"
                + " application/json-patch+json, application/merge-patch+json,"
                + " application/apply-patch+yaml");
    // JSON patch works on it.
    Wire.Reply j =
        rawPatch(
            "/apis/example.com/v1/namespaces/ns1/widgets/w",
            "application/json-patch+json",
            "[{\"op\":\"add\",\"path\":\"/spec/size\",\"value\":2}]");
    assertThat(j.code).isEqualTo(200);
    assertThat(j.json().getAsJsonObject("spec").get("size").getAsInt()).isEqualTo(2);
  }

  @Test
  void fabric8EditAndAcceptSendJsonPatchAndItApplies() {
    ConfigMap edited =
        fabric8
            .configMaps()
            .inNamespace("ns1")
            .withName("cm")
            .edit(cm -> new ConfigMapBuilder(cm).addToData("k2", "2").build());
    assertThat(edited.getData()).containsEntry("k", "1").containsEntry("k2", "2");
    ConfigMap accepted =
        fabric8
            .configMaps()
            .inNamespace("ns1")
            .withName("cm")
            .accept(cm -> cm.getData().remove("k"));
    assertThat(accepted.getData()).containsOnlyKeys("k2");
    // Both sent RFC 6902 operation lists (the JSON patch body shape).
    assertThat(fabric8PatchBodies).hasSize(2);
    for (String body : fabric8PatchBodies) {
      assertThat(JsonParser.parseString(body).getAsJsonArray()).isNotEmpty();
    }
  }

  @Test
  void aFailedTestOperationIs422AndChangesNothing() throws Exception {
    String rv =
        JsonParser.parseString(stored("/api/v1/namespaces/ns1/configmaps/cm"))
            .getAsJsonObject()
            .getAsJsonObject("metadata")
            .get("resourceVersion")
            .getAsString();
    // applyJSPatch: any error of Patch.Apply becomes errors.NewGenericServerResponse(422, ...),
    // whose message is the generic one for 422 (the library's text is dropped).
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                jsonPatchConfigMap(
                    "[{\"op\":\"test\",\"path\":\"/data/k\",\"value\":\"2\"},"
                        + "{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"3\"}]"));
    assertThat(e.getCode()).isEqualTo(422);
    JsonObject status = JsonParser.parseString(e.getResponseBody()).getAsJsonObject();
    assertThat(status.get("reason").getAsString()).isEqualTo("Invalid");
    assertThat(status.get("message").getAsString())
        .isEqualTo("the server rejected our request due to an error in our request");
    V1ConfigMap now = new CoreV1Api(client).readNamespacedConfigMap("cm", "ns1").execute();
    assertThat(now.getData()).containsEntry("k", "1");
    assertThat(now.getMetadata().getResourceVersion()).isEqualTo(rv);

    // A passing test lets the rest apply.
    V1ConfigMap ok =
        jsonPatchConfigMap(
            "[{\"op\":\"test\",\"path\":\"/data/k\",\"value\":\"1\"},"
                + "{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"3\"}]");
    assertThat(ok.getData()).containsEntry("k", "3");
  }

  @Test
  void moveCopyAndEscapedPointers() throws Exception {
    // RFC 6901: "~1" is '/', "~0" is '~'; the key is example.com/a~b.
    V1ConfigMap cm =
        jsonPatchConfigMap(
            "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{}},"
                + "{\"op\":\"add\",\"path\":\"/metadata/annotations/example.com~1a~0b\","
                + "\"value\":\"v\"},"
                + "{\"op\":\"copy\",\"from\":\"/data/k\",\"path\":\"/data/copied\"},"
                + "{\"op\":\"move\",\"from\":\"/data/k\",\"path\":\"/data/moved\"}]");
    assertThat(cm.getMetadata().getAnnotations()).containsEntry("example.com/a~b", "v");
    assertThat(cm.getData()).containsOnly(Map.entry("copied", "1"), Map.entry("moved", "1"));
  }

  @Test
  void arrayIndicesAppendAndNegativeIndices() throws Exception {
    AppsV1Api apps = new AppsV1Api(client);
    V1Deployment d =
        PatchUtils.patch(
            V1Deployment.class,
            () ->
                apps.patchNamespacedDeployment(
                        "web",
                        "ns1",
                        new V1Patch(
                            "[{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/-\","
                                + "\"value\":{\"name\":\"c\",\"image\":\"c:1\"}},"
                                + "{\"op\":\"remove\",\"path\":\"/spec/template/spec/containers/0\"},"
                                // json-patch v4 SupportNegativeIndices: -1 is the last element.
                                + "{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/-1/image\","
                                + "\"value\":\"c:2\"}]"))
                    .buildCall(null),
            V1Patch.PATCH_FORMAT_JSON_PATCH,
            client);
    assertThat(d.getSpec().getTemplate().getSpec().getContainers())
        .extracting(V1Container::getName, V1Container::getImage)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("b", "b:1"),
            org.assertj.core.groups.Tuple.tuple("c", "c:2"));
  }

  @Test
  void aJsonPatchThatSetsAStaleResourceVersionConflicts() throws Exception {
    // The patched object carries the resourceVersion the patch wrote: a stale one fails the
    // update's precondition with 409 Conflict.
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                jsonPatchConfigMap(
                    "[{\"op\":\"replace\",\"path\":\"/metadata/resourceVersion\",\"value\":\"1\"},"
                        + "{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"9\"}]"));
    assertThat(e.getCode()).isEqualTo(409);
  }

  @Test
  void aJsonPatchBodyThatIsNoListIs400() throws Exception {
    // jsonpatch.DecodePatch fails: errors.NewBadRequest (applyJSPatch).
    Wire.Reply r =
        rawPatch(
            "/api/v1/namespaces/ns1/configmaps/cm",
            "application/json-patch+json",
            "{\"op\":\"add\"}");
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("BadRequest");
    // Not JSON at all: validateAndTranscodePatch.
    Wire.Reply bad =
        rawPatch("/api/v1/namespaces/ns1/configmaps/cm", "application/json-patch+json", "[{");
    assertThat(bad.code).isEqualTo(400);
    assertThat(bad.json().get("message").getAsString()).isEqualTo("invalid JSON patch");
  }

  @Test
  void serverSideApplyIsAClear415NamingIt() throws Exception {
    // Not simulated: a real server would apply it (patchTypes include apply-patch+yaml).
    CoreV1Api core = new CoreV1Api(client);
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                PatchUtils.patch(
                    V1ConfigMap.class,
                    () ->
                        core.patchNamespacedConfigMap(
                                "cm",
                                "ns1",
                                new V1Patch(
                                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                        + "{\"name\":\"cm\"},\"data\":{\"k\":\"2\"}}"))
                            .fieldManager("test")
                            .buildCall(null),
                    V1Patch.PATCH_FORMAT_APPLY_YAML,
                    client));
    assertThat(e.getCode()).isEqualTo(415);
    JsonObject status = JsonParser.parseString(e.getResponseBody()).getAsJsonObject();
    assertThat(status.get("reason").getAsString()).isEqualTo("UnsupportedMediaType");
    assertThat(status.get("message").getAsString())
        .contains("server-side apply")
        .contains("application/apply-patch+yaml")
        .contains("not simulated by KubeSim");
  }
}
