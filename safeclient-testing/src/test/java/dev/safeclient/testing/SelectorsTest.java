package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Selectors as a real apiserver reads them: label selectors by the grammar of apimachinery's
 * pkg/labels/selector.go (Parse), field selectors by fields.ParseSelector, each field label checked
 * by the kind's field label conversion function (pkg/apis/core/v1/conversion.go, and
 * runtime.DefaultMetaV1FieldSelectorConversion for kinds without one), a refusal being a 400
 * BadRequest from the list handler (handlers/get.go ListResource).
 */
class SelectorsTest {
  SimClients k;

  @BeforeEach
  void start() {
    k = new SimClients();
    ResourceType pods = ResourceType.BUILT_IN.get("v1/pods");
    k.sim.create(pods, Wire.pod("ns1", "a", "n1", "{\"app\":\"a\",\"tier\":\"web\"}"));
    k.sim.create(pods, Wire.pod("ns1", "b", "n2", "{\"app\":\"b\"}"));
    k.sim.create(pods, Wire.pod("ns1", "c", null, "{\"app\":\"c\",\"tier\":\"db\"}"));
    k.sim.create(pods, Wire.pod("ns1", "d", null, null));
  }

  @AfterEach
  void stop() {
    k.close();
  }

  private Wire.Reply list(String labelSelector) throws Exception {
    return k.wire.get(
        "/api/v1/namespaces/ns1/pods?labelSelector="
            + URLEncoder.encode(labelSelector, StandardCharsets.UTF_8));
  }

  @Test
  void setBasedLabelSelectorsMatchAsTheRealGrammarSays() throws Exception {
    // selector.go: "in" needs the label and one of the values; "notin" and "!=" also match
    // objects without the label; "!key" is absence; a bare key is existence.
    assertThat(list("app in(a,b)").names()).containsExactly("a", "b");
    assertThat(list("app in (a, b)").names()).containsExactly("a", "b");
    assertThat(list("tier notin (web)").names()).containsExactly("b", "c", "d");
    assertThat(list("tier!=web").names()).containsExactly("b", "c", "d");
    assertThat(list("tier").names()).containsExactly("a", "c");
    assertThat(list("!tier").names()).containsExactly("b", "d");
    assertThat(list("app==a,tier=web").names()).containsExactly("a");
    assertThat(list("app,!tier").names()).containsExactly("b");
    // fabric8's typed DSL sends "app in (a,c)" for withLabelIn.
    assertThat(k.fabric8.pods().inNamespace("ns1").withLabelIn("app", "a", "c").list().getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "c");
  }

  @Test
  void aSelectorOutsideTheGrammarIs400() throws Exception {
    // Two requirements without a comma: Parse stops at "c" (expected ',' or end of string).
    Wire.Reply r = list("a=b c");
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("BadRequest");
    assertThat(r.json().get("message").getAsString())
        .isEqualTo("found 'c', expected: ',' or 'end of string'");
    // "in" needs a parenthesised list; keys and values are validated (NewRequirement).
    assertThat(list("app in a").code).isEqualTo(400);
    assertThat(list("app in (a").code).isEqualTo(400);
    assertThat(list("Bad Key=x").code).isEqualTo(400);
    assertThat(list("app=Bad Value").code).isEqualTo(400);
    assertThat(list("app=-x").json().get("message").getAsString())
        .startsWith("unable to parse requirement: invalid label value: \"-x\": at key: \"app\"");
    assertThat(list("a,").json().get("message").getAsString())
        .isEqualTo("found '', expected: identifier after ','");
    // The same 400 reaches client-java's typed call as an ApiException.
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                new CoreV1Api(k.clientJava)
                    .listNamespacedPod("ns1")
                    .labelSelector("a=b c")
                    .execute());
    assertThat(e.getCode()).isEqualTo(400);
  }

  @Test
  void eachKindAcceptsOnlyItsOwnFieldLabels() throws Exception {
    // Pods' conversion function: spec.nodeName, status.phase, ... are selectable.
    assertThat(k.wire.get("/api/v1/namespaces/ns1/pods?fieldSelector=spec.nodeName%3Dn1").names())
        .containsExactly("a");
    assertThat(
            k.wire.get("/api/v1/namespaces/ns1/pods?fieldSelector=status.phase%3DRunning").names())
        .containsExactly("a", "b", "c", "d");
    // spec.host is the old v1 name of spec.nodeName.
    assertThat(k.wire.get("/api/v1/namespaces/ns1/pods?fieldSelector=spec.host%3Dn2").names())
        .containsExactly("b");
    // A label the pods' function does not list: "field label not supported", before any read.
    long readsBefore = k.sim.stats().objectsReadFromStorage();
    Wire.Reply r = k.wire.get("/api/v1/namespaces/ns1/pods?fieldSelector=metadata.labels.app%3Da");
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("BadRequest");
    assertThat(r.json().get("message").getAsString())
        .isEqualTo("field label not supported: metadata.labels.app");
    assertThat(k.sim.stats().objectsReadFromStorage()).isEqualTo(readsBefore);
    // ConfigMaps have no function of their own: DefaultMetaV1FieldSelectorConversion.
    Wire.Reply cm = k.wire.get("/api/v1/namespaces/ns1/configmaps?fieldSelector=data.x%3Dy");
    assertThat(cm.code).isEqualTo(400);
    assertThat(cm.json().get("message").getAsString())
        .isEqualTo(
            "\"data.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
    // Secrets select on their type; nodes on spec.unschedulable but not on metadata.namespace.
    assertThat(k.wire.get("/api/v1/secrets?fieldSelector=type%3DOpaque").code).isEqualTo(200);
    assertThat(k.wire.get("/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse").code)
        .isEqualTo(200);
    assertThat(k.wire.get("/api/v1/nodes?fieldSelector=metadata.namespace%3Dx").code)
        .isEqualTo(400);
    // A term without an operator is a syntax error (fields.ParseSelector).
    assertThat(
            k.wire
                .get("/api/v1/namespaces/ns1/pods?fieldSelector=spec.nodeName")
                .json()
                .get("message")
                .getAsString())
        .isEqualTo("invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'");
    // fabric8's withField sends the selector as given; the refusal reaches it as a 400.
    KubernetesClientException e =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                k.fabric8
                    .pods()
                    .inNamespace("ns1")
                    .withFields(Map.of("metadata.labels.app", "a"))
                    .list());
    assertThat(e.getCode()).isEqualTo(400);
  }

  @Test
  void watchesRefuseAnUnsupportedFieldLabelToo() throws Exception {
    // The watch handler converts the field selector the same way (ListResource serves both).
    Wire.Reply r = k.wire.get("/api/v1/namespaces/ns1/pods?watch=true&fieldSelector=spec.foo%3Dx");
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("message").getAsString())
        .isEqualTo("field label not supported: spec.foo");
  }
}
