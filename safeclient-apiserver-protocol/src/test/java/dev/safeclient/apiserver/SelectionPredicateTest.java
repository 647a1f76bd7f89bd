package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Label selectors by apimachinery's pkg/labels grammar, field selectors by fields.ParseSelector,
 * field labels by each resource's conversion function, matched against an object view.
 */
class SelectionPredicateTest {
  private static JsonObject pod(String name, String node, String phase, String labelsJson) {
    return JsonParser.parseString(
            "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\""
                + name
                + "\",\"namespace\":\"ns1\""
                + (labelsJson == null ? "" : ",\"labels\":" + labelsJson)
                + "},\"spec\":{"
                + (node == null ? "" : "\"nodeName\":\"" + node + "\"")
                + "},\"status\":{\"phase\":\""
                + phase
                + "\"}}")
        .getAsJsonObject();
  }

  private static final SelectableObject A =
      FieldLabels.selectable(pod("a", "n1", "Running", "{\"app\":\"a\",\"tier\":\"web\"}"));
  private static final SelectableObject B =
      FieldLabels.selectable(pod("b", "n2", "Pending", "{\"app\":\"b\"}"));
  private static final SelectableObject D = FieldLabels.selectable(pod("d", null, "Running", null));

  private static boolean selects(String labels, String fields, SelectableObject o) {
    return SelectionPredicate.parse("", "pods", labels, fields).matches(o);
  }

  private static Status refusal(Runnable r) {
    return catchThrowableOfType(StatusException.class, r::run).status();
  }

  @Test
  void labelSelectorsMatchAsTheGrammarSays() {
    assertThat(selects("app in (a, b)", "", A)).isTrue();
    assertThat(selects("app in (a, b)", "", D)).isFalse();
    assertThat(selects("tier notin (web)", "", B)).isTrue();
    assertThat(selects("tier notin (web)", "", A)).isFalse();
    assertThat(selects("tier!=web", "", D)).isTrue();
    assertThat(selects("!tier", "", B)).isTrue();
    assertThat(selects("tier", "", A)).isTrue();
    assertThat(selects("app==a,tier=web", "", A)).isTrue();
    assertThat(LabelSelector.parse("x>3").matches(Map.of("x", "4"))).isTrue();
    assertThat(LabelSelector.parse("x>3").matches(Map.of("x", "three"))).isFalse();
    assertThat(LabelSelector.parse(" ").isEmpty()).isTrue();
  }

  @Test
  void requirementsAndExactMatchesNameTheLabelIndexesARequestCanUse() {
    LabelSelector s = LabelSelector.parse("app==web,tier in (db),env notin (a,b),!legacy,x>3,y");
    assertThat(s.requirements())
        .containsExactly(
            new LabelSelector.Requirement("app", LabelSelector.Operator.EQUALS, List.of("web")),
            new LabelSelector.Requirement("tier", LabelSelector.Operator.IN, List.of("db")),
            new LabelSelector.Requirement("env", LabelSelector.Operator.NOT_IN, List.of("a", "b")),
            new LabelSelector.Requirement(
                "legacy", LabelSelector.Operator.DOES_NOT_EXIST, List.of()),
            new LabelSelector.Requirement("x", LabelSelector.Operator.GREATER_THAN, List.of("3")),
            new LabelSelector.Requirement("y", LabelSelector.Operator.EXISTS, List.of()));
    assertThat(s.requiresExactMatch("app")).isEqualTo("web");
    assertThat(s.requiresExactMatch("tier")).isEqualTo("db");
    assertThat(s.requiresExactMatch("env")).isNull();
    assertThat(LabelSelector.parse("a in (x,y)").requiresExactMatch("a")).isNull();
    assertThat(LabelSelector.parse("a!=x").requiresExactMatch("a")).isNull();
  }

  @Test
  void aLabelSelectorOutsideTheGrammarIsTheHandlers400() {
    Status s = refusal(() -> LabelSelector.parse("a=b c"));
    assertThat(s.code()).isEqualTo(400);
    assertThat(s.reason()).isEqualTo("BadRequest");
    assertThat(s.message()).isEqualTo("found 'c', expected: ',' or 'end of string'");
    assertThat(refusal(() -> LabelSelector.parse("app=-x")).message())
        .startsWith("unable to parse requirement: invalid label value: \"-x\": at key: \"app\"");
    assertThat(refusal(() -> LabelSelector.parse("a,")).message())
        .isEqualTo("found '', expected: identifier after ','");
  }

