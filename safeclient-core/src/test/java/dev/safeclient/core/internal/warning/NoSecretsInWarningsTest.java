package dev.safeclient.core.internal.warning;

import static dev.safeclient.core.ApiServerReplies.TOKEN;
import static dev.safeclient.core.ApiServerReplies.json;
import static dev.safeclient.core.ApiServerReplies.podList;
import static dev.safeclient.core.ApiServerReplies.safeClient;
import static dev.safeclient.core.ApiServerReplies.status;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/** Every rule that logs, fired with a bearer token on the client: the token appears nowhere. */
class NoSecretsInWarningsTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();

  @Test
  void noWarningLogLineOrExceptionContainsTheBearerToken() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream err = System.err;
    Throwable rejected;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      SafeClient enforce = safeClient(server, SafetyMode.ENFORCE, warnings).nodeName("n1").build();
      server.enqueue(podList("5", null, "a"));
      server.enqueue(json(200, podListBody(), b -> b.addHeader("Warning", "299 - \"deprecated\"")));
      new CoreV1Api(enforce.apiClient())
          .listPodForAllNamespaces()
          .fieldSelector("status.phase=Running")
          .execute();
      server.enqueue(status(500, "InternalError", "boom", null));
      catchThrowable(() -> new CoreV1Api(enforce.consistentApiClient()).listNode().execute());
      SafeClient strict = safeClient(server, SafetyMode.STRICT, warnings).nodeName("n1").build();
      rejected =
          catchThrowable(
              () ->
                  new CoreV1Api(strict.apiClient())
                      .listPodForAllNamespaces()
                      .watch(true)
                      .execute());
    } finally {
      System.setErr(err);
    }
    String log = captured.toString(StandardCharsets.UTF_8);

    assertThat(log).contains("SC101", "SC106", "SC109", "SC201", "SC104", "SC105");
    assertThat(warnings).extracting(SafetyWarning::ruleId).contains("SC101", "SC201", "SC104");
    assertThat(log).doesNotContain(TOKEN);
    assertThat(warnings).allSatisfy(w -> assertThat(w.toString()).doesNotContain(TOKEN));
    for (Throwable t = rejected; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain(TOKEN);
    }
  }

  private static String podListBody() {
    return dev.safeclient.core.ApiServerReplies.podListJson("5", null, "a");
  }
}
