package dev.safeclient.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

class SafeApiClientTest {
  @StartStop final MockWebServer server = new MockWebServer();

  private ApiClient base() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    base.setApiKeyPrefix("Bearer");
    base.setApiKey("s3cret-token");
    return base;
  }

  @Test
  void generatedApiGoesThroughTheBaseClientsAuthAndOurUserAgent() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Type", "application/json")
            .body("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\"}}")
            .build());
    SafeClient client = SafeClient.builder(base()).userAgent("node-agent/1.0").build();

    V1Pod pod = new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "default").execute();

    assertThat(pod.getMetadata().getName()).isEqualTo("p1");
    RecordedRequest r = server.takeRequest();
    assertThat(r.getTarget()).isEqualTo("/api/v1/namespaces/default/pods/p1");
    assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer s3cret-token");
    assertThat(r.getHeaders().get("User-Agent")).isEqualTo("node-agent/1.0");
  }
}
