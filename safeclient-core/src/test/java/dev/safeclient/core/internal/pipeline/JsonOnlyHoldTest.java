package dev.safeclient.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import java.time.Duration;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/**
 * A group/version that once answered a Protobuf request in JSON (a proxy, an aggregated API) is
 * asked for JSON for an hour on the client's clock, not for the life of the client.
 */
class JsonOnlyHoldTest {
  private static final String PROTOBUF_FIRST = ProtobufNegotiationInterceptor.PROTOBUF_FIRST;

  @StartStop final MockWebServer server = new MockWebServer();
  private final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();

  @Test
  void aJsonAnswerHoldsTheGroupVersionInJsonForAnHourThenProtobufAgain() throws Exception {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json")
                .body(
                    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                        + "\"metadata\":{\"name\":\"d\"}}")
                .build();
          }
        });
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    SafeClient safe =
        SafeClient.builder(base)
            .mode(SafetyMode.ENFORCE)
            .serverVersion("1.30")
            .userAgent("json-only-hold-test/1")
            .clock(clock)
            .build();
    AppsV1Api apps = new AppsV1Api(safe.apiClient());

    apps.readNamespacedDeployment("d", "default").execute();
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
    apps.readNamespacedDeployment("d", "default").execute();
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
    clock.advance(Duration.ofMinutes(59));
    apps.readNamespacedDeployment("d", "default").execute();
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
    clock.advance(Duration.ofMinutes(2));
    apps.readNamespacedDeployment("d", "default").execute();
    assertThat(server.takeRequest().getHeaders().get("Accept")).isEqualTo(PROTOBUF_FIRST);
  }
}
