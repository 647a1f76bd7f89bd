package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.kubernetes.client.Discovery;
import java.util.Set;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Discovery as k8s.io/apiserver pkg/endpoints/discovery serves it: legacy documents (root.go,
 * group.go, version.go, the APIResource entries of endpoints/installer.go) and aggregated discovery
 * (discovery/aggregated/handler.go, chosen by the Accept header in wrapper.go).
 */
class DiscoveryTest {
  private static final String AGGREGATED_V2 =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

  KubeSim sim;
  KubernetesClient fabric8;
  final OkHttpClient http = new OkHttpClient();

  @BeforeEach
  void start() {
    sim = KubeSim.builder().serverVersion("1.34").build();
    fabric8 =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl(sim.url())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
  }

  @AfterEach
  void stop() {
    fabric8.close();
    sim.close();
  }

  private Response get(String path, String accept) throws Exception {
    Request.Builder b = new Request.Builder().url(sim.url() + path);
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.newCall(b.build()).execute();
  }

  private JsonObject json(String path, String accept) throws Exception {
    try (Response r = get(path, accept)) {
      assertThat(r.code()).as(path).isEqualTo(200);
      return com.google.gson.JsonParser.parseString(r.body().string()).getAsJsonObject();
    }
  }

  private static JsonObject find(JsonArray a, String field, String value) {
    for (JsonElement e : a) {
      if (e.getAsJsonObject().has(field)
          && e.getAsJsonObject().get(field).getAsString().equals(value)) {
        return e.getAsJsonObject();
      }
    }
    throw new AssertionError(field + "=" + value + " not in " + a);
  }

  @Test
  void fabric8SeesShortNamesCategoriesAndSubresources() {
    APIResourceList core = fabric8.getApiResources("v1");
    APIResource pods =
        core.getResources().stream().filter(r -> r.getName().equals("pods")).findFirst().get();
    assertThat(pods.getSingularName()).isEqualTo("pod");
    assertThat(pods.getShortNames()).containsExactly("po");
    assertThat(pods.getCategories()).containsExactly("all");
    assertThat(core.getResources().stream().map(APIResource::getName))
        .contains("pods/status", "pods/log", "pods/eviction");

    APIResourceList apps = fabric8.getApiResources("apps/v1");
    APIResource scale =
        apps.getResources().stream()
            .filter(r -> r.getName().equals("deployments/scale"))
            .findFirst()
            .get();
    assertThat(scale.getGroup()).isEqualTo("autoscaling");
    assertThat(scale.getVersion()).isEqualTo("v1");
    assertThat(scale.getKind()).isEqualTo("Scale");
    assertThat(scale.getVerbs()).containsExactly("get", "patch", "update");
  }

  // group.go: GET /apis/<group> answers that group's APIGroup, not every group.
  @Test
  void aGroupAnswersItsOwnApiGroup() throws Exception {
    APIGroup apps = fabric8.getApiGroup("apps");
    assertThat(apps.getName()).isEqualTo("apps");
    assertThat(apps.getPreferredVersion().getGroupVersion()).isEqualTo("apps/v1");
    JsonObject o = json("/apis/apps", null);
    assertThat(o.get("kind").getAsString()).isEqualTo("APIGroup");
    assertThat(o.has("groups")).isFalse();
    try (Response r = get("/apis/no.such.group", null)) {
      assertThat(r.code()).isEqualTo(404);
    }
    try (Response r = get("/apis/apps/v9", null)) {
      assertThat(r.code()).isEqualTo(404);
    }
  }

  @Test
  void clientJavaDiscoveryFindsSingularNamesAndSubresources() throws Exception {
    Set<Discovery.APIResource> all = new Discovery(sim.apiClient()).findAll();
    Discovery.APIResource deployments =
        all.stream()
            .filter(r -> r.getResourcePlural().equals("deployments"))
            .findFirst()
            .orElseThrow();
    assertThat(deployments.getGroup()).isEqualTo("apps");
    assertThat(deployments.getResourceSingular()).isEqualTo("deployment");
    assertThat(deployments.getSubResources()).containsExactlyInAnyOrder("scale", "status");
    assertThat(
            all.stream().map(Discovery.APIResource::getResourcePlural).collect(Collectors.toSet()))
        .contains("pods", "selfsubjectaccessreviews")
        .doesNotContain("pods/status");
  }

