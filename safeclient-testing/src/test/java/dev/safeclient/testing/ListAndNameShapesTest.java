package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PodList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Smaller shapes of answers a client may depend on, as a real apiserver gives them. */
class ListAndNameShapesTest {
  SimClients k;

  @BeforeEach
  void start() {
    k = new SimClients(KubeSim.builder().namespaces("ns1").serverVersion("1.33").build());
    ResourceType pods = ResourceType.BUILT_IN.get("v1/pods");
    for (int i = 0; i < 5; i++) {
      k.sim.create(pods, Wire.pod("ns1", "p" + i, null, i < 2 ? "{\"app\":\"a\"}" : null));
    }
  }

  @AfterEach
  void stop() {
    k.close();
  }

  @Test
  void aPagedListWithoutSelectorsSaysHowManyItemsRemain() throws Exception {
    // etcd3 store.go GetList: remainingItemCount = the range's count minus the page, set only
    // for an empty predicate. From etcd (RV unset on a sim without a ready cache path) ...
    V1PodList page = new CoreV1Api(k.clientJava).listNamespacedPod("ns1").limit(2).execute();
    assertThat(page.getItems()).hasSize(2);
    assertThat(page.getMetadata().getRemainingItemCount()).isEqualTo(3L);
    V1PodList next =
        new CoreV1Api(k.clientJava)
            .listNamespacedPod("ns1")
            .limit(2)
            ._continue(page.getMetadata().getContinue())
            .execute();
    assertThat(next.getMetadata().getRemainingItemCount()).isEqualTo(1L);
    V1PodList last =
        new CoreV1Api(k.clientJava)
            .listNamespacedPod("ns1")
            .limit(2)
            ._continue(next.getMetadata().getContinue())
            .execute();
    assertThat(last.getMetadata().getContinue()).isNull();
    assertThat(last.getMetadata().getRemainingItemCount()).isNull();
    // ... and never with a selector, whose matches the count cannot know.
    JsonObject selected =
        k.wire.get("/api/v1/namespaces/ns1/pods?limit=1&labelSelector=app%3Da").json();
    assertThat(selected.getAsJsonObject("metadata").has("continue")).isTrue();
    assertThat(selected.getAsJsonObject("metadata").has("remainingItemCount")).isFalse();
    // fabric8 reads it too.
    assertThat(
            k.fabric8
                .pods()
                .inNamespace("ns1")
                .list(new ListOptionsBuilder().withLimit(4L).build())
                .getMetadata()
                .getRemainingItemCount())
        .isEqualTo(1L);
  }

  @Test
  void itemsOfABuiltInListCarryNoApiVersionOrKind() throws Exception {
    // The versioned list's items are typed structs whose TypeMeta the encoder leaves empty:
    // only the list says PodList / v1.
    JsonObject list = k.wire.get("/api/v1/namespaces/ns1/pods").json();
    assertThat(list.get("kind").getAsString()).isEqualTo("PodList");
    assertThat(list.get("apiVersion").getAsString()).isEqualTo("v1");
    for (JsonElement item : list.getAsJsonArray("items")) {
      assertThat(item.getAsJsonObject().has("kind")).isFalse();
      assertThat(item.getAsJsonObject().has("apiVersion")).isFalse();
    }
    // A single GET still names its kind.
    assertThat(k.wire.get("/api/v1/namespaces/ns1/pods/p0").json().get("kind").getAsString())
        .isEqualTo("Pod");
    // Custom resources are unstructured: their items keep apiVersion and kind.
    ResourceType widgets = ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
    try (SimClients crd =
        new SimClients(KubeSim.builder().namespaces("ns1").register(widgets).build())) {
      crd.wire.post(
          "/apis/example.com/v1/namespaces/ns1/widgets",
          "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"}}");
      JsonObject item =
          crd.wire
              .get("/apis/example.com/v1/namespaces/ns1/widgets")
              .json()
              .getAsJsonArray("items")
              .get(0)
              .getAsJsonObject();
      assertThat(item.get("kind").getAsString()).isEqualTo("Widget");
    }
  }

  @Test
  void generateNameDrawsFiveCharactersFromTheApiserversAlphabet() {
    // names.SimpleNameGenerator: base + utilrand.String(5), alphabet "bcdfghjklmnpqrstvwxz2456789".
    for (int i = 0; i < 20; i++) {
      ConfigMap cm =
          k.fabric8
              .configMaps()
              .inNamespace("ns1")
              .resource(
                  new ConfigMapBuilder()
                      .withNewMetadata()
                      .withGenerateName("job-")
                      .endMetadata()
                      .build())
              .create();
      assertThat(cm.getMetadata().getName()).matches("job-[bcdfghjklmnpqrstvwxz2456789]{5}");
    }
    ConfigMapList all = k.fabric8.configMaps().inNamespace("ns1").list();
    assertThat(all.getItems()).hasSize(20);
    // A long prefix is cut to 58 characters so the name fits 63.
    String longPrefix = "a".repeat(70);
    ConfigMap cut =
        k.fabric8
            .configMaps()
            .inNamespace("ns1")
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withGenerateName(longPrefix)
                    .endMetadata()
                    .build())
            .create();
    assertThat(cut.getMetadata().getName()).hasSize(63).startsWith("a".repeat(58));
  }

  @Test
  void notFoundNamesTheQualifiedResource() {
    // errors.NewNotFound(qualifiedResource, name): "deployments.apps \"x\" not found", details
    // with the group and the resource as kind.
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () -> new AppsV1Api(k.clientJava).readNamespacedDeployment("x", "ns1").execute());
    assertThat(e.getCode()).isEqualTo(404);
    assertThat(e.getResponseBody())
        .contains("\"message\":\"deployments.apps \\\"x\\\" not found\"");
    assertThat(e.getResponseBody())
        .contains("\"group\":\"apps\"")
        .contains("\"kind\":\"deployments\"");
    assertThat(k.fabric8.apps().deployments().inNamespace("ns1").withName("x").get()).isNull();
  }
}
