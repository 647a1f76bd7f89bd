package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/**
 * The merge itself, case by case, against what k8s.io/apimachinery pkg/util/strategicpatch
 * (patch.go, {@code StrategicMergeMapPatch}) computes for the same inputs; the expected results are
 * those of its patch_test.go cases where one exists. The strategies come from the schema's {@code
 * +patchStrategy}/{@code +patchMergeKey} comments only.
 */
class StrategicMergePatchTest {
  static JsonObject json(String s) {
    return JsonParser.parseString(s.replace('\'', '"')).getAsJsonObject();
  }

  static JsonObject smp(String apiVersion, String kind, String original, String patch) {
    return StrategicMergePatch.apply(
        PatchSchema.of(ProtobufEncoding.descriptor(apiVersion, kind)), json(original), json(patch));
  }

  static JsonObject pod(String original, String patch) {
    return smp("v1", "Pod", original, patch);
  }

  @Test
  void containersMergeByNameAndKeepTheSetElementOrder() {
    // PodSpec.containers: +patchMergeKey=name +patchStrategy=merge. kubectl apply's patch for a
    // changed image and a new container; the live list keeps "a" untouched.
    JsonObject out =
        pod(
            "{'spec':{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:1'}]}}",
            "{'spec':{'$setElementOrder/containers':[{'name':'c'},{'name':'a'},{'name':'b'}],"
                + "'containers':[{'name':'c','image':'c:1'},{'name':'b','image':'b:2'}]}}");
    assertThat(out)
        .isEqualTo(
            json(
                "{'spec':{'containers':[{'name':'c','image':'c:1'},{'name':'a','image':'a:1'},"
                    + "{'name':'b','image':'b:2'}]}}"));
  }

  @Test
  void upstreamCasesOnALiveListWithServerOnlyItems() {
    // patch_test.go strategicMergePatchRawTestCases, Current + ThreeWay -> Result, with its
    // mergingList (merge on name) played by PodSpec.containers.
    // "set elements order in a list with server-only items":
    assertThat(
            pod(
                "{'spec':{'containers':[{'name':1,'other':'a'},{'name':3,'value':3},"
                    + "{'name':4,'value':4},{'name':2,'value':2},{'name':9}]}}",
                "{'spec':{'$setElementOrder/containers':[{'name':4},{'name':2},{'name':3},"
                    + "{'name':1}]}}"))
        .isEqualTo(
            json(
                "{'spec':{'containers':[{'name':4,'value':4},{'name':2,'value':2},"
                    + "{'name':3,'value':3},{'name':1,'other':'a'},{'name':9}]}}"));
    // "add an item in a list and preserve order":
    assertThat(
            pod(
                "{'spec':{'containers':[{'name':1,'other':'a'},"
                    + "{'name':2,'value':2,'other':'b'}]}}",
                "{'spec':{'$setElementOrder/containers':[{'name':3},{'name':1},{'name':2}],"
                    + "'containers':[{'name':3,'value':3}]}}"))
        .isEqualTo(
            json(
                "{'spec':{'containers':[{'name':3,'value':3},{'name':1,'other':'a'},"
                    + "{'name':2,'value':2,'other':'b'}]}}"));
  }

  @Test
  void aPatchListOutOfTheSetElementOrderIsA500() {
    // validatePatchWithSetOrderList: a plain error, so a 500 (ErrorToAPIStatus).
    assertThatThrownBy(
            () ->
                pod(
                    "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
                    "{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'b'}],"
                        + "'containers':[{'name':'b'},{'name':'a'}]}}"))
        .isInstanceOfSatisfying(
            StrategicMergePatch.PatchError.class,
            e -> {
              assertThat(e.code).isEqualTo(500);
              assertThat(e).hasMessageContaining("doesn't match $setElementOrder list");
            });
  }

  @Test
  void deleteDirectiveRemovesTheElementWithThatKey() {
    JsonObject out =
        pod(
            "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
            "{'spec':{'containers':[{'name':'a','$patch':'delete'}]}}");
    assertThat(out).isEqualTo(json("{'spec':{'containers':[{'name':'b'}]}}"));
  }

