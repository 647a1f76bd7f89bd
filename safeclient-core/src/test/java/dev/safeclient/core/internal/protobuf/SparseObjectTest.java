package dev.safeclient.core.internal.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Pod;
import org.junit.jupiter.api.Test;

/**
 * Sparse objects written the way the Go marshaller writes them (every non-pointer field, even when
 * zero; pointer fields only when set) decode to the same model as the JSON Go would have written
 * for the same object (omitempty zeros left out, pointer zeros kept, zero times null).
 */
class SparseObjectTest {
  private static final ProtoSchema SCHEMA = ProtoSchema.get();

  /** The field number of {@code field} in {@code message}, from the schema, not by hand. */
  private static int n(String message, String field) {
    String full =
        message.startsWith("meta.")
            ? "k8s.io.apimachinery.pkg.apis." + message
            : "k8s.io.api." + message;
    return SCHEMA.message(full).field(field).number;
  }

  private static ProtoWriter zeroObjectMeta(String name) {
    String m = "meta.v1.ObjectMeta";
    return ProtoWriter.message()
        .string(n(m, "name"), name)
        .string(n(m, "generateName"), "")
        .string(n(m, "namespace"), "")
        .string(n(m, "selfLink"), "")
        .string(n(m, "uid"), "")
        .string(n(m, "resourceVersion"), "")
        .varint(n(m, "generation"), 0)
        .message(n(m, "creationTimestamp"), ProtoWriter.message());
  }

  private static ProtoWriter zeroContainer(String name) {
    String c = "core.v1.Container";
    return ProtoWriter.message()
        .string(n(c, "name"), name)
        .string(n(c, "image"), "")
        .string(n(c, "workingDir"), "")
        .message(n(c, "resources"), ProtoWriter.message())
        .string(n(c, "terminationMessagePath"), "")
        .string(n(c, "imagePullPolicy"), "")
        .bool(n(c, "stdin"), false)
        .bool(n(c, "stdinOnce"), false)
        .bool(n(c, "tty"), false)
        .string(n(c, "terminationMessagePolicy"), "");
  }

  private static ProtoWriter sparsePodSpec() {
    String s = "core.v1.PodSpec";
    return ProtoWriter.message()
        .message(n(s, "containers"), zeroContainer("c"))
        .string(n(s, "restartPolicy"), "")
        .varint(n(s, "terminationGracePeriodSeconds"), 0) // *int64 set to 0: kept
        .string(n(s, "dnsPolicy"), "")
        .string(n(s, "serviceAccountName"), "")
        .string(n(s, "serviceAccount"), "")
        .string(n(s, "nodeName"), "")
        .bool(n(s, "hostNetwork"), false)
        .bool(n(s, "hostPID"), false)
        .bool(n(s, "hostIPC"), false)
        .string(n(s, "hostname"), "")
        .string(n(s, "subdomain"), "")
        .string(n(s, "schedulerName"), "")
        .bool(n(s, "automountServiceAccountToken"), false) // *bool set to false: kept
        .string(n(s, "priorityClassName"), "")
        .varint(n(s, "priority"), 0); // *int32 set to 0: kept
  }

  private static JsonElement tree(Object model) {
    return Fixtures.REFERENCE_GSON.toJsonTree(model);
  }

