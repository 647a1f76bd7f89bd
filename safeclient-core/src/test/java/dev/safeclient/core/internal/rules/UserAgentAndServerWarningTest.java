package dev.safeclient.core.internal.rules;

import static dev.safeclient.core.ApiServerReplies.baseClient;
import static dev.safeclient.core.ApiServerReplies.json;
import static dev.safeclient.core.ApiServerReplies.pod;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.ApiServerReplies;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.util.List;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SC108 at build time and SC201's relay, in each mode. */
class UserAgentAndServerWarningTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();

  @ParameterizedTest
  @EnumSource(SafetyMode.class)
  void sc108FiresOnceAtBuildAndABetterUserAgentIsSent(SafetyMode mode) throws Exception {
    SafeClient client =
        SafeClient.builder(baseClient(server))
            .mode(mode)
            .warningListener(ApiServerReplies.exceptSc103(warnings))
            .build();
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC108");
    assertThat(warnings.get(0).callSite())
        .startsWith(getClass().getName() + ".sc108FiresOnceAtBuildAndABetterUserAgentIsSent(");

    server.enqueue(pod("p1"));
    server.enqueue(pod("p1"));
    CoreV1Api core = new CoreV1Api(client.apiClient());
    core.readNamespacedPod("p1", "default").execute();
    core.readNamespacedPod("p1", "default").execute();

    String userAgent = server.takeRequest().getHeaders().get("User-Agent");
    assertThat(userAgent).endsWith(") safeclient").doesNotStartWith("Kubernetes Java Client");
    assertThat(warnings).hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(SafetyMode.class)
  void sc108IsQuietWithAUserAgentOfTheCallersOrTheBaseClients(SafetyMode mode) throws Exception {
    SafeClient.builder(baseClient(server))
        .mode(mode)
        .userAgent("agent/2")
        .warningListener(ApiServerReplies.exceptSc103(warnings))
        .build();
    ApiClient own = baseClient(server);
    own.setUserAgent("my-operator/3.1");
    SafeClient kept =
        SafeClient.builder(own)
            .mode(mode)
            .warningListener(ApiServerReplies.exceptSc103(warnings))
            .build();
    server.enqueue(pod("p1"));

    new CoreV1Api(kept.apiClient()).readNamespacedPod("p1", "default").execute();

    assertThat(warnings).isEmpty();
    assertThat(server.takeRequest().getHeaders().get("User-Agent")).isEqualTo("my-operator/3.1");
  }

  @ParameterizedTest
  @EnumSource(SafetyMode.class)
  void sc201RelaysTheServersWarningHeaders(SafetyMode mode) throws Exception {
    server.enqueue(
        json(
            200,
            "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p1\"}}",
            b ->
                b.addHeader("Warning", "299 - \"policy/v1beta1 PodSecurityPolicy is deprecated\"")
                    .addHeader("Warning", "299 - \"unknown field \\\"spec.foo\\\"\"")));
    SafeClient client =
        SafeClient.builder(baseClient(server))
            .mode(mode)
            .userAgent("t/1")
            .warningListener(ApiServerReplies.exceptSc103(warnings))
            .build();

    new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "default").execute();

    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC201");
    assertThat(warnings.get(0).message())
        .isEqualTo("server warning: policy/v1beta1 PodSecurityPolicy is deprecated");
    assertThat(warnings.get(0).request()).isEqualTo("GET /api/v1/namespaces/default/pods/p1");
  }
}
