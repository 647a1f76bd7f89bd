package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSchedulingGate;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1Toleration;
import io.kubernetes.client.util.PatchUtils;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Updates of fields a real apiserver never lets change, answered 422 Invalid with one cause per
 * field, as the update validation of each kind answers them: {@code ValidateJobSpecUpdate}
 * (pkg/apis/batch/validation), {@code ValidateStatefulSetUpdate} (pkg/apis/apps/validation), {@code
 * ValidatePodUpdate} with {@code validateOnlyAddedTolerations} and {@code
 * validateOnlyDeletedSchedulingGates} (pkg/apis/core/validation). kube-apiserver 1.34.2 answers the
 * same codes, fields and reasons ({@code ImmutableFieldsOnRealServerTest}).
 */
class ImmutableFieldsTest {
  SimClients k;

  @BeforeEach
  void start() {
    k = new SimClients(KubeSim.builder().namespaces("ns1").build());
  }

  @AfterEach
  void stop() {
    k.close();
  }

  private static V1Job job(String name, boolean suspend) {
    return new V1Job()
        .metadata(new V1ObjectMeta().name(name))
        .spec(
            new V1JobSpec()
                .suspend(suspend)
                .template(
                    new V1PodTemplateSpec()
                        .spec(
                            new V1PodSpec()
                                .restartPolicy("Never")
                                .containers(List.of(new V1Container().name("a").image("a:1"))))));
  }

  private ApiException mergePatchJob(String name, String patch) {
    BatchV1Api batch = new BatchV1Api(k.clientJava);
    return catchThrowableOfType(
        ApiException.class,
        () ->
            PatchUtils.patch(
                V1Job.class,
                () -> batch.patchNamespacedJob(name, "ns1", new V1Patch(patch)).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
                k.clientJava));
  }

  private static JsonObject status(ApiException e) {
    return JsonParser.parseString(e.getResponseBody()).getAsJsonObject();
  }

  private static List<String> causes(JsonObject status) {
    return status.getAsJsonObject("details").getAsJsonArray("causes").asList().stream()
        .map(
            c ->
                c.getAsJsonObject().get("reason").getAsString()
                    + " "
                    + c.getAsJsonObject().get("field").getAsString())
        .toList();
  }

  @Test
  void aJobsTemplateSelectorAndCompletionsAreImmutable() throws Exception {
    new BatchV1Api(k.clientJava).createNamespacedJob("ns1", job("j", false)).execute();
    ApiException template =
        mergePatchJob(
            "j",
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:2\"}]}}}}");
    assertThat(template.getCode()).isEqualTo(422);
    JsonObject s = status(template);
    assertThat(s.get("reason").getAsString()).isEqualTo("Invalid");
    assertThat(s.get("message").getAsString())
        .startsWith("Job.batch \"j\" is invalid: spec.template: Invalid value: ")
        .endsWith(": field is immutable");
    assertThat(causes(s)).containsExactly("FieldValueInvalid spec.template");

    // Several errors: NewInvalid lists them, in brackets; parallelism alone may change. The
    // selector merges into the generated one, which ValidateJob refuses first, and whose template
    // match ValidateJob and ValidateJobUpdate each check (kube-apiserver 1.30.14 answers these
    // five causes, VersionedWriteRulesOnRealServerTest).
    ApiException two =
        mergePatchJob(
            "j",
            "{\"spec\":{\"completions\":3,\"parallelism\":5,\"selector\":{\"matchLabels\":{\"x\":\"y\"}}}}");
    assertThat(status(two).get("message").getAsString())
        .startsWith("Job.batch \"j\" is invalid: [spec.selector: Invalid value: ")
        .contains(", spec.completions: Invalid value: 3: field is immutable, spec.selector: ");
    assertThat(causes(status(two)))
        .containsExactly(
            "FieldValueInvalid spec.selector",
            "FieldValueInvalid spec.template.metadata.labels",
            "FieldValueInvalid spec.template.metadata.labels",
            "FieldValueInvalid spec.completions",
            "FieldValueInvalid spec.selector");
    assertThat(mergePatchJob("j", "{\"spec\":{\"parallelism\":3,\"backoffLimit\":2}}")).isNull();
  }

  @Test
  void aSuspendedJobThatNeverStartedMayChangeItsSchedulingDirectivesOnly() throws Exception {
    new BatchV1Api(k.clientJava).createNamespacedJob("ns1", job("js", true)).execute();
    assertThat(
            mergePatchJob(
                "js",
                "{\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"extra\":\"x\"}},"
                    + "\"spec\":{\"nodeSelector\":{\"a\":\"b\"}}}}}"))
        .isNull();
    assertThat(
            mergePatchJob(
                    "js",
                    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:2\"}]}}}}")
                .getCode())
        .isEqualTo(422);
  }

