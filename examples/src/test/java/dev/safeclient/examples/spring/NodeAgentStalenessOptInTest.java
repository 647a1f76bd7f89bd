package dev.safeclient.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With the documented opt-in, a stale cache takes the pod out of its Service. The threshold is
 * test-sized (2 s) through the test-only override; production accepts 3 min or more.
 */
@SpringBootTest(
    classes = NodeAgentApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "NODE_NAME=" + FakeApiServer.NODE,
      "safeclient.informer.start-jitter=0s",
      "safeclient.health.readiness.staleness-threshold=2s",
      "safeclient.health.readiness.allow-short-staleness-threshold-for-tests=true"
    })
@DirtiesContext
class NodeAgentStalenessOptInTest {
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

  @Test
  void readinessGoesOutOfServiceWhenStaleAndBackWhenTheServerReturns() throws Exception {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> probe("readiness").body().contains("\"bookmarkSeen\":true"));
    // Bookmarks every 200 ms keep it fresh: ready.
    await().atMost(Duration.ofSeconds(20)).until(() -> probe("readiness").statusCode() == 200);

    api.down = true;
    await().atMost(Duration.ofSeconds(30)).until(() -> probe("readiness").statusCode() == 503);
    HttpResponse<String> readiness = probe("readiness");
    assertThat(readiness.body()).contains("OUT_OF_SERVICE").contains("node-pods stale for");
    // Never liveness.
    assertThat(probe("liveness").statusCode()).isEqualTo(200);

    api.down = false;
    // The reflector's backoff is at most 60 s (30 s cap, full jitter); then bookmarks flow again.
    await().atMost(Duration.ofMinutes(2)).until(() -> probe("readiness").statusCode() == 200);
  }

  private HttpResponse<String> probe(String group) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/actuator/health/" + group))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
