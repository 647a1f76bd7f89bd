package dev.safeclient.core.internal.json;

import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.WrongKindException;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A body of another kind than asked for is a typed error on every JSON decode path. */
class WrongKindTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final ScriptedApiServer script = ScriptedApiServer.dispatcher(clock);

  static final String CONFIG_MAP =
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\","
          + "\"namespace\":\"default\",\"resourceVersion\":\"7\"}}";
  static final String CONFIG_MAP_LIST =
      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMapList\",\"metadata\":{\"resourceVersion\":\"9\"},"
          + "\"items\":[{\"metadata\":{\"name\":\"cm\"}}]}";

  SafeClient safe;

  @BeforeEach
  void setUp() {
    server.setDispatcher(script);
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    safe =
        SafeClient.builder(base)
            .serverVersion("1.30")
            .userAgent("wrong-kind-test/1.0")
            .clock(clock)
            .protobuf(false)
            .build();
  }

  @Test
  void aGetOfAPodAnsweredWithAConfigMapFails() {
    script.otherwise(r -> ok(CONFIG_MAP));

    assertThatThrownBy(
            () -> new CoreV1Api(safe.apiClient()).readNamespacedPod("p1", "default").execute())
        .isInstanceOfSatisfying(
            WrongKindException.class,
            e -> {
              assertThat(e.expectedKind()).isEqualTo("Pod");
              assertThat(e.kind()).isEqualTo("ConfigMap");
              assertThat(e.getCode()).isEqualTo(200);
              assertThat(e.getMessage()).contains("/api/v1/namespaces/default/pods/p1");
            });
  }

  @Test
  void everyListPathRejectsAConfigMapListForPods() {
    script.otherwise(r -> ok(CONFIG_MAP_LIST));
    CoreV1Api api = new CoreV1Api(safe.apiClient());
    ClientInternals.of(safe).resourceActivity().changed("pods");

    // As sent (a limit of its own), through SC101's probe and read, and through SC102's pager.
    assertThatThrownBy(() -> api.listNamespacedPod("default").limit(10).execute())
        .isInstanceOf(WrongKindException.class);
    assertThatThrownBy(() -> api.listNamespacedPod("default").execute())
        .isInstanceOf(WrongKindException.class);
    assertThatThrownBy(
            () -> new CoreV1Api(safe.consistentApiClient()).listNamespacedPod("default").execute())
        .isInstanceOfSatisfying(
            WrongKindException.class, e -> assertThat(e.kind()).isEqualTo("ConfigMapList"));
    assertThat(script.all())
        .extracting(s -> s.request().getTarget())
        .contains(
            "/api/v1/namespaces/default/pods?limit=10",
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?limit=500");
  }

  @Test
  void theRightKindAndBodiesWithoutKindStillDecode() throws Exception {
    script
        .then(ok("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\"}}"))
        .then(ok("{\"metadata\":{\"name\":\"p1\"}}"));
    CoreV1Api api = new CoreV1Api(safe.apiClient());

    assertThat(api.readNamespacedPod("p1", "default").execute().getMetadata().getName())
        .isEqualTo("p1");
    assertThat(api.readNamespacedPod("p1", "default").execute().getMetadata().getName())
        .isEqualTo("p1");
  }

  @Test
  void anotherVersionOfTheSameKindFails() {
    script.otherwise(
        r -> ok("{\"apiVersion\":\"apps/v1beta1\",\"kind\":\"Deployment\",\"metadata\":{}}"));

    assertThatThrownBy(
            () ->
                new io.kubernetes.client.openapi.apis.AppsV1Api(safe.apiClient())
                    .readNamespacedDeployment("d", "default")
                    .execute())
        .isInstanceOfSatisfying(
            WrongKindException.class, e -> assertThat(e.apiVersion()).isEqualTo("apps/v1beta1"));
  }
}