  @Test
  void sparsePodDecodesAsItsGoJson() throws Exception {
    String st = "core.v1.PodStatus";
    String cs = "core.v1.ContainerStatus";
    byte[] raw =
        ProtoWriter.message()
            .message(1, zeroObjectMeta("p"))
            .message(2, sparsePodSpec())
            .message(
                3,
                ProtoWriter.message()
                    .string(n(st, "phase"), "")
                    .string(n(st, "message"), "")
                    .string(n(st, "reason"), "")
                    .string(n(st, "hostIP"), "")
                    .string(n(st, "podIP"), "")
                    .message(
                        n(st, "containerStatuses"),
                        ProtoWriter.message()
                            .string(n(cs, "name"), "c")
                            .message(n(cs, "state"), ProtoWriter.message())
                            .message(n(cs, "lastState"), ProtoWriter.message())
                            .bool(n(cs, "ready"), false)
                            .varint(n(cs, "restartCount"), 0)
                            .string(n(cs, "image"), "")
                            .string(n(cs, "imageID"), "")
                            .string(n(cs, "containerID"), ""))
                    .string(n(st, "qosClass"), "")
                    .string(n(st, "nominatedNodeName"), ""))
            .build();
    String goJson =
        """
        {"kind":"Pod","apiVersion":"v1",
         "metadata":{"name":"p","creationTimestamp":null},
         "spec":{"containers":[{"name":"c","resources":{}}],
                 "terminationGracePeriodSeconds":0,"automountServiceAccountToken":false,
                 "priority":0},
         "status":{"containerStatuses":[{"name":"c","state":{},"lastState":{},"ready":false,
                   "restartCount":0,"image":"","imageID":""}]}}
        """;

    V1Pod pb = new ProtobufCodec(null).decode(ProtoWriter.envelope("v1", "Pod", raw), V1Pod.class);
    V1Pod json = Fixtures.REFERENCE_GSON.fromJson(goJson, V1Pod.class);

    assertThat(tree(pb)).isEqualTo(tree(json));
    assertThat(pb.getMetadata().getCreationTimestamp()).isNull();
    assertThat(pb.getMetadata().getNamespace()).isNull();
    assertThat(pb.getMetadata().getGeneration()).isNull();
    assertThat(pb.getSpec().getHostNetwork()).isNull();
    assertThat(pb.getSpec().getTerminationGracePeriodSeconds()).isZero();
    assertThat(pb.getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(pb.getStatus().getContainerStatuses().get(0).getReady()).isFalse();
    assertThat(pb.getStatus().getContainerStatuses().get(0).getImage()).isEmpty();
  }

  @Test
  void scaledToZeroDeploymentKeepsReplicasZeroButDropsOmitemptyStatusZeros() throws Exception {
    String sp = "apps.v1.DeploymentSpec";
    String ss = "apps.v1.DeploymentStatus";
    byte[] raw =
        ProtoWriter.message()
            .message(1, zeroObjectMeta("d"))
            .message(
                2,
                ProtoWriter.message()
                    .varint(n(sp, "replicas"), 0)
                    .message(
                        n(sp, "template"),
                        ProtoWriter.message()
                            .message(1, zeroObjectMeta(""))
                            .message(2, sparsePodSpec()))
                    .message(n(sp, "strategy"), ProtoWriter.message().string(1, ""))
                    .varint(n(sp, "minReadySeconds"), 0)
                    .bool(n(sp, "paused"), false))
            .message(
                3,
                ProtoWriter.message()
                    .varint(n(ss, "observedGeneration"), 0)
                    .varint(n(ss, "replicas"), 0)
                    .varint(n(ss, "updatedReplicas"), 0)
                    .varint(n(ss, "unavailableReplicas"), 0)
                    .varint(n(ss, "readyReplicas"), 0)
                    .varint(n(ss, "availableReplicas"), 0))
            .build();
    String goJson =
        """
        {"kind":"Deployment","apiVersion":"apps/v1",
         "metadata":{"name":"d","creationTimestamp":null},
         "spec":{"replicas":0,
                 "template":{"metadata":{"creationTimestamp":null},
                             "spec":{"containers":[{"name":"c","resources":{}}],
                                     "terminationGracePeriodSeconds":0,
                                     "automountServiceAccountToken":false,"priority":0}},
                 "strategy":{}},
         "status":{}}
        """;

    V1Deployment pb =
        new ProtobufCodec(null)
            .decode(ProtoWriter.envelope("apps/v1", "Deployment", raw), V1Deployment.class);
    V1Deployment json = Fixtures.REFERENCE_GSON.fromJson(goJson, V1Deployment.class);

    assertThat(tree(pb)).isEqualTo(tree(json));
    assertThat(pb.getSpec().getReplicas()).isZero();
    assertThat(pb.getStatus().getReplicas()).isNull();
  }

  @Test
  void theJsonTreePathAppliesTheSameZeroRules() throws Exception {
    byte[] raw =
        ProtoWriter.message().message(1, zeroObjectMeta("p")).message(2, sparsePodSpec()).build();
    JsonElement t = new ProtobufCodec(null).toJsonTree(ProtoWriter.envelope("v1", "Pod", raw));
    assertThat(t)
        .isEqualTo(
            JsonParser.parseString(
                """
                {"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"},
                 "spec":{"containers":[{"name":"c","resources":{}}],
                         "terminationGracePeriodSeconds":0,"automountServiceAccountToken":false,
                         "priority":0}}
                """));
  }

  /**
   * Fields the models lack are kept in their Go JSON form, zeros included: a non-pointer omitempty
   * scalar's zero (which the Go marshaller writes in Protobuf) is left out, a zero without
   * omitempty is kept, and a zero metav1.Time is null (which the writer, like client-java's, leaves
   * out), exactly as the same object read in JSON keeps them. An update then writes back what the
   * server's JSON held, nothing more.
   */
  @Test
  void keptFieldsRenderZerosAsGoJsonDoes() throws Exception {
    String st = "core.v1.PodStatus";
    String vh = "core.v1.PodVolumeHealth";
    String vc = "core.v1.VolumeHealthCondition";
    byte[] raw =
        ProtoWriter.message()
            .message(1, zeroObjectMeta("p"))
            .message(
                3,
                ProtoWriter.message()
                    .string(n(st, "phase"), "")
                    .message(
                        n(st, "volumeHealth"),
                        ProtoWriter.message()
                            .string(n(vh, "name"), "v")
                            .message(
                                n(vh, "healthConditions"),
                                ProtoWriter.message()
                                    .string(n(vc, "status"), "True")
                                    .string(n(vc, "reason"), "")
                                    .string(n(vc, "message"), ""))
                            .message(n(vh, "lastTransitionTime"), ProtoWriter.message())))
            .build();
    String goJson =
        """
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","creationTimestamp":null},
         "status":{"volumeHealth":[{"name":"v","healthConditions":[{"status":"True","reason":""}],
                                    "lastTransitionTime":null}]}}
        """;
    dev.safeclient.core.internal.json.TolerantJson json =
        new dev.safeclient.core.internal.json.TolerantJson(null);
    V1Pod pb =
        new ProtobufCodec(null, json).decode(ProtoWriter.envelope("v1", "Pod", raw), V1Pod.class);
    V1Pod fromJson = json.decode(new java.io.StringReader(goJson), V1Pod.class, null);

    JsonElement written = JsonParser.parseString(json.encode(pb));
    assertThat(written).isEqualTo(JsonParser.parseString(json.encode(fromJson)));
    assertThat(written.getAsJsonObject().getAsJsonObject("status").get("volumeHealth"))
        .isEqualTo(
            JsonParser.parseString(
                """
                [{"name":"v","healthConditions":[{"status":"True","reason":""}]}]
                """));
  }
}