  @Test
  void aStatefulSetTakesOnlyItsMutableSpecFields() {
    StatefulSet ss =
        new StatefulSetBuilder()
            .withNewMetadata()
            .withName("ss")
            .endMetadata()
            .withNewSpec()
            .withServiceName("x")
            .withNewSelector()
            .addToMatchLabels("app", "s")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", "s")
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
    k.fabric8.apps().statefulSets().inNamespace("ns1").resource(ss).create();
    // fabric8's edit() sends a JSON patch of the difference.
    KubernetesClientException e =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                k.fabric8
                    .apps()
                    .statefulSets()
                    .inNamespace("ns1")
                    .withName("ss")
                    .edit(
                        s ->
                            new StatefulSetBuilder(s)
                                .editSpec()
                                .withServiceName("y")
                                .endSpec()
                                .build()));
    assertThat(e.getCode()).isEqualTo(422);
    assertThat(e.getStatus().getMessage())
        .isEqualTo(
            "StatefulSet.apps \"ss\" is invalid: spec: Forbidden: updates to statefulset spec for"
                + " fields other than 'replicas', 'ordinals', 'template', 'updateStrategy',"
                + " 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and"
                + " 'minReadySeconds' are forbidden");
    assertThat(e.getStatus().getDetails().getCauses().get(0).getReason())
        .isEqualTo("FieldValueForbidden");
    StatefulSet scaled =
        k.fabric8
            .apps()
            .statefulSets()
            .inNamespace("ns1")
            .withName("ss")
            .edit(
                s ->
                    new StatefulSetBuilder(s)
                        .editSpec()
                        .withReplicas(3)
                        .withMinReadySeconds(2)
                        .withRevisionHistoryLimit(4)
                        .endSpec()
                        .build());
    assertThat(scaled.getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void aPodTakesToleratonAdditionsGateRemovalsAndALowerDeadlineOnly() throws Exception {
    CoreV1Api core = new CoreV1Api(k.clientJava);
    V1Toleration t1 = new V1Toleration().key("k").operator("Exists").effect("NoSchedule");
    V1Toleration t2 = new V1Toleration().key("k2").operator("Exists").effect("NoSchedule");
    core.createNamespacedPod(
            "ns1",
            new V1Pod()
                .metadata(new V1ObjectMeta().name("p"))
                .spec(
                    new V1PodSpec()
                        .activeDeadlineSeconds(100L)
                        .schedulingGates(List.of(new V1PodSchedulingGate().name("g1")))
                        .tolerations(List.of(t1))
                        .containers(List.of(new V1Container().name("a").image("a:1")))))
        .execute();
    // Replacing the toleration is not adding to it.
    JsonObject replaced = podUpdate(core, p -> p.getSpec().setTolerations(List.of(t2)));
    assertThat(replaced.get("message").getAsString())
        .isEqualTo(
            "Pod \"p\" is invalid: spec.tolerations: Forbidden: existing toleration can not be"
                + " modified except its tolerationSeconds");
    assertThat(podUpdate(core, p -> p.getSpec().setTolerations(List.of(t1, t2)))).isNull();
    // activeDeadlineSeconds: lowered yes, raised no.
    JsonObject raised = podUpdate(core, p -> p.getSpec().setActiveDeadlineSeconds(200L));
    assertThat(raised.get("message").getAsString())
        .isEqualTo(
            "Pod \"p\" is invalid: spec.activeDeadlineSeconds: Invalid value: 200: must be less"
                + " than or equal to previous value");
    assertThat(podUpdate(core, p -> p.getSpec().setActiveDeadlineSeconds(50L))).isNull();
    // Scheduling gates: removed yes, added no.
    JsonObject gated =
        podUpdate(
            core,
            p ->
                p.getSpec()
                    .setSchedulingGates(
                        List.of(
                            new V1PodSchedulingGate().name("g1"),
                            new V1PodSchedulingGate().name("g2"))));
    assertThat(causes(gated)).containsExactly("FieldValueForbidden spec.schedulingGates[1].name");
    assertThat(gated.get("message").getAsString())
        .endsWith("only deletion is allowed, but found new scheduling gate 'g2'");
    assertThat(podUpdate(core, p -> p.getSpec().setSchedulingGates(List.of()))).isNull();
    // Anything else in the spec: Forbidden on spec.
    JsonObject other = podUpdate(core, p -> p.getSpec().setRestartPolicy("Never"));
    assertThat(causes(other)).containsExactly("FieldValueForbidden spec");
    assertThat(other.get("message").getAsString())
        .startsWith("Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields");
    // A default sent explicitly is no change (KubeSim does not default, the real server does).
    assertThat(podUpdate(core, p -> p.getSpec().setDnsPolicy("ClusterFirst"))).isNull();
  }

  /** GETs the pod, changes it, PUTs it: the Status of a refusal, or null if it was taken. */
  private static JsonObject podUpdate(CoreV1Api core, java.util.function.Consumer<V1Pod> change)
      throws ApiException {
    V1Pod p = core.readNamespacedPod("p", "ns1").execute();
    change.accept(p);
    try {
      core.replaceNamespacedPod("p", "ns1", p).execute();
      return null;
    } catch (ApiException e) {
      assertThat(e.getCode()).isEqualTo(422);
      return status(e);
    }
  }
}
