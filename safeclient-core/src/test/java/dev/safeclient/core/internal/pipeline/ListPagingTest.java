package dev.safeclient.core.internal.pipeline;

import static dev.safeclient.core.ApiServerReplies.podList;
import static dev.safeclient.core.ApiServerReplies.podListJson;
import static dev.safeclient.core.ApiServerReplies.safeClient;
import static dev.safeclient.core.ApiServerReplies.status;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1PodList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** SC102: consistent lists paged on the wire and handed back whole. */
class ListPagingTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();

  private SafeClient client(SafetyMode mode, int pageSize) {
    return safeClient(server, mode, warnings).listPageSize(pageSize).build();
  }

  private CoreV1Api consistent(SafetyMode mode, int pageSize) {
    return new CoreV1Api(client(mode, pageSize).consistentApiClient());
  }

  @Test
  void pagesAreMergedInOrderUnderTheFirstPagesMetadata() throws Exception {
    server.enqueue(podList("100", "c1", "a", "b"));
    server.enqueue(podList("100", "c2", "c", "d"));
    server.enqueue(podList("100", null, "e"));

    V1PodList list =
        consistent(SafetyMode.ENFORCE, 2)
            .listNamespacedPod("default")
            .labelSelector("app=web")
            .execute();

    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b", "c", "d", "e");
    assertThat(list.getMetadata().getResourceVersion()).isEqualTo("100");
    assertThat(list.getMetadata().getContinue()).isNull();
    assertThat(list.getMetadata().getRemainingItemCount()).isNull();
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2&continue=c1");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2&continue=c2");
    assertThat(warnings).isEmpty();
  }

  @Test
  void theMergedBodyIsTheUnpagedListExactly() throws Exception {
    server.enqueue(podList("100", "c1", "a"));
    server.enqueue(podList("100", null, "b"));

    try (Response r =
        consistent(SafetyMode.ENFORCE, 1).listNamespacedPod("default").buildCall(null).execute()) {
      JsonObject merged = JsonParser.parseString(r.body().string()).getAsJsonObject();
      assertThat(merged)
          .isEqualTo(JsonParser.parseString(podListJson("100", null, "a", "b")).getAsJsonObject());
    }
  }

  @Test
  void anExpiredContinueOnPageThreeRestartsFromTheTop() throws Exception {
    server.enqueue(podList("100", "c1", "a"));
    server.enqueue(podList("100", "c2", "b"));
    server.enqueue(status(410, "Expired", "The provided continue parameter is too old", null));
    server.enqueue(podList("200", "d1", "a"));
    server.enqueue(podList("200", "d2", "b"));
    server.enqueue(podList("200", null, "c"));

    V1PodList list = consistent(SafetyMode.ENFORCE, 1).listPodForAllNamespaces().execute();

    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b", "c");
    assertThat(list.getMetadata().getResourceVersion()).isEqualTo("200");
    List<String> targets = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      targets.add(server.takeRequest().getTarget());
    }
    assertThat(targets)
        .containsExactly(
            "/api/v1/pods?limit=1",
            "/api/v1/pods?limit=1&continue=c1",
            "/api/v1/pods?limit=1&continue=c2",
            "/api/v1/pods?limit=1",
            "/api/v1/pods?limit=1&continue=d1",
            "/api/v1/pods?limit=1&continue=d2");
  }

  @Test
  void aContinueThatKeepsExpiringEndsWithTheCallersOwnUnpagedRequest() throws Exception {
    for (int attempt = 0; attempt < 4; attempt++) {
      server.enqueue(podList("100", "c" + attempt, "a"));
      server.enqueue(status(410, "Expired", "too old", null));
    }
    server.enqueue(podList("101", null, "a", "b"));

    V1PodList list = consistent(SafetyMode.ENFORCE, 1).listPodForAllNamespaces().execute();

    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b");
    assertThat(server.getRequestCount()).isEqualTo(9);
    for (int i = 0; i < 8; i++) {
      server.takeRequest();
    }
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
  }

  @Test
  void aContinueTokenThatNeverEndsIsBoundedThenTheCallersOwnRequestGoesOut() throws Exception {
    AtomicInteger pages = new AtomicInteger();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getUrl().queryParameter("limit") == null) {
              return podList("1", null, "a", "b");
            }
            return podList("1", "token-" + pages.incrementAndGet(), "p");
          }
        });
    // A page of 250k objects: the bound of a million objects is reached after 4 pages.
    V1PodList list = consistent(SafetyMode.ENFORCE, 250_000).listPodForAllNamespaces().execute();

    assertThat(pages.get()).isEqualTo(4);
    assertThat(server.getRequestCount()).isEqualTo(5);
    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b");
  }

  @Test
  void aRepeatedContinueTokenStopsAtOnceAndSendsTheCallersOwnRequest() throws Exception {
    server.enqueue(podList("1", "same", "a"));
    server.enqueue(podList("1", "same", "b"));
    server.enqueue(podList("1", null, "a", "b", "c"));

    V1PodList list = consistent(SafetyMode.ENFORCE, 1).listPodForAllNamespaces().execute();

    assertThat(list.getItems()).hasSize(3);
    assertThat(server.getRequestCount()).isEqualTo(3);
    server.takeRequest();
    server.takeRequest();
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
  }

  @Test
  void anErrorPageSendsTheCallersOwnRequestWhoseErrorReachesTheCaller() throws Exception {
    server.enqueue(podList("1", "c1", "a"));
    server.enqueue(status(500, "InternalError", "etcdserver: request timed out", null));
    server.enqueue(status(500, "InternalError", "etcdserver: request timed out", null));

    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () -> consistent(SafetyMode.ENFORCE, 1).listPodForAllNamespaces().execute());

    assertThat(e.getCode()).isEqualTo(500);
    assertThat(e.getResponseBody()).contains("etcdserver: request timed out");
    assertThat(server.getRequestCount()).isEqualTo(3);
    server.takeRequest();
    server.takeRequest();
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
  }

  @Test
  void aMalformedPageIsNeverAPartialList() throws Exception {
    server.enqueue(podList("1", "c1", "a"));
    server.enqueue(
        dev.safeclient.core.ApiServerReplies.json(200, "{\"kind\":\"PodList\",\"items\":[{\"meta"));
    server.enqueue(podList("2", null, "a", "b"));

    V1PodList list = consistent(SafetyMode.ENFORCE, 1).listPodForAllNamespaces().execute();

    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b");
    assertThat(server.getRequestCount()).isEqualTo(3);
    server.takeRequest();
    server.takeRequest();
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
  }

  /** A later page that is a Status, not a list (a proxy answering 200), is never merged as none. */
  @Test
  void aLaterPageThatIsNotAListSendsTheCallersOwnRequest() throws Exception {
    server.enqueue(podList("1", "c1", "a"));
    server.enqueue(
        dev.safeclient.core.ApiServerReplies.json(
            200,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                + "\"status\":\"Failure\",\"code\":410}"));
    server.enqueue(podList("2", null, "a", "b"));

    V1PodList list = consistent(SafetyMode.ENFORCE, 1).listPodForAllNamespaces().execute();

    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1&continue=c1");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void strictPagesAsEnforceDoes() throws Exception {
    server.enqueue(podList("1", "c1", "a"));
    server.enqueue(podList("1", null, "b"));

    V1PodList list = consistent(SafetyMode.STRICT, 1).listPodForAllNamespaces().execute();

    assertThat(list.getItems()).hasSize(2);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void observeSendsItUnpagedAndWarns() throws Exception {
    server.enqueue(podList("1", null, "a"));

    consistent(SafetyMode.OBSERVE, 1).listPodForAllNamespaces().execute();

    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC102");
  }

  @Test
  void apiClientIsPagedWhenSc101IsOnlyObserved() throws Exception {
    server.enqueue(podList("1", "c1", "a"));
    server.enqueue(podList("1", null, "b"));
    SafeClient client =
        safeClient(server, SafetyMode.ENFORCE, warnings)
            .ruleMode("SC101", SafetyMode.OBSERVE)
            .listPageSize(1)
            .build();

    new CoreV1Api(client.apiClient()).listPodForAllNamespaces().execute();

    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1&continue=c1");
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC101");
  }
}
