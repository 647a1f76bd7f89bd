package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Scale;
import io.kubernetes.client.util.PatchUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every patch type on the {@code scale} and {@code status} subresources, as kube-apiserver 1.34.2
 * answered the same requests: the scale storage patches the autoscaling/v1 Scale (registry
 * apps/deployment storage ScaleREST, through the handler's patcher in handlers/patch.go, with field
 * validation against Scale), and a status patch changes only status (the status strategy's
 * PrepareForUpdate keeps the old spec).
 */
class SubresourcePatchTest {
  static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/ns1/deployments";

  SimClients k;
  AppsV1Api apps;

  @BeforeEach
  void start() throws Exception {
    k = new SimClients(KubeSim.builder().namespaces("ns1").build());
    apps = new AppsV1Api(k.clientJava);
    k.wire.post(
        DEPLOYMENTS,
        "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":"
            + "{\"app\":\"w\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"w\"}},"
            + "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}}}");
  }

  @AfterEach
  void stop() {
    k.close();
  }

  private V1Scale patchScale(String format, String patch) throws ApiException {
    return PatchUtils.patch(
        V1Scale.class,
        () -> apps.patchNamespacedDeploymentScale("web", "ns1", new V1Patch(patch)).buildCall(null),
        format,
        k.clientJava);
  }

  private int replicas() throws ApiException {
    return apps.readNamespacedDeployment("web", "ns1").execute().getSpec().getReplicas();
  }

  @Test
  void scaleTakesJsonStrategicAndMergePatches() throws Exception {
    V1Scale merged =
        patchScale(V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, "{\"spec\":{\"replicas\":7}}");
    assertThat(merged.getKind()).isEqualTo("Scale");
    assertThat(merged.getSpec().getReplicas()).isEqualTo(7);
    assertThat(
            patchScale(V1Patch.PATCH_FORMAT_STRATEGIC_MERGE_PATCH, "{\"spec\":{\"replicas\":8}}")
                .getSpec()
                .getReplicas())
        .isEqualTo(8);
    V1Scale json =
        patchScale(
            V1Patch.PATCH_FORMAT_JSON_PATCH,
            "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":8},"
                + "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":9}]");
    assertThat(json.getSpec().getReplicas()).isEqualTo(9);
    assertThat(json.getStatus().getSelector()).isEqualTo("app=w");
    assertThat(replicas()).isEqualTo(9);
    // A failed test op: applyJSPatch's generic 422, and nothing changes.
    ApiException failed =
        catchThrowableOfType(
            ApiException.class,
            () ->
                patchScale(
                    V1Patch.PATCH_FORMAT_JSON_PATCH,
                    "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":1}]"));
    assertThat(failed.getCode()).isEqualTo(422);
    assertThat(
            JsonParser.parseString(failed.getResponseBody())
                .getAsJsonObject()
                .get("message")
                .getAsString())
        .isEqualTo("the server rejected our request due to an error in our request");
    assertThat(replicas()).isEqualTo(9);
    // fabric8's scale() writes the Scale through the same subresource.
    Deployment scaled = k.fabric8.apps().deployments().inNamespace("ns1").withName("web").scale(4);
    assertThat(scaled.getSpec().getReplicas()).isEqualTo(4);
    assertThat(replicas()).isEqualTo(4);
  }

  @Test
  void aStrictScalePatchNamesTheUnknownFieldOfTheScale() throws Exception {
    Wire.Reply r =
        k.wire.patch(
            DEPLOYMENTS + "/web/scale?fieldValidation=Strict",
            PatchBody.MERGE_PATCH,
            "{\"spec\":{\"replicas\":6,\"foo\":1}}");
    assertThat(r.code).isEqualTo(422);
    assertThat(r.json().get("message").getAsString())
        .startsWith(" \"\" is invalid: patch: Invalid value: \"{\\\"")
        .contains("\\\"kind\\\":\\\"Scale\\\"")
        .endsWith("\": strict decoding error: unknown field \"spec.foo\"");
    assertThat(replicas()).isEqualTo(1);
  }

  @Test
  void statusTakesJsonAndStrategicPatchesAndIgnoresTheSpec() throws Exception {
    V1Deployment json =
        PatchUtils.patch(
            V1Deployment.class,
            () ->
                apps.patchNamespacedDeploymentStatus(
                        "web",
                        "ns1",
                        new V1Patch(
                            "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":6},"
                                + "{\"op\":\"add\",\"path\":\"/status/replicas\",\"value\":2}]"))
                    .buildCall(null),
            V1Patch.PATCH_FORMAT_JSON_PATCH,
            k.clientJava);
    // The status the patch adds to is there, if only as {}: encoding/json omits no struct.
    assertThat(json.getStatus().getReplicas()).isEqualTo(2);
    assertThat(json.getSpec().getReplicas()).isEqualTo(1);
    // Conditions merge on their type (patchMergeKey=type).
    for (String type : new String[] {"Available", "Progressing"}) {
      k.wire.patch(
          DEPLOYMENTS + "/web/status",
          PatchBody.STRATEGIC_MERGE_PATCH,
          "{\"status\":{\"conditions\":[{\"type\":\"" + type + "\",\"status\":\"True\"}]}}");
    }
    JsonObject status = k.wire.get(DEPLOYMENTS + "/web").json().getAsJsonObject("status");
    assertThat(status.getAsJsonArray("conditions").size()).isEqualTo(2);
    assertThat(status.get("replicas").getAsInt()).isEqualTo(2);
  }
}
