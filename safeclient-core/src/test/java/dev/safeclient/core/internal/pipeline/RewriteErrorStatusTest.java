package dev.safeclient.core.internal.pipeline;

import static dev.safeclient.core.ApiServerReplies.podList;
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
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.internal.protobuf.ProtoWriter;
import dev.safeclient.core.internal.protocol.ListChunks;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An error answered to SC101's read, to SC102's first page, or to the caller's own request sent
 * after a failed probe or page, reaches the caller as it does on the direct path: an {@link
 * ApiException} with the server's status code and its {@code Status} body, never code 0 without a
 * body.
 */
class RewriteErrorStatusTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final List<SafetyWarning> warnings = warnings();

  /** SC101 acts on a busy resource of a 1.30 server. */
  private CoreV1Api probing() {
    SafeClient client = safeClient(server, SafetyMode.ENFORCE, warnings).build();
    ClientInternals.of(client).resourceActivity().changed("pods");
    return new CoreV1Api(client.apiClient());
  }

  private CoreV1Api paging() {
    return new CoreV1Api(
        safeClient(server, SafetyMode.ENFORCE, warnings)
            .listPageSize(1)
            .build()
            .consistentApiClient());
  }

  private static ApiException failure(ThrowingList call) {
    return catchThrowableOfType(ApiException.class, call::run);
  }

  interface ThrowingList {
    void run() throws Exception;
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 500, 503})
  void whenTheCallersOwnRequestAfterAFailedProbeFailsTooTheCallerSeesItsStatus(int code)
      throws Exception {
    server.enqueue(status(code, "Failure" + code, "the probe met " + code, null));
    server.enqueue(status(code, "Failure" + code, "the caller's own list met " + code, null));

    ApiException e = failure(() -> probing().listNamespacedPod("default").execute());

    assertThat(e.getCode()).isEqualTo(code);
    assertThat(e.getResponseBody())
        .contains("\"kind\":\"Status\"")
        .contains("the caller's own list met " + code);
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?limit=1");
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/namespaces/default/pods");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void a404AnsweredToTheProbeReachesTheCallerWithItsStatus() throws Exception {
    server.enqueue(status(404, "NotFound", "the probe met 404", null));

    ApiException e = failure(() -> probing().listNamespacedPod("default").execute());

    assertThat(e.getCode()).isEqualTo(404);
    assertThat(e.getResponseBody()).contains("\"kind\":\"Status\"").contains("the probe met 404");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?limit=1");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 403})
  void whenTheCallersOwnRequestAfterAForbiddenProbeFailsTooTheCallerSeesItsStatus(int code)
      throws Exception {
    server.enqueue(status(code, "Refused", "the probe is refused", null));
    server.enqueue(status(code, "Refused", "the caller's own list is refused", null));

    ApiException e =
        failure(
            () ->
                probing()
                    .listNamespacedPod("default")
                    .fieldSelector("spec.nodeName=node-1")
                    .execute());

    assertThat(e.getCode()).isEqualTo(code);
    assertThat(e.getResponseBody()).contains("the caller's own list is refused");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?limit=1");
    assertThat(server.takeRequest().getTarget())
        .isEqualTo("/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dnode-1");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void anErrorAnsweredToTheCacheReadReachesTheCallerWithItsStatus() throws Exception {
    server.enqueue(podList("900", null, "a"));
    server.enqueue(status(500, "InternalError", "the cache read failed", null));

    ApiException e = failure(() -> probing().listNamespacedPod("default").execute());

    assertThat(e.getCode()).isEqualTo(500);
    assertThat(e.getResponseBody()).contains("the cache read failed");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void anErrorAnsweredToTheFallbackAfterALaggingCacheReachesTheCallerWithItsStatus()
      throws Exception {
    server.enqueue(podList("900", null, "a"));
    server.enqueue(status(504, "Timeout", "Too large resource version", "ResourceVersionTooLarge"));
    server.enqueue(status(403, "Forbidden", "the caller's own list is forbidden", null));

    ApiException e = failure(() -> probing().listNamespacedPod("default").execute());

    assertThat(e.getCode()).isEqualTo(403);
    assertThat(e.getResponseBody()).contains("the caller's own list is forbidden");
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(ints = {403, 404, 500})
  void anErrorAnsweredToTheFirstPageReachesTheCallerWithItsStatus(int code) throws Exception {
    server.enqueue(status(code, "Failure" + code, "the first page met " + code, null));

    ApiException e = failure(() -> paging().listPodForAllNamespaces().execute());

    assertThat(e.getCode()).isEqualTo(code);
    assertThat(e.getResponseBody()).contains("the first page met " + code);
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void afterTheBoundedRestartsTheCallersOwnRequestGoesOutAndItsErrorKeepsItsStatus()
      throws Exception {
    for (int attempt = 0; attempt <= ListChunks.MAX_RESTARTS; attempt++) {
      server.enqueue(podList("100", "c" + attempt, "a"));
      server.enqueue(
          status(410, "Expired", "The provided continue parameter is too old " + attempt, null));
    }
    server.enqueue(status(500, "InternalError", "etcd is unhappy after the pages", null));

    ApiException e = failure(() -> paging().listPodForAllNamespaces().execute());

    assertThat(e.getCode()).isEqualTo(500);
    assertThat(e.getResponseBody())
        .contains("\"reason\":\"InternalError\"")
        .contains("etcd is unhappy after the pages");
    for (int attempt = 0; attempt <= ListChunks.MAX_RESTARTS; attempt++) {
      assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods?limit=1");
      assertThat(server.takeRequest().getTarget())
          .isEqualTo("/api/v1/pods?limit=1&continue=c" + attempt);
    }
    assertThat(server.takeRequest().getTarget()).isEqualTo("/api/v1/pods");
    assertThat(server.getRequestCount()).isEqualTo(2 * (ListChunks.MAX_RESTARTS + 1) + 1);
  }

  /** A real server answers an error in the format asked for: a Protobuf Status. */
  private static MockResponse protobufStatus(int code, String reason, String message) {
    byte[] status =
        ProtoWriter.envelope(
            "v1",
            "Status",
            ProtoWriter.message()
                .message(1, ProtoWriter.message())
                .string(2, "Failure")
                .string(3, message)
                .string(4, reason)
                .varint(6, code)
                .build());
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/vnd.kubernetes.protobuf")
        .body(new Buffer().write(status))
        .build();
  }

  /** A Protobuf PodList page with one pod, as a server that negotiated Protobuf sends it. */
  private static MockResponse protobufPage(String resourceVersion, String continueToken) {
    byte[] list =
        ProtoWriter.envelope(
            "v1",
            "PodList",
            ProtoWriter.message()
                .message(
                    1, ProtoWriter.message().string(2, resourceVersion).string(3, continueToken))
                .message(
                    2,
                    ProtoWriter.message()
                        .message(1, ProtoWriter.message().string(1, "a").string(3, "default")))
                .build());
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/vnd.kubernetes.protobuf")
        .body(new Buffer().write(list))
        .build();
  }

  @Test
  void aProtobufStatusAnsweredToTheCallersOwnRequestAfterTheProbeReachesTheCallerAsJson()
      throws Exception {
    server.enqueue(protobufStatus(500, "InternalError", "etcd is unhappy with the probe"));
    server.enqueue(protobufStatus(500, "InternalError", "etcd is unhappy"));

    ApiException e = failure(() -> probing().listNamespacedPod("default").execute());

    assertThat(e.getCode()).isEqualTo(500);
    JsonObject body = JsonParser.parseString(e.getResponseBody()).getAsJsonObject();
    assertThat(body.get("reason").getAsString()).isEqualTo("InternalError");
    assertThat(body.get("message").getAsString()).isEqualTo("etcd is unhappy");
    assertThat(body.get("code").getAsInt()).isEqualTo(500);
  }

  @Test
  void aProtobufErrorOfTheCallersOwnRequestAfterThePagerGaveUpReachesTheCallerAsJson()
      throws Exception {
    for (int attempt = 0; attempt <= ListChunks.MAX_RESTARTS; attempt++) {
      server.enqueue(protobufPage("100", "c" + attempt));
      server.enqueue(protobufStatus(410, "Expired", "The provided continue parameter is too old"));
    }
    server.enqueue(protobufStatus(503, "ServiceUnavailable", "the apiserver is shutting down"));

    ApiException e = failure(() -> paging().listPodForAllNamespaces().execute());

    assertThat(e.getCode()).isEqualTo(503);
    JsonObject body = JsonParser.parseString(e.getResponseBody()).getAsJsonObject();
    assertThat(body.get("reason").getAsString()).isEqualTo("ServiceUnavailable");
    assertThat(body.get("code").getAsInt()).isEqualTo(503);
    assertThat(server.takeRequest().getHeaders().get("Accept"))
        .startsWith("application/vnd.kubernetes.protobuf");
    assertThat(server.getRequestCount()).isEqualTo(2 * (ListChunks.MAX_RESTARTS + 1) + 1);
  }
}
