package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors.Descriptor;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.ApiResponse;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CustomObjectsApi;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.util.PatchUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code fieldValidation} on create, update and patch, as kube-apiserver answers it
 * (k8s.io/apiserver pkg/endpoints/handlers create.go, update.go, patch.go; the default is {@code
 * Warn}, rest.go {@code fieldValidation}). Every message here is the one kube-apiserver 1.34.2
 * answered to the same request ({@code FieldValidationOnRealServerTest} compares them).
 */
class FieldValidationTest {
  static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/ns1/deployments";

  /** A Deployment with two unknown fields, one of them in a list element. */
  static String deployment(String name) {
    return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{\"replicas\":1,\"foo\":1,\"selector\":{\"matchLabels\":{\"app\":\"w\"}},"
        + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"w\"}},\"spec\":{\"containers\":"
        + "[{\"name\":\"a\",\"image\":\"a:1\",\"bar\":2}]}}}}";
  }

  static final String UNKNOWN_FOO = "unknown field \"spec.foo\"";
  static final String UNKNOWN_BAR = "unknown field \"spec.template.spec.containers[0].bar\"";

  SimClients clients;

  @BeforeEach
  void start() throws Exception {
    clients = new SimClients();
    clients.wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
  }

  @AfterEach
  void stop() {
    clients.close();
  }

  @Test
  void strictRefusesACreateWithUnknownFieldsAs400NamingEachPath() {
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("web")
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .withNewSelector()
            .addToMatchLabels("app", "w")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "w")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("a")
            .withImage("a:1")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    d.getSpec().setAdditionalProperty("foo", 1);
    d.getSpec().getTemplate().getSpec().getContainers().get(0).setAdditionalProperty("bar", 2);
    KubernetesClientException e =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                clients
                    .fabric8
                    .apps()
                    .deployments()
                    .inNamespace("ns1")
                    .resource(d)
                    .fieldValidation(Validation.STRICT)
                    .create());
    // create.go: the strict serializer's error through transformDecodeError, a 400 BadRequest,
    // errors in document order (fabric8 writes additional properties after the known ones).
    assertThat(e.getCode()).isEqualTo(400);
    assertThat(e.getStatus().getReason()).isEqualTo("BadRequest");
    assertThat(e.getStatus().getMessage())
        .isEqualTo(
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: "
                + UNKNOWN_BAR
                + ", "
                + UNKNOWN_FOO);
    assertThat(clients.sim.count(ResourceType.BUILT_IN.get("apps/v1/deployments"))).isZero();
  }

  @Test
  void withoutTheOptionACreateIsWarnedOfAndStoredWithoutTheUnknownFields() throws Exception {
    // client-java's CustomObjectsApi sends the body as given, without fieldValidation: Warn.
    Object body = new com.google.gson.Gson().fromJson(deployment("web"), Map.class);
    ApiResponse<Object> r =
        new CustomObjectsApi(clients.clientJava)
            .createNamespacedCustomObject("apps", "v1", "ns1", "deployments", body)
            .executeWithHttpInfo();
    assertThat(r.getStatusCode()).isEqualTo(201);
    // addStrictDecodingWarnings: one Warning per error, NewWarningHeader(299, "-", text).
    assertThat(r.getHeaders().get("Warning"))
        .containsExactly(
            "299 - \"unknown field \\\"spec.foo\\\"\"",
            "299 - \"unknown field \\\"spec.template.spec.containers[0].bar\\\"\"");
    JsonObject stored =
        JsonParser.parseString(clients.wire.get(DEPLOYMENTS + "/web").body).getAsJsonObject();
    assertThat(stored.getAsJsonObject("spec").has("foo")).isFalse();
    assertThat(
            stored
                .getAsJsonObject("spec")
                .getAsJsonObject("template")
                .getAsJsonObject("spec")
                .getAsJsonArray("containers")
                .get(0)
                .getAsJsonObject()
                .has("bar"))
        .isFalse();
  }

  @Test
  void ignoreSaysNothingAndStillDropsTheFields() throws Exception {
    Wire.Reply r = clients.wire.post(DEPLOYMENTS + "?fieldValidation=Ignore", deployment("web"));
    assertThat(r.code).isEqualTo(201);
    assertThat(r.headers.values("Warning")).isEmpty();
    assertThat(r.json().getAsJsonObject("spec").has("foo")).isFalse();
  }

  @Test
  void anUnsupportedDirectiveIs422OnTheOptions() throws Exception {
    Wire.Reply r = clients.wire.post(DEPLOYMENTS + "?fieldValidation=Bogus", deployment("web"));
    // ValidateCreateOptions: field.NotSupported over "", Ignore, Strict, Warn.
    assertThat(r.code).isEqualTo(422);
    assertThat(r.json().get("message").getAsString())
        .isEqualTo(
            "CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value:"
                + " \"Bogus\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
    assertThat(r.causeReason()).isEqualTo("FieldValueNotSupported");
  }

  @Test
  void duplicateFieldsAreStrictErrorsInDocumentOrder() throws Exception {
    Wire.Reply strict =
        clients.wire.post(
            DEPLOYMENTS + "?fieldValidation=Strict",
            deployment("dup")
                .replace("\"name\":\"dup\"", "\"name\":\"dup\",\"name\":\"dup2\"")
                .replace("\"replicas\":1", "\"replicas\":1,\"replicas\":2"));
    assertThat(strict.code).isEqualTo(400);
    assertThat(strict.json().get("message").getAsString())
        .endsWith(
            "strict decoding error: duplicate field \"metadata.name\", duplicate field"
                + " \"spec.replicas\", "
                + UNKNOWN_FOO
                + ", "
                + UNKNOWN_BAR);
    // Field names are case-sensitive, and a struct without TypeMeta takes no kind.
    Wire.Reply warn =
        clients.wire.post(
            DEPLOYMENTS + "?fieldValidation=Warn",
            "{\"metadata\":{\"name\":\"w\",\"name\":\"w\"},\"spec\":{\"Replicas\":1,"
                + "\"selector\":{\"matchLabels\":{\"app\":\"w\"}},\"template\":{\"kind\":\"X\","
                + "\"metadata\":{\"labels\":{\"app\":\"w\"}},\"spec\":{\"containers\":"
                + "[{\"name\":\"a\",\"image\":\"a:1\"}]}}}}");
    assertThat(warn.code).isEqualTo(201);
    assertThat(warn.headers.values("Warning"))
        .containsExactly(
            "299 - \"duplicate field \\\"metadata.name\\\"\"",
            "299 - \"unknown field \\\"spec.Replicas\\\"\"",
            "299 - \"unknown field \\\"spec.template.kind\\\"\"");
  }

  @Test
  void strictRefusesAnUpdateAs400() throws Exception {
    clients.wire.post(DEPLOYMENTS, deployment("web"));
    Wire.Reply r = clients.wire.put(DEPLOYMENTS + "/web?fieldValidation=Strict", deployment("web"));
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("message").getAsString())
        .isEqualTo(
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: "
                + UNKNOWN_FOO
                + ", "
                + UNKNOWN_BAR);
  }

  @Test
  void strictRefusesPatchesAs422OnThePatchAndWarnAppliesThemWithoutTheFields() throws Exception {
    clients.wire.post(DEPLOYMENTS, deployment("web"));
    AppsV1Api apps = new AppsV1Api(clients.clientJava);
    // patch.go applyPatchToObject: 422 Invalid, one cause on "patch" whose value is the patch map.
    ApiException smp =
        catchThrowableOfType(
            ApiException.class,
            () ->
                PatchUtils.patch(
                    V1Deployment.class,
                    () ->
                        apps.patchNamespacedDeployment(
                                "web", "ns1", new V1Patch("{\"spec\":{\"foo\":1}}"))
                            .fieldValidation("Strict")
                            .buildCall(null),
                    V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH,
                    clients.clientJava));
    assertThat(smp.getCode()).isEqualTo(422);
    JsonObject status = JsonParser.parseString(smp.getResponseBody()).getAsJsonObject();
    assertThat(status.get("message").getAsString())
        .isEqualTo(
            " \"\" is invalid: patch: Invalid value: \"map[spec:map[foo:1]]\": strict decoding"
                + " error: "
                + UNKNOWN_FOO);
    assertThat(
            status
                .getAsJsonObject("details")
                .getAsJsonArray("causes")
                .get(0)
                .getAsJsonObject()
                .get("field")
                .getAsString())
        .isEqualTo("patch");

    // A JSON merge patch shows the patched object's JSON instead.
    Wire.Reply merge =
        clients.wire.patch(
            DEPLOYMENTS + "/web?fieldValidation=Strict",
            PatchBody.MERGE_PATCH,
            "{\"spec\":{\"foo\":1}}");
    assertThat(merge.code).isEqualTo(422);
    assertThat(merge.json().get("message").getAsString())
        .startsWith(" \"\" is invalid: patch: Invalid value: \"{\\\"")
        .endsWith("\": strict decoding error: " + UNKNOWN_FOO);

    // A JSON patch: its operations' own unknown keys first, prefixed (applyJSPatch).
    Wire.Reply json =
        clients.wire.patch(
            DEPLOYMENTS + "/web?fieldValidation=Warn",
            PatchBody.JSON_PATCH,
            "[{\"op\":\"add\",\"path\":\"/spec/foo\",\"value\":1},"
                + "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":5,\"bogus\":1}]");
    assertThat(json.code).isEqualTo(200);
    assertThat(json.headers.values("Warning"))
        .containsExactly(
            "299 - \"json patch unknown field \\\"[1].bogus\\\"\"",
            "299 - \"unknown field \\\"spec.foo\\\"\"");
    assertThat(json.json().getAsJsonObject("spec").get("replicas").getAsInt()).isEqualTo(5);
    assertThat(json.json().getAsJsonObject("spec").has("foo")).isFalse();
  }

  @Test
  void fieldsOfEmbeddedStructsMapsAndNestedKindsAreKnown() throws Exception {
    // hostPath is in the inline VolumeSource; volumeClaimTemplates are PersistentVolumeClaims,
    // which embed TypeMeta; data is a map; ownerReferences carry their own apiVersion and kind.
    Wire.Reply ss =
        clients.wire.post(
            "/apis/apps/v1/namespaces/ns1/statefulsets?fieldValidation=Strict",
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"ss\"},"
                + "\"spec\":{\"serviceName\":\"x\",\"selector\":{\"matchLabels\":{\"app\":\"s\"}},"
                + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"s\"}},\"spec\":{\"containers\":"
                + "[{\"name\":\"a\",\"image\":\"a:1\"}],\"volumes\":[{\"name\":\"v\",\"hostPath\":"
                + "{\"path\":\"/x\"}}]}},\"volumeClaimTemplates\":[{\"apiVersion\":\"v1\",\"kind\":"
                + "\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"d\"},\"spec\":{\"accessModes\":"
                + "[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}]}}");
    assertThat(ss.code).isEqualTo(201);
    Wire.Reply cm =
        clients.wire.post(
            "/api/v1/namespaces/ns1/configmaps?fieldValidation=Strict",
            "{\"metadata\":{\"name\":\"cm\",\"ownerReferences\":[{\"apiVersion\":\"v1\","
                + "\"kind\":\"X\",\"name\":\"x\",\"uid\":\"u\"}]},\"data\":{\"anything\":\"x\"}}");
    assertThat(cm.code).isEqualTo(201);
  }

  /**
   * Kubernetes' own serialization fixtures fill every field of every built-in kind: none of their
   * fields may be unknown, or Strict would refuse what a real server takes.
   */
  @Test
  void noFieldOfAnyBuiltInFixtureIsUnknown() throws Exception {
    List<String> unknown = new ArrayList<>();
    int checked = 0;
    try (Stream<Path> files = Files.list(KubeApiTestdata.head())) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        String json = Files.readString(f);
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        Descriptor schema =
            Writes.unionSchemaOf(
                StoredObject.string(o, "apiVersion"), StoredObject.string(o, "kind"));
        if (schema == null) {
          continue;
        }
        checked++;
        StrictDecoding.Result r = StrictDecoding.check(json, schema);
        r.errors().forEach(e -> unknown.add(f.getFileName() + ": " + e));
      }
    }
    assertThat(checked).isGreaterThan(150);
    assertThat(unknown).isEmpty();
  }

  /** A CRD's structural schema: a map, a list of objects, a free-form and an embedded object. */
  static final String WIDGET_SCHEMA =
      "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\",\"properties\":{"
          + "\"size\":{\"type\":\"integer\"},\"tags\":{\"type\":\"array\",\"items\":{\"type\":"
          + "\"object\",\"properties\":{\"k\":{\"type\":\"string\"}}}},\"labels\":{\"type\":"
          + "\"object\",\"additionalProperties\":{\"type\":\"string\"}},\"free\":{\"type\":"
          + "\"object\",\"x-kubernetes-preserve-unknown-fields\":true},\"inner\":{\"type\":"
          + "\"object\",\"x-kubernetes-embedded-resource\":true,\"properties\":{\"x\":{\"type\":"
          + "\"string\"}}}}}}}";

  static final String WIDGET =
      "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"NAME\"},"
          + "\"spec\":{\"size\":1,\"foo\":2,\"tags\":[{\"k\":\"a\",\"z\":1}],\"labels\":"
          + "{\"any\":\"x\"},\"free\":{\"q\":{\"r\":1}},\"inner\":{\"apiVersion\":\"v1\","
          + "\"kind\":\"X\",\"metadata\":{\"name\":\"n\"},\"x\":\"y\",\"bad\":1}},\"top\":1}";

  @Test
  void aCustomResourceIsPrunedByItsStructuralSchema() throws Exception {
    ResourceType widgets = ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
    try (SimClients crd =
        new SimClients(
            KubeSim.builder().namespaces("ns1").register(widgets, WIDGET_SCHEMA).build())) {
      String path = "/apis/example.com/v1/namespaces/ns1/widgets";
      // apiextensions-apiserver reports what pruning would drop, sorted.
      Wire.Reply strict =
          crd.wire.post(path + "?fieldValidation=Strict", WIDGET.replace("NAME", "w1"));
      assertThat(strict.code).isEqualTo(400);
      assertThat(strict.json().get("message").getAsString())
          .isEqualTo(
              "Widget in version \"v1\" cannot be handled as a Widget: strict decoding error:"
                  + " unknown field \"spec.foo\", unknown field \"spec.inner.bad\", unknown field"
                  + " \"spec.tags[0].z\", unknown field \"top\"");
      Wire.Reply warn = crd.wire.post(path, WIDGET.replace("NAME", "w2"));
      assertThat(warn.code).isEqualTo(201);
      assertThat(warn.headers.values("Warning")).hasSize(4);
      JsonObject spec = warn.json().getAsJsonObject("spec");
      assertThat(spec.has("foo")).isFalse();
      assertThat(warn.json().has("top")).isFalse();
      assertThat(spec.getAsJsonArray("tags").get(0).getAsJsonObject().has("z")).isFalse();
      // Kept: a map's keys, a free-form object, an embedded resource's apiVersion/kind/metadata.
      assertThat(spec.getAsJsonObject("free").toString()).isEqualTo("{\"q\":{\"r\":1}}");
      assertThat(spec.getAsJsonObject("inner").toString())
          .isEqualTo(
              "{\"apiVersion\":\"v1\",\"kind\":\"X\",\"metadata\":{\"name\":\"n\"},\"x\":\"y\"}");
      Wire.Reply patched =
          crd.wire.patch(path + "/w2", PatchBody.MERGE_PATCH, "{\"spec\":{\"foo\":1,\"size\":3}}");
      assertThat(patched.headers.values("Warning"))
          .containsExactly("299 - \"unknown field \\\"spec.foo\\\"\"");
      assertThat(patched.json().getAsJsonObject("spec").get("size").getAsInt()).isEqualTo(3);
    }
  }
}
