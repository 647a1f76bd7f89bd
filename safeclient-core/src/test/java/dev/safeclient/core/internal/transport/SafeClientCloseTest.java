package dev.safeclient.core.internal.transport;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.io.IOException;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A SafeClient closes what it started, and nothing of the base client it shares. */
class SafeClientCloseTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final ScriptedApiServer script = ScriptedApiServer.dispatcher(clock);
  ApiClient base;

  @BeforeEach
  void setUp() {
    server.setDispatcher(script);
    script.otherwise(r -> ok(POD));
    base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
  }

  SafeClient safe() {
    return SafeClient.builder(base).userAgent("close-test/1.0").clock(clock).build();
  }

  @Test
  void closingOneClientLeavesTheBaseClientAndItsSiblingsWorking() throws Exception {
    int open = CallDeadlineInterceptor.openClients();
    SafeClient one = safe();
    SafeClient two = safe();
    assertThat(CallDeadlineInterceptor.openClients()).isEqualTo(open + 2);
    new CoreV1Api(one.apiClient()).readNamespacedPod("p1", "default").execute();
    assertThat(CallDeadlineInterceptor.sweeperRunning()).isTrue();

    one.close();
    one.close();

    assertThat(CallDeadlineInterceptor.openClients()).isEqualTo(open + 1);
    // The sibling shares the dispatcher and the pool: both still work, and so does the base.
    assertThat(new CoreV1Api(two.apiClient()).readNamespacedPod("p1", "default").execute())
        .isNotNull();
    assertThat(CallDeadlineInterceptor.sweeperRunning()).isTrue();
    try (Response r =
        base.getHttpClient()
            .newCall(
                new Request.Builder().url(server.url("/api/v1/namespaces/default/pods/p1")).build())
            .execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(base.getHttpClient().dispatcher().executorService().isShutdown()).isFalse();
    assertThat(script.count()).isEqualTo(3);

    // A closed client sends nothing.
    assertThatThrownBy(
            () -> new CoreV1Api(one.apiClient()).readNamespacedPod("p1", "default").execute())
        .isInstanceOf(ApiException.class)
        .hasRootCauseInstanceOf(IOException.class)
        .hasMessageContaining("closed");
    assertThat(script.count()).isEqualTo(3);

    two.close();
    assertThat(CallDeadlineInterceptor.openClients()).isEqualTo(open);
    if (open == 0) {
      // The last open client in this JVM: the sweeper thread is gone.
      assertThat(CallDeadlineInterceptor.sweeperRunning()).isFalse();
      assertThat(Thread.getAllStackTraces().keySet())
          .noneMatch(t -> t.getName().equals(CallDeadlineInterceptor.SWEEPER_THREAD));
    }
  }
}