  @Test
  void replaceDirectiveInAListReplacesTheWholeList() {
    JsonObject out =
        pod(
            "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
            "{'spec':{'containers':[{'name':'c'},{'$patch':'replace'}]}}");
    assertThat(out).isEqualTo(json("{'spec':{'containers':[{'name':'c'}]}}"));
  }

  @Test
  void replaceAndDeleteDirectivesOnAMap() {
    assertThat(
            pod(
                "{'spec':{'securityContext':{'runAsUser':1,'fsGroup':2}}}",
                "{'spec':{'securityContext':{'$patch':'replace','runAsGroup':3}}}"))
        .isEqualTo(json("{'spec':{'securityContext':{'runAsGroup':3}}}"));
    assertThat(
            pod(
                "{'spec':{'securityContext':{'runAsUser':1}}}",
                "{'spec':{'securityContext':{'$patch':'delete'}}}"))
        .isEqualTo(json("{'spec':{'securityContext':{}}}"));
  }

  @Test
  void aListWithoutPatchStrategyIsReplacedWhateverItsListType() {
    // PodSpec.tolerations has no +patchStrategy (+listType=atomic): replaced.
    assertThat(
            pod(
                "{'spec':{'tolerations':[{'key':'a'},{'key':'b'}]}}",
                "{'spec':{'tolerations':[{'key':'c'}]}}"))
        .isEqualTo(json("{'spec':{'tolerations':[{'key':'c'}]}}"));
    // CertificateSigningRequestStatus.conditions: +listType=map +listMapKey=type, but no
    // +patchStrategy: strategic merge replaces it too (list-map keys serve server-side apply).
    assertThat(
            smp(
                "certificates.k8s.io/v1",
                "CertificateSigningRequest",
                "{'status':{'conditions':[{'type':'Approved','status':'True'}]}}",
                "{'status':{'conditions':[{'type':'Failed','status':'True'}]}}"))
        .isEqualTo(json("{'status':{'conditions':[{'type':'Failed','status':'True'}]}}"));
  }

  @Test
  void volumesRetainOnlyTheKeysTheRetainKeysDirectiveNames() {
    // PodSpec.volumes: +patchStrategy=merge,retainKeys; a volume's source is switched.
    JsonObject out =
        pod(
            "{'spec':{'volumes':[{'name':'v','configMap':{'name':'cm'}},{'name':'w','emptyDir':{}}]}}",
            "{'spec':{'volumes':[{'$retainKeys':['name','secret'],'name':'v',"
                + "'secret':{'secretName':'s'}}]}}");
    assertThat(out)
        .isEqualTo(
            json(
                "{'spec':{'volumes':[{'name':'v','secret':{'secretName':'s'}},"
                    + "{'name':'w','emptyDir':{}}]}}"));
  }

  @Test
  void retainKeysMustListEveryKeyThePatchSets() {
    // applyRetainKeysDirective: mergepatch.ErrBadPatchFormatForRetainKeys, a 400.
    assertThatThrownBy(
            () ->
                pod(
                    "{'spec':{'volumes':[{'name':'v','configMap':{'name':'cm'}}]}}",
                    "{'spec':{'volumes':[{'$retainKeys':['name'],'name':'v','secret':{}}]}}"))
        .isInstanceOfSatisfying(
            StrategicMergePatch.PatchError.class,
            e -> {
              assertThat(e.code).isEqualTo(400);
              assertThat(e).hasMessage("invalid patch format of retainKeys");
            });
  }

  @Test
  void finalizersMergeAndDeleteFromPrimitiveListRemoves() {
    // ObjectMeta.finalizers: +patchStrategy=merge, a list of strings. mergeSlice puts the patch's
    // items in the patch's order, and inserts each server-only item before the first patch item
    // it preceded in the live list (mergeSortedSlice): "b" follows "a".
    assertThat(
            pod("{'metadata':{'finalizers':['a','b']}}", "{'metadata':{'finalizers':['c','a']}}"))
        .isEqualTo(json("{'metadata':{'finalizers':['c','a','b']}}"));
    assertThat(
            pod(
                "{'metadata':{'finalizers':['a','b','c']}}",
                "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b']}}"))
        .isEqualTo(json("{'metadata':{'finalizers':['a','c']}}"));
  }

