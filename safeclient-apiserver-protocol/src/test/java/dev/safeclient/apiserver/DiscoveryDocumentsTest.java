package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Discovery documents as kube-apiserver serves them, and the Accept negotiation between them. */
class DiscoveryDocumentsTest {
  private static final List<String> GPU = List.of("get", "patch", "update");

  private static final DiscoveryResource DEPLOYMENTS =
      new DiscoveryResource(
          "apps",
          "v1",
          "deployments",
          "Deployment",
          "deployment",
          true,
          List.of("create", "delete", "get", "list", "watch"),
          List.of("deploy"),
          List.of("all"),
          false,
          List.of(
              new DiscoveryResource.Subresource("scale", "autoscaling", "v1", "Scale", GPU),
              new DiscoveryResource.Subresource("status", "apps", "v1", "Deployment", GPU)));

  private static final DiscoveryResource WIDGETS =
      new DiscoveryResource(
          "example.com",
          "v1",
          "widgets",
          "Widget",
          "widget",
          false,
          List.of("get", "list"),
          List.of(),
          List.of(),
          true,
          List.of(new DiscoveryResource.Subresource("status", "example.com", "v1", "Widget", GPU)));

  @Test
  void theLegacyResourceListHasAnEntryPerSubresource() {
    JsonObject l = DiscoveryDocuments.apiResourceList("apps", "v1", List.of(DEPLOYMENTS));
    assertThat(l.toString())
        .isEqualTo(
            "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"apps/v1\","
                + "\"resources\":[{\"name\":\"deployments\",\"singularName\":\"deployment\","
                + "\"namespaced\":true,\"kind\":\"Deployment\",\"verbs\":[\"create\",\"delete\","
                + "\"get\",\"list\",\"watch\"],\"shortNames\":[\"deploy\"],\"categories\":[\"all\"]},"
                + "{\"name\":\"deployments/scale\",\"singularName\":\"\",\"namespaced\":true,"
                + "\"group\":\"autoscaling\",\"version\":\"v1\",\"kind\":\"Scale\",\"verbs\":[\"get\","
                + "\"patch\",\"update\"]},{\"name\":\"deployments/status\",\"singularName\":\"\","
                + "\"namespaced\":true,\"kind\":\"Deployment\",\"verbs\":[\"get\",\"patch\","
                + "\"update\"]}]}");
    assertThat(
            DiscoveryDocuments.apiResourceList("", "v1", List.of())
                .get("groupVersion")
                .getAsString())
        .isEqualTo("v1");
  }

  @Test
  void groupsAndVersions() {
    Map<String, String> groups = new LinkedHashMap<>();
    groups.put("apps", "v1");
    groups.put("example.com", "v1");
    JsonObject list = DiscoveryDocuments.apiGroupList(groups);
    assertThat(list.getAsJsonArray("groups")).hasSize(2);
    assertThat(list.getAsJsonArray("groups").get(0).toString())
        .isEqualTo(
            "{\"name\":\"apps\",\"versions\":[{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"}],"
                + "\"preferredVersion\":{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"}}");
    assertThat(DiscoveryDocuments.apiGroup("apps", "v1").get("kind").getAsString())
        .isEqualTo("APIGroup");
    JsonObject versions = DiscoveryDocuments.apiVersions("10.0.0.1:6443");
    assertThat(versions.toString())
        .isEqualTo(
            "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
                + "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"10.0.0.1:6443\"}]}");
  }

  @Test
  void aggregatedDiscoveryNamesResponseGroupVersionsOnlyWhereTheApiserverDoes() {
    Map<String, String> groups = new LinkedHashMap<>();
    groups.put("apps", "v1");
    groups.put("example.com", "v1");
    JsonObject agg = DiscoveryDocuments.aggregatedList("v2", groups, List.of(DEPLOYMENTS, WIDGETS));
    assertThat(agg.get("apiVersion").getAsString()).isEqualTo("apidiscovery.k8s.io/v2");
    JsonObject deploy =
        agg.getAsJsonArray("items")
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("versions")
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("resources")
            .get(0)
            .getAsJsonObject();
    assertThat(deploy.get("responseKind").toString())
        .isEqualTo("{\"group\":\"\",\"version\":\"\",\"kind\":\"Deployment\"}");
    assertThat(deploy.get("scope").getAsString()).isEqualTo("Namespaced");
    // scale answers another group's kind: named; status is the parent's: empty.
    assertThat(
            deploy
                .getAsJsonArray("subresources")
                .get(0)
                .getAsJsonObject()
                .get("responseKind")
                .toString())
        .isEqualTo("{\"group\":\"autoscaling\",\"version\":\"v1\",\"kind\":\"Scale\"}");
    assertThat(
            deploy
                .getAsJsonArray("subresources")
                .get(1)
                .getAsJsonObject()
                .get("responseKind")
                .toString())
        .isEqualTo("{\"group\":\"\",\"version\":\"\",\"kind\":\"Deployment\"}");
    JsonObject widgets =
        agg.getAsJsonArray("items")
            .get(1)
            .getAsJsonObject()
            .getAsJsonArray("versions")
            .get(0)
            .getAsJsonObject()
            .getAsJsonArray("resources")
            .get(0)
            .getAsJsonObject();
    assertThat(widgets.get("responseKind").toString())
        .isEqualTo("{\"group\":\"example.com\",\"version\":\"v1\",\"kind\":\"Widget\"}");
    assertThat(widgets.get("scope").getAsString()).isEqualTo("Cluster");
    assertThat(DiscoveryDocuments.aggregatedContentType("v2"))
        .isEqualTo("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  }

  @Test
  void theAcceptHeaderChoosesAggregatedOrLegacy() {
    String kubectl =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
            + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
            + "application/json";
    assertThat(DiscoveryDocuments.aggregatedVersion(kubectl, false)).isEqualTo("v2");
    String beta =
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
            + "application/json";
    assertThat(DiscoveryDocuments.aggregatedVersion(beta, true)).isEqualTo("v2beta1");
    assertThat(DiscoveryDocuments.aggregatedVersion(beta, false)).isNull();
    assertThat(DiscoveryDocuments.aggregatedVersion("application/json", true)).isNull();
    assertThat(DiscoveryDocuments.aggregatedVersion(null, true)).isNull();
    // A Protobuf clause is passed over: only JSON is served.
    assertThat(
            DiscoveryDocuments.aggregatedVersion(
                "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;"
                    + "as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2;"
                    + "as=APIGroupDiscoveryList",
                false))
        .isEqualTo("v2");
  }
}