  @Test
  void fieldSelectorsMatchTheGetAttrsValues() {
    assertThat(selects("", "spec.nodeName=n1", A)).isTrue();
    assertThat(selects("", "spec.nodeName=n1", B)).isFalse();
    // Unset is Go's zero value: "" matches a pod without a node.
    assertThat(selects("", "spec.nodeName=", D)).isTrue();
    assertThat(selects("", "spec.nodeName!=n1", D)).isTrue();
    assertThat(selects("", "status.phase==Running,metadata.name=a", A)).isTrue();
    assertThat(selects("", "metadata.namespace=ns1", B)).isTrue();
    // spec.host is the pods' old name of spec.nodeName.
    assertThat(selects("", "spec.host=n2", B)).isTrue();
    assertThat(selects("app=a", "spec.nodeName=n2", A)).isFalse();
  }

  @Test
  void anUnsupportedFieldLabelIsTheListHandlers400() {
    Status s = refusal(() -> SelectionPredicate.parse("", "pods", "", "metadata.labels.app=a"));
    assertThat(s.code()).isEqualTo(400);
    assertThat(s.message()).isEqualTo("field label not supported: metadata.labels.app");
    assertThat(refusal(() -> SelectionPredicate.parse("", "configmaps", "", "data.x=y")).message())
        .isEqualTo(
            "\"data.x\" is not a known field selector: only \"metadata.name\","
                + " \"metadata.namespace\"");
    assertThat(SelectionPredicate.parse("", "secrets", "", "type=Opaque").isEverything()).isFalse();
    assertThat(SelectionPredicate.parse("", "nodes", "", "spec.unschedulable=false").isEverything())
        .isFalse();
    assertThat(
            refusal(() -> SelectionPredicate.parse("", "nodes", "", "metadata.namespace=x")).code())
        .isEqualTo(400);
    // Custom resources take the default conversion.
    assertThat(
            SelectionPredicate.parse("example.com", "widgets", "", "metadata.name=w")
                .exactField("metadata.name"))
        .isEqualTo("w");
    assertThat(
            SelectionPredicate.parse("apps", "replicasets", "", "status.replicas=0").isEverything())
        .isFalse();
  }

  @Test
  void fieldSelectorSyntaxAndEscapes() {
    assertThat(refusal(() -> FieldSelector.parse("spec.nodeName")).message())
        .isEqualTo("invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'");
    FieldSelector f = FieldSelector.parse("metadata.name=a\\,b,spec.nodeName!=n\\=1,");
    assertThat(f.requirements())
        .containsExactly(
            new FieldSelector.Requirement("metadata.name", false, "a,b"),
            new FieldSelector.Requirement("spec.nodeName", true, "n=1"));
    assertThat(refusal(() -> FieldSelector.parse("a=b\\x")).message())
        .isEqualTo("invalid field selector: invalid escape sequence: \\x");
    assertThat(refusal(() -> FieldSelector.parse("a=b=c")).message())
        .isEqualTo("invalid field selector: unescaped character in value: 61");
  }

  @Test
  void exactFieldsNameTheIndexesARequestCanUse() {
    SelectionPredicate p =
        SelectionPredicate.parse("", "pods", "app=a", "spec.host=n1,metadata.name!=x");
    assertThat(p.exactField("spec.nodeName")).isEqualTo("n1");
    assertThat(p.exactField("metadata.name")).isNull();
    assertThat(SelectionPredicate.parse("", "pods", "", "").isEverything()).isTrue();
    assertThat(SelectionPredicate.everything().matches(D)).isTrue();
  }

  @Test
  void theFieldValuesOfOtherKinds() {
    JsonObject node =
        JsonParser.parseString("{\"metadata\":{\"name\":\"n1\"},\"spec\":{}}").getAsJsonObject();
    assertThat(FieldLabels.value(node, "spec.unschedulable")).isEqualTo("false");
    JsonObject rs = JsonParser.parseString("{\"status\":{}}").getAsJsonObject();
    assertThat(FieldLabels.value(rs, "status.replicas")).isEqualTo("0");
    JsonObject event =
        JsonParser.parseString("{\"reportingController\":\"kubelet\",\"source\":{}}")
            .getAsJsonObject();
    assertThat(FieldLabels.value(event, "source")).isEqualTo("kubelet");
    assertThat(FieldLabels.value(event, "reportingComponent")).isEqualTo("kubelet");
  }
}