  // aggregated/handler.go: one APIGroupDiscoveryList per root, resources with their subresources.
  @Test
  void aggregatedDiscoveryV2() throws Exception {
    try (Response r =
        get(
            "/apis",
            AGGREGATED_V2
                + ",application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.header("Content-Type")).isEqualTo(AGGREGATED_V2);
      JsonObject list = com.google.gson.JsonParser.parseString(r.body().string()).getAsJsonObject();
      assertThat(list.get("kind").getAsString()).isEqualTo("APIGroupDiscoveryList");
      assertThat(list.get("apiVersion").getAsString()).isEqualTo("apidiscovery.k8s.io/v2");
      JsonObject apps = null;
      for (JsonElement e : list.getAsJsonArray("items")) {
        if (e.getAsJsonObject()
            .getAsJsonObject("metadata")
            .get("name")
            .getAsString()
            .equals("apps")) {
          apps = e.getAsJsonObject();
        }
      }
      assertThat(apps).isNotNull();
      JsonObject v1 = apps.getAsJsonArray("versions").get(0).getAsJsonObject();
      assertThat(v1.get("version").getAsString()).isEqualTo("v1");
      assertThat(v1.get("freshness").getAsString()).isEqualTo("Current");
      JsonObject deployments = find(v1.getAsJsonArray("resources"), "resource", "deployments");
      assertThat(deployments.get("scope").getAsString()).isEqualTo("Namespaced");
      assertThat(deployments.get("singularResource").getAsString()).isEqualTo("deployment");
      assertThat(deployments.getAsJsonArray("shortNames").get(0).getAsString()).isEqualTo("deploy");
      JsonObject scale = find(deployments.getAsJsonArray("subresources"), "subresource", "scale");
      assertThat(scale.getAsJsonObject("responseKind").get("kind").getAsString())
          .isEqualTo("Scale");
      // installer.go: only a storage that names its kind's group version (scale, eviction) gives
      // one; a built-in resource's own responseKind leaves them empty, as kube-apiserver does.
      assertThat(scale.getAsJsonObject("responseKind").get("group").getAsString())
          .isEqualTo("autoscaling");
      assertThat(deployments.getAsJsonObject("responseKind").toString())
          .isEqualTo("{\"group\":\"\",\"version\":\"\",\"kind\":\"Deployment\"}");
    }
    JsonObject core = json("/api", AGGREGATED_V2);
    JsonObject v1 = core.getAsJsonArray("items").get(0).getAsJsonObject();
    assertThat(v1.getAsJsonObject("metadata").has("name")).isFalse();
    JsonObject pods =
        find(
            v1.getAsJsonArray("versions").get(0).getAsJsonObject().getAsJsonArray("resources"),
            "resource",
            "pods");
    assertThat(pods.getAsJsonArray("categories").get(0).getAsString()).isEqualTo("all");
    // Without the aggregated media type first: the legacy documents.
    assertThat(json("/api", "application/json").get("kind").getAsString()).isEqualTo("APIVersions");
    assertThat(json("/apis", "application/json," + AGGREGATED_V2).get("kind").getAsString())
        .isEqualTo("APIGroupList");
  }

  // AggregatedDiscoveryRemoveBetaType (on from 1.33): v2beta1 is served only before 1.33.
  @Test
  void aggregatedV2beta1OnlyBefore133() throws Exception {
    String beta =
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    assertThat(json("/apis", beta).get("kind").getAsString()).isEqualTo("APIGroupList");
    try (KubeSim old = KubeSim.builder().serverVersion("1.30").build();
        Response r =
            http.newCall(
                    new Request.Builder().url(old.url() + "/apis").header("Accept", beta).build())
                .execute()) {
      assertThat(r.header("Content-Type")).contains("v=v2beta1");
    }
  }

  @Test
  void selfSubjectAccessReviewIsAnswered() {
    SelfSubjectAccessReview review =
        fabric8
            .authorization()
            .v1()
            .selfSubjectAccessReview()
            .create(
                new SelfSubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withNewResourceAttributes()
                    .withVerb("list")
                    .withResource("pods")
                    .withNamespace("ns1")
                    .endResourceAttributes()
                    .endSpec()
                    .build());
    assertThat(review.getStatus().getAllowed()).isTrue();
    assertThat(review.getSpec().getResourceAttributes().getResource()).isEqualTo("pods");
  }

  // A server without OpenAPI answers 404 for its documents; clients fall back (kubectl then needs
  // --validate=false). A Table is not served: a client offering JSON after it gets JSON.
  @Test
  void noOpenApiAndNoTable() throws Exception {
    for (String path : new String[] {"/openapi/v2", "/openapi/v3"}) {
      try (Response r = get(path, null)) {
        assertThat(r.code()).as(path).isEqualTo(404);
      }
    }
    sim.create("v1", "pods", Wire.pod("ns1", "p", "node-1", null));
    try (Response r =
        get(
            "/api/v1/namespaces/ns1/pods",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      assertThat(
              com.google.gson.JsonParser.parseString(r.body().string())
                  .getAsJsonObject()
                  .get("kind")
                  .getAsString())
          .isEqualTo("PodList");
    }
    try (Response r =
        get("/api/v1/namespaces/ns1/pods", "application/json;as=Table;v=v1;g=meta.k8s.io")) {
      assertThat(r.code()).isEqualTo(406);
    }
  }
}
