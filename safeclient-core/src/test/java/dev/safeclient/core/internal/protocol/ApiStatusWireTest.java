package dev.safeclient.core.internal.protocol;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.POD_LIST;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static dev.safeclient.model.testing.ScriptedApiServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How error answers are read, where the pipeline and the informer once read them apart and
 * differently: now as the apiserver writes them, asserted on the wire.
 */
class ApiStatusWireTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final ScriptedApiServer script = ScriptedApiServer.dispatcher(clock);

  @BeforeEach
  void setUp() {
    server.setDispatcher(script);
  }

  private SafeClient client() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    // 1.30: consistent lists are read from etcd, so SC101 rewrites a busy resource's.
    return SafeClient.builder(base)
        .serverVersion("1.30")
        .userAgent("status-test/1.0")
        .qps(1000)
        .burst(1000)
        .listCostPerSecond(1000)
        .callTimeout(Duration.ofSeconds(10))
        .clock(clock)
        .build();
  }

  private CoreV1Api busyPods() {
    SafeClient client = client();
    ClientInternals.of(client).resourceActivity().changed("pods");
    return new CoreV1Api(client.apiClient());
  }

  private List<String> targets() {
    return script.all().stream().map(s -> s.request().getTarget()).toList();
  }

  @Test
  void theApiserversOwnWordingOfALaggingCacheSendsTheCallersOwnList() throws Exception {
    // storage.NewTooLargeResourceVersionError's message, its details dropped (by a proxy).
    script
        .then(ok(POD_LIST))
        .then(
            status(504, "Timeout", "Too large resource version: 10, current: 9", null, null, false))
        .then(ok(POD_LIST));

    busyPods().listNamespacedPod("default").execute();

    assertThat(targets())
        .containsExactly(
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?resourceVersion=9&resourceVersionMatch=NotOlderThan",
            "/api/v1/namespaces/default/pods");
  }

  @Test
  void aTimeoutInOtherWordsIsATimeoutNotALaggingCache() {
    // The apiserver writes "Too large resource version" with a capital T and matches its cause,
    // never the message's case (storage.IsTooLargeResourceVersion). The pipeline once lower-cased
    // the message and the informer did not; this is a plain 504 Timeout, handed back as it is.
    script
        .then(ok(POD_LIST))
        .then(
            status(504, "Timeout", "too large resource version, said a proxy", null, null, false));

    ApiException e =
        catchThrowableOfType(
            ApiException.class, () -> busyPods().listNamespacedPod("default").execute());

    assertThat(e.getCode()).isEqualTo(504);
    assertThat(targets())
        .containsExactly(
            "/api/v1/namespaces/default/pods?limit=1",
            "/api/v1/namespaces/default/pods?resourceVersion=9&resourceVersionMatch=NotOlderThan");
  }

  @Test
  void aRepeatedRetryAfterIsReadByItsFirstValueAsGoReadsIt() throws Exception {
    // The apiserver sets one Retry-After; where a proxy adds a second, client-go's Header.Get
    // reads the first. OkHttp's header() would read the last.
    script
        .then(
            new MockResponse.Builder()
                .code(429)
                .addHeader("Content-Type", "application/json")
                .addHeader("Retry-After", "2")
                .addHeader("Retry-After", "30")
                .addHeader("X-Kubernetes-PF-FlowSchema-UID", "fs-uid-1")
                .addHeader("X-Kubernetes-PF-PriorityLevel-UID", "pl-uid-1")
                .body("{\"kind\":\"Status\",\"code\":429,\"reason\":\"TooManyRequests\"}")
                .build())
        .then(ok(POD));

    new CoreV1Api(client().apiClient()).readNamespacedPod("p1", "default").execute();

    List<ScriptedApiServer.Seen> seen = script.all();
    assertThat(seen).hasSize(2);
    assertThat(Duration.ofNanos(seen.get(1).atNanos() - seen.get(0).atNanos()))
        .isBetween(Duration.ofSeconds(2), Duration.ofMillis(2_100));
  }

  @Test
  void anErrorBodyLongerThanWhatIsPeekedReachesTheCallerWhole() {
    // A 429 is read by the retry and breaker links (64 KiB peeked); the caller of the generated
    // API still gets every byte, as client-java reads it.
    String message = "x".repeat((int) (3 * ApiStatus.PEEK_BYTES));
    String body =
        "{\"kind\":\"Status\",\"code\":429,\"reason\":\"TooManyRequests\",\"message\":\""
            + message
            + "\"}";
    script.then(
        new MockResponse.Builder()
            .code(429)
            .addHeader("Content-Type", "application/json")
            .body(body)
            .build());

    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () -> new CoreV1Api(client().apiClient()).readNamespacedPod("p1", "default").execute());

    assertThat(e.getCode()).isEqualTo(429);
    assertThat(e.getResponseBody()).isEqualTo(body);
    assertThat(script.count()).isEqualTo(1);
  }
}
