package dev.safeclient.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The node agent, booted as in production from its application.yaml, against a fake API server:
 * what its declared informer sends on the wire, and that its readiness probe stays UP through an
 * API-server outage.
 */
@SpringBootTest(
    classes = NodeAgentApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "NODE_NAME=" + FakeApiServer.NODE,
      // Production keeps the 10 s DaemonSet start jitter; the test starts at once.
      "safeclient.informer.start-jitter=0s"
    })
@DirtiesContext
class NodeAgentApplicationTest {
  static final FakeApiServer api = new FakeApiServer();

  @DynamicPropertySource
  static void cluster(DynamicPropertyRegistry registry) {
    registry.add("safeclient.kubeconfig", () -> api.kubeconfig().toString());
  }

  /** Closes the fake server with the context, after the informers have stopped. */
  @TestConfiguration
  static class CloseServer {
    @Bean
    DisposableBean fakeApiServer() {
      return api::close;
    }
  }

  @LocalServerPort int port;
  @Autowired NodePods nodePods;

  @Test
  void theDeclaredInformerListsFromTheWatchCacheThenWatchesWithBookmarks() throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> !api.watches().isEmpty());

    RecordedRequest list = api.lists().get(0);
    HttpUrl url = list.getUrl();
    assertThat(url.encodedPath()).isEqualTo("/api/v1/pods");
    assertThat(url.queryParameter("resourceVersion")).isEqualTo("0");
    assertThat(url.queryParameter("limit")).isEqualTo("500");
    assertThat(url.queryParameter("fieldSelector")).isEqualTo("spec.nodeName=node-a");
    assertThat(list.getHeaders().get("User-Agent")).isEqualTo("node-agent");
    assertThat(list.getHeaders().get("Authorization")).isEqualTo("Bearer agent-token");

    HttpUrl watch = api.watches().get(0).getUrl();
    assertThat(watch.encodedPath()).isEqualTo("/api/v1/pods");
    assertThat(watch.queryParameter("allowWatchBookmarks")).isEqualTo("true");
    assertThat(watch.queryParameter("resourceVersion")).isEqualTo("100");
    assertThat(watch.queryParameter("fieldSelector")).isEqualTo("spec.nodeName=node-a");
    assertThat(Integer.parseInt(watch.queryParameter("timeoutSeconds"))).isBetween(300, 599);

    // Served from the informer's cache.
    assertThat(nodePods.pods()).containsExactly("default/agent-x");
    // No request leaves the node without the field selector.
    assertThat(api.requests())
        .allSatisfy(
            r ->
                assertThat(r.getUrl().queryParameter("fieldSelector"))
                    .isEqualTo("spec.nodeName=node-a"));
  }

  @Test
  void readinessStaysUpThroughAnApiServerOutage() throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> probe("readiness").statusCode() == 200);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> probe("readiness").body().contains("\"bookmarkSeen\":true"));

    api.down = true;
    try {
      int before = api.requests().size();
      // The outage is seen: the watch dropped, requests fail, and no event arrives for well over
      // what the opt-in test's threshold would call stale.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                String body = probe("readiness").body();
                return api.requests().size() > before + 1
                    && body.contains("\"watchConnected\":false")
                    && sinceLastEventSeconds(body) >= 3;
              });
      HttpResponse<String> readiness = probe("readiness");
      assertThat(readiness.statusCode()).isEqualTo(200);
      assertThat(readiness.body()).contains("\"status\":\"UP\"");
      assertThat(probe("liveness").statusCode()).isEqualTo(200);
      assertThat(probe("liveness").body()).doesNotContain("safeclientInformers");
      // The cache keeps serving what it had.
      assertThat(nodePods.pods()).containsExactly("default/agent-x");
    } finally {
      api.down = false;
    }
  }

  private HttpResponse<String> probe(String group) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/actuator/health/" + group))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** The node-pods informer's sinceLastEvent detail, in whole seconds; -1 when absent. */
  static long sinceLastEventSeconds(String body) {
    int at = body.indexOf("\"sinceLastEvent\":\"");
    if (at < 0) {
      return -1;
    }
    String iso = body.substring(at + 18, body.indexOf('"', at + 18));
    return Duration.parse(iso).toSeconds();
  }
}
