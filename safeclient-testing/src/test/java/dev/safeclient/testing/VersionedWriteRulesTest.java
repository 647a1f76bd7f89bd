package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Write rules KubeSim answers as kube-apiserver does, with the messages kube-apiserver 1.30.14 and
 * 1.34.2 gave to the same requests ({@code VersionedWriteRulesOnRealServerTest} compares them).
 */
class VersionedWriteRulesTest {
  private static final String M = "application/merge-patch+json";
  private static final String S = "application/strategic-merge-patch+json";
  private static final String J = "application/json-patch+json";
  private static final String SCALE = "/apis/apps/v1/namespaces/ns1/deployments/d/scale";
  private static final String POD = "/api/v1/namespaces/ns1/pods/g";

  private static Wire start(KubeSim sim) throws Exception {
    Wire wire = new Wire(sim);
    wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"ns1\"}}");
    wire.post(
        "/apis/apps/v1/namespaces/ns1/deployments",
        "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":"
            + "{\"app\":\"w\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"w\"}},"
            + "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}}}");
    return wire;
  }

  private static String message(Wire.Reply r) {
    return r.json().get("message").getAsString();
  }

  /**
   * A Scale's replicas that are no int32: the JSON decoder's error for a JSON or merge patch (on
   * the patched Scale's JSON) and for a PUT body; the unstructured converter's for a strategic
   * merge patch (on the patch map). patch.go: a decode error that is not a strict one is a 422 on
   * {@code patch}; handlers/rest.go transformDecodeError: a body's is a 400.
   */
  @Test
  void scaleReplicasThatAreNoInt32AreRefusedAsTheDecoderWordsIt() throws Exception {
    try (KubeSim sim = KubeSim.builder().build()) {
      Wire wire = start(sim);
      String json =
          "json: cannot unmarshal number 1.5 into Go struct field ScaleSpec.spec.replicas of type int32";
      Wire.Reply merge = wire.patch(SCALE, M, "{\"spec\":{\"replicas\":1.5}}");
      assertThat(merge.code).isEqualTo(422);
      assertThat(message(merge))
          .startsWith(" \"\" is invalid: patch: Invalid value: \"{")
          .endsWith("\": " + json);
      assertThat(merge.causeReason()).isEqualTo("FieldValueInvalid");
      Wire.Reply jsonPatch =
          wire.patch(SCALE, J, "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1.5}]");
      assertThat(message(jsonPatch)).endsWith("\": " + json);
      assertThat(message(wire.patch(SCALE, M, "{\"spec\":{\"replicas\":\"2\"}}")))
          .endsWith(
              "\": json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas"
                  + " of type int32");
      assertThat(message(wire.patch(SCALE, S, "{\"spec\":{\"replicas\":1.5}}")))
          .isEqualTo(
              " \"\" is invalid: patch: Invalid value: \"map[spec:map[replicas:1.5]]\": cannot"
                  + " convert float64 to int32");
      assertThat(message(wire.patch(SCALE, S, "{\"spec\":{\"replicas\":\"2\"}}")))
          .isEqualTo(
              " \"\" is invalid: patch: Invalid value: \"map[spec:map[replicas:2]]\":"
                  + " unrecognized type: int32");
      // A whole float is an int64 to the converter, and converts.
      Wire.Reply whole = wire.patch(SCALE, S, "{\"spec\":{\"replicas\":3.0}}");
      assertThat(whole.code).isEqualTo(200);
      assertThat(whole.json().getAsJsonObject("spec").get("replicas").getAsLong()).isEqualTo(3);
      Wire.Reply put =
          wire.put(
              SCALE,
              "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"d\"},"
                  + "\"spec\":{\"replicas\":1.5}}");
      assertThat(put.code).isEqualTo(400);
      assertThat(message(put))
          .isEqualTo("Scale in version \"v1\" cannot be handled as a Scale: " + json);
    }
  }

  /**
   * A strategic merge patch with a top-level {@code $patch: replace} (or {@code delete}) leaves the
   * Scale without a name, which checkName (handlers/rest.go) refuses; so does a PUT without one.
   */
  @Test
  void aWriteThatLeavesTheObjectNamelessIsA400() throws Exception {
    try (KubeSim sim = KubeSim.builder().build()) {
      Wire wire = start(sim);
      String nameless =
          "the name of the object (d based on URL) was undeterminable: name must be provided";
      for (String patch :
          new String[] {
            "{\"$patch\":\"replace\",\"spec\":{\"replicas\":4}}", "{\"$patch\":\"delete\"}"
          }) {
        Wire.Reply r = wire.patch(SCALE, S, patch);
        assertThat(r.code).as(patch).isEqualTo(400);
        assertThat(message(r)).isEqualTo(nameless);
      }
      Wire.Reply put =
          wire.put(
              "/apis/apps/v1/namespaces/ns1/deployments/d",
              "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"w\"}},\"template\":{\"metadata\":"
                  + "{\"labels\":{\"app\":\"w\"}},\"spec\":{\"containers\":[{\"name\":\"a\","
                  + "\"image\":\"a:1\"}]}}}}");
      assertThat(put.code).isEqualTo(400);
      assertThat(message(put)).isEqualTo(nameless);
      assertThat(
              wire.get("/apis/apps/v1/namespaces/ns1/deployments/d")
                  .json()
                  .getAsJsonObject("spec")
                  .get("replicas")
                  .getAsLong())
          .isEqualTo(1);
    }
  }

  /**
   * field.Invalid prints a selector with Go's {@code %#v} up to 1.33 and as JSON from 1.34
   * (apimachinery validation/field Error.ErrorBody).
   */
  @Test
  void anImmutableSelectorIsPrintedAsTheReleasePrintsIt() throws Exception {
    String patch =
        "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"x\"}},\"template\":{\"metadata\":"
            + "{\"labels\":{\"app\":\"x\"}}}}}";
    String[][] cases = {
      {
        "1.30",
        "v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"x\"},"
            + " MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
      },
      {"1.34", "{\"matchLabels\":{\"app\":\"x\"}}"}
    };
    for (String[] c : cases) {
      try (KubeSim sim = KubeSim.builder().serverVersion(c[0]).build()) {
        Wire.Reply r = start(sim).patch("/apis/apps/v1/namespaces/ns1/deployments/d", M, patch);
        assertThat(r.code).isEqualTo(422);
        assertThat(message(r))
            .as(c[0])
            .isEqualTo(
                "Deployment.apps \"d\" is invalid: spec.selector: Invalid value: "
                    + c[1]
                    + ": field is immutable");
      }
    }
  }

  /**
   * A gated pod's scheduling directives may only be narrowed (ValidatePodUpdate, podIsGated):
   * nodeSelector entries added, never changed or removed (validateNodeSelectorMutation); a required
   * node affinity with terms keeps their number, and each term is only added to
   * (validateNodeAffinityMutation). Once the gates are gone, neither may change.
   */
  @Test
  void aGatedPodsSchedulingDirectivesMayOnlyBeNarrowed() throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion("1.30").build()) {
      Wire wire = start(sim);
      String term =
          "{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"v\"]}]}";
      assertThat(
              wire.post(
                      "/api/v1/namespaces/ns1/pods",
                      "{\"metadata\":{\"name\":\"g\"},\"spec\":{\"schedulingGates\":[{\"name\":"
                          + "\"g1\"}],\"nodeSelector\":{\"a\":\"b\"},\"affinity\":{\"nodeAffinity\":"
                          + "{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":["
                          + term
                          + "]}}},\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}")
                  .code)
          .isEqualTo(201);
      assertThat(wire.patch(POD, M, "{\"spec\":{\"nodeSelector\":{\"c\":\"d\"}}}").code)
          .isEqualTo(200);
      Wire.Reply changed = wire.patch(POD, M, "{\"spec\":{\"nodeSelector\":{\"a\":\"x\"}}}");
      assertThat(changed.code).isEqualTo(422);
      assertThat(message(changed))
          .isEqualTo(
              "Pod \"g\" is invalid: spec.nodeSelector: Invalid value: map[string]string{\"a\":"
                  + "\"x\", \"c\":\"d\"}: only additions to spec.nodeSelector are allowed (no"
                  + " mutations or deletions)");
      String narrowed =
          "{\"spec\":{\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":"
              + "{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\","
              + "\"values\":[\"v\"]},{\"key\":\"k2\",\"operator\":\"Exists\"}]}]}}}}}";
      assertThat(wire.patch(POD, M, narrowed).code).isEqualTo(200);
      Wire.Reply mutated =
          wire.patch(
              POD,
              M,
              "{\"spec\":{\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuring"
                  + "Execution\":{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"k\","
                  + "\"operator\":\"In\",\"values\":[\"w\"]}]}]}}}}}");
      assertThat(mutated.code).isEqualTo(422);
      assertThat(message(mutated))
          .isEqualTo(
              "Pod \"g\" is invalid: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuring"
                  + "Execution.nodeSelectorTerms[0]: Invalid value: core.NodeSelectorTerm{MatchExpressions:"
                  + "[]core.NodeSelectorRequirement{core.NodeSelectorRequirement{Key:\"k\", Operator:\"In\","
                  + " Values:[]string{\"w\"}}}, MatchFields:[]core.NodeSelectorRequirement(nil)}: only"
                  + " additions are allowed (no mutations or deletions)");
      Wire.Reply removed = wire.patch(POD, M, "{\"spec\":{\"affinity\":null}}");
      assertThat(message(removed))
          .isEqualTo(
              "Pod \"g\" is invalid: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuring"
                  + "Execution.nodeSelectorTerms: Invalid value: []core.NodeSelectorTerm(nil): no"
                  + " additions/deletions to non-empty NodeSelectorTerms list are allowed");
      assertThat(wire.patch(POD, M, "{\"spec\":{\"schedulingGates\":null}}").code).isEqualTo(200);
      Wire.Reply ungated = wire.patch(POD, M, "{\"spec\":{\"nodeSelector\":{\"e\":\"f\"}}}");
      assertThat(ungated.code).isEqualTo(422);
      assertThat(message(ungated))
          .startsWith("Pod \"g\" is invalid: spec: Forbidden: pod updates may not change");
    }
  }

  /**
   * A custom resource's body is decoded as unstructured JSON, which needs a kind (else 400 from
   * transformDecodeError) and the path's apiVersion (else 400 from create.go), and the custom
   * resource validator refuses another kind (422).
   */
  @Test
  void aCustomResourceBodyNeedsItsApiVersionAndKind() throws Exception {
    ResourceType widgets = ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
    try (KubeSim sim = KubeSim.builder().register(widgets).build()) {
      Wire wire = start(sim);
      String path = "/apis/example.com/v1/namespaces/ns1/widgets";
      Wire.Reply noKind = wire.post(path, "{\"metadata\":{\"name\":\"w1\"},\"spec\":{\"size\":1}}");
      assertThat(noKind.code).isEqualTo(400);
      assertThat(message(noKind))
          .isEqualTo(
              "the object provided is unrecognized (must be of type Widget): Object 'Kind' is"
                  + " missing in '{\"metadata\":{\"name\":\"w1\"},\"spec\":{\"size\":1}}'"
                  + " ({\"metadata\":{\"name\":\"w1\"},\"spe ...)");
      Wire.Reply noVersion =
          wire.post(path, "{\"kind\":\"Widget\",\"metadata\":{\"name\":\"w2\"}}");
      assertThat(noVersion.code).isEqualTo(400);
      assertThat(message(noVersion))
          .isEqualTo(
              "the API version in the data () does not match the expected API version"
                  + " (example.com/v1)");
      Wire.Reply gadget =
          wire.post(
              path,
              "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Gadget\",\"metadata\":{\"name\":\"w6\"}}");
      assertThat(gadget.code).isEqualTo(422);
      assertThat(message(gadget))
          .isEqualTo(
              "Gadget.example.com \"w6\" is invalid: kind: Invalid value: \"Gadget\": must be Widget");
      assertThat(wire.get(path).names()).isEmpty();
    }
  }

  /**
   * A Job without a manual selector gets one (jobStrategy.PrepareForCreate generateSelector), and a
   * change of it is refused as ValidateJob and ValidateJobUpdate refuse it: the generated-selector
   * check, the template match (twice in the causes, once in the deduplicated message) and
   * immutability. The message is kube-apiserver 1.30.14's, its uid aside.
   */
  @Test
  void aJobGetsAGeneratedSelectorThatMayNotChange() throws Exception {
    try (KubeSim sim = KubeSim.builder().serverVersion("1.30").build()) {
      Wire wire = start(sim);
      String jobs = "/apis/batch/v1/namespaces/ns1/jobs";
      Wire.Reply j =
          wire.post(
              jobs,
              "{\"metadata\":{\"name\":\"j\"},\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":"
                  + "\"Never\",\"containers\":[{\"name\":\"a\",\"image\":\"a:1\"}]}}}}");
      assertThat(j.code).isEqualTo(201);
      String uid = j.json().getAsJsonObject("metadata").get("uid").getAsString();
      assertThat(j.json().getAsJsonObject("spec").getAsJsonObject("selector").toString())
          .isEqualTo("{\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":\"" + uid + "\"}}");
      assertThat(
              j.json()
                  .getAsJsonObject("spec")
                  .getAsJsonObject("template")
                  .getAsJsonObject("metadata")
                  .getAsJsonObject("labels")
                  .keySet())
          // encoding/json writes a Go map's keys sorted.
          .containsExactly(
              "batch.kubernetes.io/controller-uid",
              "batch.kubernetes.io/job-name",
              "controller-uid",
              "job-name");
      Wire.Reply r =
          wire.patch(jobs + "/j", M, "{\"spec\":{\"selector\":{\"matchLabels\":{\"x\":\"y\"}}}}");
      assertThat(r.code).isEqualTo(422);
      String selector =
          "v1.LabelSelector{MatchLabels:map[string]string{\"batch.kubernetes.io/controller-uid\":"
              + "\"<uid>\", \"x\":\"y\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}";
      assertThat(message(r).replace(uid, "<uid>"))
          .isEqualTo(
              "Job.batch \"j\" is invalid: [spec.selector: Invalid value: "
                  + selector
                  + ": `selector` not auto-generated, spec.template.metadata.labels: Invalid value:"
                  + " map[string]string{\"batch.kubernetes.io/controller-uid\":\"<uid>\","
                  + " \"batch.kubernetes.io/job-name\":\"j\", \"controller-uid\":\"<uid>\","
                  + " \"job-name\":\"j\"}: `selector` does not match template `labels`,"
                  + " spec.selector: Invalid value: "
                  + selector
                  + ": field is immutable]");
      assertThat(r.json().getAsJsonObject("details").getAsJsonArray("causes")).hasSize(4);
    }
  }
}
