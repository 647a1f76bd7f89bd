package dev.safeclient.core.internal.rules;

import static dev.safeclient.core.ApiServerReplies.podList;
import static dev.safeclient.core.ApiServerReplies.safeClient;
import static dev.safeclient.core.ApiServerReplies.warnings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safeclient.core.ApiServerReplies;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.UnsafeRequestException;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.io.IOException;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.Call;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SC104–SC107 and SC109 in each mode, on the wire through the generated API. */
class LintRulesTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();

  private SafeClient client(SafetyMode mode, String nodeName) {
    return safeClient(server, mode, warnings).nodeName(nodeName).build();
  }

  private static MockResponse emptyWatch() {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .body("")
        .build();
  }

  /** Sends a raw call as client-java's {@code Watch} does, closing the stream at once. */
  private static void send(Call call) throws IOException {
    try (Response ignored = call.execute()) {
      // the rules act before the response; its body is not needed
    }
  }

  /** Sends the request in OBSERVE/ENFORCE, or expects STRICT to reject it listing {@code ids}. */
  private void expect(SafetyMode mode, Call call, String target, String... ids) throws Exception {
    if (mode == SafetyMode.STRICT) {
      UnsafeRequestException e = catchThrowableOfType(UnsafeRequestException.class, call::execute);
      assertThat(e.ruleIds()).containsExactly(ids);
      assertThat(server.getRequestCount()).isZero();
    } else {
      send(call);
      assertThat(server.takeRequest().getTarget()).isEqualTo(target);
    }
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly(ids);
  }

  @ParameterizedTest
  @EnumSource(SafetyMode.class)
  void sc104WatchWithoutBookmarksOnlyWarnsUnlessStrict(SafetyMode mode) throws Exception {
    server.enqueue(emptyWatch());
    Call call =
        new CoreV1Api(client(mode, null).apiClient())
            .listNamespacedPod("default")
            .watch(true)
            .timeoutSeconds(420)
            .buildCall(null);

    expect(mode, call, "/api/v1/namespaces/default/pods?timeoutSeconds=420&watch=true", "SC104");
  }

  @ParameterizedTest
  @EnumSource(SafetyMode.class)
  void sc105WatchWithoutTimeoutOnlyWarnsUnlessStrict(SafetyMode mode) throws Exception {
    server.enqueue(emptyWatch());
    Call call =
        new CoreV1Api(client(mode, null).apiClient())
            .listNamespacedPod("default")
            .watch(true)
            .allowWatchBookmarks(true)
            .buildCall(null);

    expect(
        mode, call, "/api/v1/namespaces/default/pods?allowWatchBookmarks=true&watch=true", "SC105");
  }

  @ParameterizedTest
  @EnumSource(SafetyMode.class)
  void sc106NodeAgentWatchingAllPods(SafetyMode mode) throws Exception {
    server.enqueue(emptyWatch());
    Call call =
        new CoreV1Api(client(mode, "node-7").apiClient())
            .listPodForAllNamespaces()
            .watch(true)
            .allowWatchBookmarks(true)
            .timeoutSeconds(300)
            .buildCall(null);

    expect(
        mode, call, "/api/v1/pods?allowWatchBookmarks=true&timeoutSeconds=300&watch=true", "SC106");
    if (!warnings.isEmpty()) {
      assertThat(warnings.get(0).message()).contains("fieldSelector=spec.nodeName=node-7");
    }
  }

  @Test
  void sc106IsQuietForTheNodeScopedFormAndWithoutANodeName() throws Exception {
    server.enqueue(podList("1", null));
    server.enqueue(podList("1", null));
    new CoreV1Api(client(SafetyMode.STRICT, "node-7").apiClient())
        .listPodForAllNamespaces()
        .fieldSelector("spec.nodeName=node-7")
        .resourceVersion("0")
        .execute();
    new CoreV1Api(client(SafetyMode.STRICT, null).apiClient())
        .listPodForAllNamespaces()
        .resourceVersion("0")
        .execute();

    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-7&resourceVersion=0");
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(warnings).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(SafetyMode.class)
  void sc107TheFifthIdenticalListIsPollingAndOnlyWarns(SafetyMode mode) throws Exception {
    CoreV1Api core = new CoreV1Api(client(mode, null).apiClient());
    for (int i = 0; i < 5; i++) {
      server.enqueue(podList("9", null, "a"));
    }
    for (int i = 0; i < 4; i++) {
      core.listNamespacedPod("default").resourceVersion("0").execute();
    }
    assertThat(warnings).isEmpty();

    core.listNamespacedPod("default").resourceVersion("0").execute();

    assertThat(server.getRequestCount()).isEqualTo(5);
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC107");
    assertThat(warnings.get(0).request())
        .isEqualTo("GET /api/v1/namespaces/default/pods?resourceVersion=0");
  }

  @ParameterizedTest
  @EnumSource(SafetyMode.class)
  void sc109UnindexedFieldSelectorOnlyWarns(SafetyMode mode) throws Exception {
    server.enqueue(podList("9", null, "a"));

    new CoreV1Api(client(mode, null).apiClient())
        .listNamespacedPod("default")
        .fieldSelector("status.phase=Running,metadata.name=a")
        .resourceVersion("0")
        .execute();

    assertThat(server.takeRequest().getTarget())
        .isEqualTo(
            "/api/v1/namespaces/default/pods?fieldSelector=status.phase%3DRunning%2Cmetadata.name%3Da"
                + "&resourceVersion=0");
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC109");
    assertThat(warnings.get(0).message()).contains("status.phase=").doesNotContain("metadata.name");
  }

  @Test
  void sc109IsQuietForIndexedFields() throws Exception {
    server.enqueue(podList("9", null));
    server.enqueue(
        ApiServerReplies.json(
            200,
            "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"resourceVersion\":\"9\"},\"items\":[]}"));
    CoreV1Api core = new CoreV1Api(client(SafetyMode.ENFORCE, null).apiClient());

    core.listPodForAllNamespaces()
        .fieldSelector("spec.nodeName=n1,metadata.namespace=default")
        .resourceVersion("0")
        .execute();
    core.listNamespace().fieldSelector("metadata.name==kube-system").resourceVersion("0").execute();

    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(warnings).isEmpty();
  }

  @Test
  void strictListsEveryRuleThatFiredInCatalogueOrder() throws Exception {
    Call call =
        new CoreV1Api(client(SafetyMode.STRICT, "node-1").apiClient())
            .listPodForAllNamespaces()
            .fieldSelector("status.phase=Pending")
            .buildCall(null);

    UnsafeRequestException e = catchThrowableOfType(UnsafeRequestException.class, call::execute);

    assertThat(e.ruleIds()).containsExactly("SC101", "SC106", "SC109");
    assertThat(e.ruleId()).isEqualTo("SC101");
    assertThat(e.getMessage()).contains("SC101 ", "SC106 ", "SC109 ", "GET /api/v1/pods?");
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void strictReachesAGeneratedApiCallerAsApiExceptionCausedByTheRejection() {
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                new CoreV1Api(client(SafetyMode.STRICT, "node-1").apiClient())
                    .listPodForAllNamespaces()
                    .watch(true)
                    .execute());

    assertThat(e.getCause()).isInstanceOf(UnsafeRequestException.class);
    assertThat(((UnsafeRequestException) e.getCause()).ruleIds())
        .containsExactly("SC104", "SC105", "SC106");
  }

  @Test
  void aRuleModeOverridesTheClientsMode() throws Exception {
    server.enqueue(emptyWatch());
    SafeClient client =
        safeClient(server, SafetyMode.STRICT, warnings)
            .nodeName("node-1")
            .ruleMode("SC106", SafetyMode.OBSERVE)
            .build();

    send(
        new CoreV1Api(client.apiClient())
            .listPodForAllNamespaces()
            .watch(true)
            .allowWatchBookmarks(true)
            .timeoutSeconds(333)
            .buildCall(null));

    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC106");
  }
}