  @Test
  void nullDeletesAFieldAndMapsMergeKeyByKey() {
    assertThat(
            pod(
                "{'metadata':{'labels':{'a':'1','b':'2'}},'spec':{'nodeName':'n'}}",
                "{'metadata':{'labels':{'a':null,'c':'3'}},'spec':{'nodeName':null}}"))
        .isEqualTo(json("{'metadata':{'labels':{'b':'2','c':'3'}},'spec':{}}"));
  }

  @Test
  void nestedMergeKeysOtherThanName() {
    // Container.ports: +patchMergeKey=containerPort; Container.env: +patchMergeKey=name.
    JsonObject out =
        pod(
            "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http'}],"
                + "'env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}]}]}}",
            "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'protocol':'TCP'},"
                + "{'containerPort':443}],'env':[{'name':'Y','value':'3'}]}]}}");
    assertThat(out)
        .isEqualTo(
            json(
                "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http',"
                    + "'protocol':'TCP'},{'containerPort':443}],"
                    + "'env':[{'name':'X','value':'1'},{'name':'Y','value':'3'}]}]}}"));
  }

  @Test
  void anElementWithoutItsMergeKeyIsA500() {
    // mergeSliceWithoutSpecialElements: mergepatch.ErrNoMergeKey, a plain error: the apiserver
    // answers 500 (ErrorToAPIStatus), and stores nothing.
    assertThatThrownBy(
            () ->
                pod(
                    "{'spec':{'containers':[{'name':'a'}]}}",
                    "{'spec':{'containers':[{'image':'x'}]}}"))
        .isInstanceOfSatisfying(
            StrategicMergePatch.PatchError.class,
            e -> {
              assertThat(e.code).isEqualTo(500);
              assertThat(e).hasMessageContaining("does not contain declared merge key: name");
            });
  }

  @Test
  void anUnknownFieldHoldingAMapIsA500AsTheStructLookupFails() {
    // forkedjson.LookupPatchMetadataForStruct: "unable to find api field in struct PodSpec".
    assertThatThrownBy(() -> pod("{'spec':{'bogus':{'a':1}}}", "{'spec':{'bogus':{'b':1}}}"))
        .isInstanceOfSatisfying(
            StrategicMergePatch.PatchError.class,
            e -> {
              assertThat(e.code).isEqualTo(500);
              assertThat(e)
                  .hasMessage(
                      "unable to find api field in struct PodSpec for the json field \"bogus\"");
            });
  }

  @Test
  void aListOfListsIsA422() {
    // sliceElementType: mergepatch.ErrNoListOfLists, a 422 in interpretStrategicMergePatchError.
    assertThatThrownBy(
            () -> pod("{'metadata':{'finalizers':[]}}", "{'metadata':{'finalizers':[['b']]}}"))
        .isInstanceOfSatisfying(
            StrategicMergePatch.PatchError.class, e -> assertThat(e.code).isEqualTo(422));
  }

  @Test
  void directivesNeverReachTheStoredObject() {
    // A $setElementOrder for a list the object lacks and a $retainKeys inside a new element: the
    // typed decoding after the merge drops both on a real server.
    JsonObject out =
        smp(
            "apps/v1",
            "Deployment",
            "{'spec':{'replicas':1}}",
            "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'a'}],"
                + "'containers':[{'name':'a'}],'volumes':[{'$retainKeys':['name'],'name':'v'}]}}}}");
    assertThat(out.toString()).doesNotContain("$");
    assertThat(out)
        .isEqualTo(
            json(
                "{'spec':{'replicas':1,'template':{'spec':{'containers':[{'name':'a'}],"
                    + "'volumes':[{'name':'v'}]}}}}"));
  }
}
