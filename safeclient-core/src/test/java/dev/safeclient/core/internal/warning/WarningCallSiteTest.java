package dev.safeclient.core.internal.warning;

import static dev.safeclient.core.ApiServerReplies.podList;
import static dev.safeclient.core.ApiServerReplies.safeClient;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.util.List;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/**
 * Through the real generated API and OkHttp: the call site and the rate limit as users see them.
 */
class WarningCallSiteTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();

  @Test
  void theCallSitePointsAtTheMethodThatCalledTheGeneratedApi() throws Exception {
    server.enqueue(podList("1", null));
    SafeClient client = safeClient(server, SafetyMode.OBSERVE, warnings).build();

    new CoreV1Api(client.apiClient())
        .listNamespacedPod("default")
        .fieldSelector("status.phase=Failed")
        .resourceVersion("0")
        .execute();

    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0).callSite())
        .startsWith(
            WarningCallSiteTest.class.getName()
                + ".theCallSitePointsAtTheMethodThatCalledTheGeneratedApi(WarningCallSiteTest.java:");
  }

  @Test
  void aLoopOfUnsafeCallsWarnsOncePerInterval() throws Exception {
    SafeClient client = safeClient(server, SafetyMode.OBSERVE, warnings).build();
    CoreV1Api core = new CoreV1Api(client.apiClient());
    for (int i = 0; i < 20; i++) {
      server.enqueue(podList("1", null));
      core.listNamespacedPod("ns-" + i)
          .fieldSelector("status.phase=Failed")
          .resourceVersion("0")
          .execute();
    }

    assertThat(server.getRequestCount()).isEqualTo(20);
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC109");
  }
}
