package dev.safeclient.core.internal.pipeline;

import static dev.safeclient.core.ApiServerReplies.json;
import static dev.safeclient.core.ApiServerReplies.podList;
import static dev.safeclient.core.ApiServerReplies.safeClient;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.reflect.TypeToken;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.util.Watch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/**
 * Up to 1.30, SC101 rewrites a consistent list only for a resource this process saw change. The
 * events of a watch through the safe client are such a sighting: after an ADDED, MODIFIED or
 * DELETED event the list is probed and read from the watch cache; after bookmarks only, or no watch
 * at all, the caller's own request goes out.
 */
class WatchEventsMakeBusyTest {
  @StartStop final MockWebServer server = new MockWebServer();
  private final VirtualTimeSource pacing = VirtualTimeSource.autoAdvancing();

  private SafeClient client() {
    return safeClient(server, SafetyMode.ENFORCE, warnings()).clock(pacing).build();
  }

  private static String event(String type, String name, String rv) {
    return "{\"type\":\""
        + type
        + "\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\"default\",\"resourceVersion\":\""
        + rv
        + "\"}}}\n";
  }

  /** Reads the whole watch through the safe client, as an informer's reflector does. */
  private static List<String> watch(SafeClient client) throws Exception {
    return watch(client, "40");
  }

  private static List<String> watch(SafeClient client, String resourceVersion) throws Exception {
    CoreV1Api api = new CoreV1Api(client.apiClient());
    List<String> seen = new ArrayList<>();
    try (Watch<V1Pod> w =
        Watch.createWatch(
            client.apiClient(),
            api.listNamespacedPod("default")
                .resourceVersion(resourceVersion)
                .allowWatchBookmarks(true)
                .timeoutSeconds(300)
                .watch(true)
                .buildCall(null),
            new TypeToken<Watch.Response<V1Pod>>() {}.getType())) {
      for (Watch.Response<V1Pod> e : w) {
        seen.add(e.type);
      }
    }
    return seen;
  }

  @Test
  void withoutAnyEventTheCallersOwnListGoesOut() throws Exception {
    server.enqueue(podList("41", null, "a"));

    new CoreV1Api(client().apiClient()).listNamespacedPod("default").execute();

    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/namespaces/default/pods");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void anEventSeenThroughTheSafeClientsWatchMakesTheListRewritten() throws Exception {
    server.enqueue(json(200, event("BOOKMARK", "", "41") + event("MODIFIED", "a", "42")));
    server.enqueue(podList("42", "probe-continue", "a"));
    server.enqueue(podList("42", null, "a"));
    SafeClient client = client();

    assertThat(watch(client)).containsExactly("BOOKMARK", "MODIFIED");
    new CoreV1Api(client.apiClient()).listNamespacedPod("default").execute();

    assertThat(server.takeRequest().getUrl().queryParameter("watch")).isEqualTo("true");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?limit=1");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo(
            "/api/v1/namespaces/default/pods?resourceVersion=42&resourceVersionMatch=NotOlderThan");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void aWatchFromRv0StartsWithTheCurrentStateWhichIsNoRecentChange() throws Exception {
    server.enqueue(json(200, event("ADDED", "a", "12") + event("ADDED", "b", "7")));
    server.enqueue(podList("45", null, "a", "b"));
    SafeClient client = client();

    assertThat(watch(client, "0")).containsExactly("ADDED", "ADDED");
    new CoreV1Api(client.apiClient()).listNamespacedPod("default").execute();

    server.takeRequest();
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/namespaces/default/pods");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void bookmarksAloneAreNoChangeAndTheEventIsForgottenAfterTheCacheWait() throws Exception {
    server.enqueue(json(200, event("BOOKMARK", "", "41") + event("BOOKMARK", "", "45")));
    server.enqueue(podList("45", null, "a"));
    server.enqueue(json(200, event("DELETED", "a", "46")));
    server.enqueue(podList("46", null));
    SafeClient client = client();
    CoreV1Api api = new CoreV1Api(client.apiClient());

    assertThat(watch(client)).containsExactly("BOOKMARK", "BOOKMARK");
    api.listNamespacedPod("default").execute();
    assertThat(watch(client)).containsExactly("DELETED");
    // A change seen longer ago than the cache's wait (3 s) no longer makes the resource busy.
    pacing.advance(Duration.ofSeconds(4));
    api.listNamespacedPod("default").execute();

    server.takeRequest(); // the watch
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/namespaces/default/pods");
    server.takeRequest(); // the second watch
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/namespaces/default/pods");
    assertThat(server.getRequestCount()).isEqualTo(4);
  }
}
