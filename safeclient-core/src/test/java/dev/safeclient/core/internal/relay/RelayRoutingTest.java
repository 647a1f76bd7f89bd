package dev.safeclient.core.internal.relay;

import static dev.safeclient.core.ApiServerReplies.TOKEN;
import static dev.safeclient.core.ApiServerReplies.baseClient;
import static dev.safeclient.core.ApiServerReplies.json;
import static dev.safeclient.core.ApiServerReplies.pod;
import static dev.safeclient.core.ApiServerReplies.podList;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.reflect.TypeToken;
import dev.safeclient.core.BudgetExhaustedException;
import dev.safeclient.core.RelayRoute;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.internal.chain.Link;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.util.Watch;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.Call;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client with a relay: on the wire, which server each request reaches, with which credential,
 * trusting which CA.
 */
class RelayRoutingTest {
  @StartStop final MockWebServer apiServer = new MockWebServer();
  final MockWebServer relay = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.manual();
  final HeldCertificate relayCa = new HeldCertificate.Builder().certificateAuthority(0).build();
  @TempDir Path dir;
  Path tokenFile;
  final List<SafeClient> clients = new ArrayList<>();

  @BeforeEach
  void relayWithTls() throws Exception {
    relay.useHttps(
        new HandshakeCertificates.Builder()
            .heldCertificate(serverCertificate(relayCa))
            .build()
            .sslSocketFactory());
    relay.start();
    tokenFile = dir.resolve("relay-token");
    Files.writeString(tokenFile, "relay-token-1\n");
  }

  @AfterEach
  void close() {
    clients.forEach(SafeClient::close);
    relay.close();
  }

  static HeldCertificate serverCertificate(HeldCertificate root) throws Exception {
    return new HeldCertificate.Builder()
        .addSubjectAlternativeName("localhost")
        .addSubjectAlternativeName(InetAddress.getByName("localhost").getCanonicalHostName())
        .addSubjectAlternativeName("127.0.0.1")
        .signedBy(root)
        .build();
  }

  RelayRoute.Builder route() {
    return RelayRoute.builder(URI.create(relay.url("/").toString()))
        .caPem(relayCa.certificatePem().getBytes(StandardCharsets.UTF_8))
        .tokenFile(tokenFile)
        .resources("v1/pods");
  }

  ApiClient client(RelayRoute route) {
    return client(baseClient(apiServer), route);
  }

  ApiClient client(ApiClient base, RelayRoute route) {
    SafeClient c =
        SafeClient.builder(base)
            .serverVersion("1.30")
            .userAgent("relay-test/1.0")
            .clock(clock)
            .relay(route)
            .build();
    clients.add(c);
    return c.apiClient();
  }

  static V1Pod newPod(String name) {
    return new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(new V1ObjectMeta().name(name).namespace("default"))
        .spec(new V1PodSpec().containers(List.of(new V1Container().name("c").image("i"))));
  }

  @Test
  void readsOfARelayedResourceGoToTheRelayWithTheRelaysTokenOnly() throws Exception {
    CoreV1Api api = new CoreV1Api(client(route().build()));
    relay.enqueue(podList("50", null, "a", "b"));
    relay.enqueue(pod("a"));
    relay.enqueue(
        json(
            200,
            "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"name\":\"c\",\"namespace\":\"default\","
                + "\"resourceVersion\":\"51\"}}}\n"));

    assertThat(api.listPodForAllNamespaces().execute().getItems()).hasSize(2);
    assertThat(api.readNamespacedPod("a", "default").execute().getMetadata().getName())
        .isEqualTo("a");
    List<String> events = new ArrayList<>();
    try (Watch<V1Pod> w =
        Watch.createWatch(
            api.getApiClient(),
            api.listPodForAllNamespaces()
                .resourceVersion("50")
                .allowWatchBookmarks(true)
                .timeoutSeconds(300)
                .watch(true)
                .buildCall(null),
            new TypeToken<Watch.Response<V1Pod>>() {}.getType())) {
      for (Watch.Response<V1Pod> e : w) {
        events.add(e.type + " " + e.object.getMetadata().getName());
      }
    }

    assertThat(events).containsExactly("ADDED c");
    RecordedRequest list = relay.takeRequest();
    assertThat(list.getTarget()).startsWith("/api/v1/pods");
    assertThat(list.getHeaders().get("Authorization")).isEqualTo("Bearer relay-token-1");
    RecordedRequest get = relay.takeRequest();
    assertThat(get.getTarget()).isEqualTo("/api/v1/namespaces/default/pods/a");
    assertThat(get.getHeaders().get("Authorization")).isEqualTo("Bearer relay-token-1");
    RecordedRequest watch = relay.takeRequest();
    assertThat(watch.getTarget())
        .startsWith("/api/v1/pods?")
        .contains("watch=true")
        .contains("resourceVersion=50");
    assertThat(watch.getHeaders().values("Authorization")).containsExactly("Bearer relay-token-1");
    assertThat(apiServer.getRequestCount()).isZero();
  }

  @Test
  void writesAndOtherResourcesGoToTheApiServerWithItsCredential() throws Exception {
    CoreV1Api api = new CoreV1Api(client(route().build()));
    apiServer.enqueue(pod("p"));
    apiServer.enqueue(
        json(
            200,
            "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}"));

    api.createNamespacedPod("default", newPod("p")).execute();
    api.listNamespacedConfigMap("default").resourceVersion("0").execute();

    RecordedRequest create = apiServer.takeRequest();
    assertThat(create.getMethod()).isEqualTo("POST");
    assertThat(create.getTarget()).isEqualTo("/api/v1/namespaces/default/pods");
    assertThat(create.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    RecordedRequest configMaps = apiServer.takeRequest();
    assertThat(configMaps.getTarget()).startsWith("/api/v1/namespaces/default/configmaps");
    assertThat(configMaps.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(relay.getRequestCount()).isZero();
  }

  @Test
  void aSubresourceOfARelayedResourceGoesToTheApiServer() throws Exception {
    CoreV1Api api = new CoreV1Api(client(route().build()));
    apiServer.enqueue(new MockResponse.Builder().body("log line\n").build());

    api.readNamespacedPodLog("a", "default").execute();

    assertThat(apiServer.takeRequest().getTarget())
        .startsWith("/api/v1/namespaces/default/pods/a/log");
    assertThat(relay.getRequestCount()).isZero();
  }

  @Test
  void theTokenFileIsReReadAfterAMinuteAndAtOnceOnA401() throws Exception {
    CoreV1Api api = new CoreV1Api(client(route().build()));
    for (int i = 0; i < 3; i++) {
      relay.enqueue(pod("a"));
    }
    api.readNamespacedPod("a", "default").execute();
    Files.writeString(tokenFile, "relay-token-2");
    api.readNamespacedPod("a", "default").execute();
    clock.advance(Duration.ofSeconds(61));
    api.readNamespacedPod("a", "default").execute();
    Files.writeString(tokenFile, "relay-token-3");
    relay.enqueue(json(401, "{\"kind\":\"Status\",\"code\":401}"));
    relay.enqueue(pod("a"));
    api.readNamespacedPod("a", "default").execute();

    List<String> sent = new ArrayList<>();
    while (relay.getRequestCount() > sent.size()) {
      sent.add(relay.takeRequest().getHeaders().get("Authorization"));
    }
    assertThat(sent)
        .containsExactly(
            "Bearer relay-token-1",
            "Bearer relay-token-1",
            "Bearer relay-token-2",
            "Bearer relay-token-2",
            "Bearer relay-token-3");
  }

  @Test
  void theRelaysCaIsNotTrustedForTheApiServer() throws Exception {
    try (MockWebServer tlsApiServer = new MockWebServer()) {
      // An API server whose certificate the relay's CA signed: trusting it would be a widening.
      tlsApiServer.useHttps(
          new HandshakeCertificates.Builder()
              .heldCertificate(serverCertificate(relayCa))
              .build()
              .sslSocketFactory());
      tlsApiServer.start();
      CoreV1Api api = new CoreV1Api(client(baseClient(tlsApiServer), route().build()));
      relay.enqueue(pod("a"));

      api.readNamespacedPod("a", "default").execute();
      ApiException e =
          catchThrowableOfType(
              ApiException.class, () -> api.createNamespacedPod("default", newPod("p")).execute());

      assertThat(e).cause().isInstanceOf(SSLHandshakeException.class);
      assertThat(e.getCause()).hasMessageContaining("PKIX path building failed");
      assertThat(relay.getRequestCount()).isEqualTo(1);
    }
  }

  @Test
  void cancellingTheCallersCallCancelsTheRelayedCall() throws Exception {
    CoreV1Api api = new CoreV1Api(client(route().build()));
    relay.enqueue(pod("a").newBuilder().headersDelay(30, TimeUnit.SECONDS).build());
    Call call = api.listPodForAllNamespaces().watch(true).buildCall(null);
    CompletableFuture<Object> done =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return call.execute();
              } catch (Exception e) {
                return e;
              }
            });
    Awaitility.await().until(() -> relay.getRequestCount() == 1);

    call.cancel();

    assertThat(done.get(5, TimeUnit.SECONDS)).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void withoutFallbackAFailingRelayIsAnErrorAndTheApiServerSeesNothing() throws Exception {
    CoreV1Api api = new CoreV1Api(client(route().build()));
    // 503 without Retry-After: the relay's retry link does not retry it, so no clock is involved.
    for (int i = 0; i < 3; i++) {
      relay.enqueue(json(503, "{\"kind\":\"Status\",\"code\":503}"));
    }

    for (int i = 0; i < 3; i++) {
      assertThat(
              catchThrowableOfType(
                  ApiException.class, () -> api.listPodForAllNamespaces().execute()))
          .isNotNull();
      clock.advance(Duration.ofMinutes(10));
    }

    assertThat(apiServer.getRequestCount()).isZero();
  }

  @Test
  void theFallbackWaitsForTheDelayPlusJitterThenReadsDirectWithTheApiServersCredential()
      throws Exception {
    CoreV1Api api =
        new CoreV1Api(
            client(route().directFallback(true).fallbackAfter(Duration.ofSeconds(10)).build()));
    for (int i = 0; i < 3; i++) {
      relay.enqueue(json(503, "{\"kind\":\"Status\",\"code\":503}"));
    }
    apiServer.enqueue(podList("70", null, "direct"));

    assertThat(
            catchThrowableOfType(ApiException.class, () -> api.listPodForAllNamespaces().execute()))
        .isNotNull();
    clock.advance(Duration.ofSeconds(9));
    assertThat(
            catchThrowableOfType(ApiException.class, () -> api.listPodForAllNamespaces().execute()))
        .isNotNull();
    assertThat(apiServer.getRequestCount()).isZero();
    // The jitter is below one delay: 20 s after the first failure every client has fallen back.
    clock.advance(Duration.ofSeconds(11));
    List<V1Pod> pods = api.listPodForAllNamespaces().resourceVersion("0").execute().getItems();

    assertThat(pods).extracting(p -> p.getMetadata().getName()).containsExactly("direct");
    RecordedRequest direct = apiServer.takeRequest();
    assertThat(direct.getTarget()).startsWith("/api/v1/pods");
    assertThat(direct.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
  }

  /** A client whose budgets hold {@code burst} tokens, with no refill to speak of. */
  CoreV1Api spareBudgets(int burst) {
    SafeClient c =
        SafeClient.builder(baseClient(apiServer))
            .serverVersion("1.30")
            .userAgent("relay-test/1.0")
            .clock(clock)
            .qps(0.001)
            .burst(burst)
            .maxBudgetWait(Duration.ZERO)
            .relay(route().directFallback(true).fallbackAfter(Duration.ofSeconds(10)).build())
            .build();
    clients.add(c);
    return new CoreV1Api(c.apiClient());
  }

  @Test
  void aDirectReadPaysTheApiServersBudgets() throws Exception {
    CoreV1Api api = spareBudgets(2);
    for (int i = 0; i < 2; i++) {
      apiServer.enqueue(pod("w" + i));
      api.createNamespacedPod("default", newPod("w" + i)).execute();
      relay.enqueue(json(503, "{\"kind\":\"Status\",\"code\":503}"));
    }

    catchThrowableOfType(ApiException.class, () -> api.readNamespacedPod("a", "default").execute());
    clock.advance(Duration.ofSeconds(20));
    ApiException direct =
        catchThrowableOfType(
            ApiException.class, () -> api.readNamespacedPod("a", "default").execute());

    // It fell back, and the API server's bucket, spent by the writes, refused it.
    assertThat(direct).cause().isInstanceOf(BudgetExhaustedException.class);
    assertThat(relay.getRequestCount()).isEqualTo(2);
    assertThat(apiServer.getRequestCount()).isEqualTo(2);
  }

  @Test
  void aReadTheRelaysOwnBudgetRefusesIsNoRelayFailure() throws Exception {
    CoreV1Api api = spareBudgets(1);
    relay.enqueue(pod("a"));
    api.readNamespacedPod("a", "default").execute();

    for (int i = 0; i < 2; i++) {
      clock.advance(Duration.ofSeconds(60));
      assertThat(
              catchThrowableOfType(
                  ApiException.class, () -> api.readNamespacedPod("a", "default").execute()))
          .cause()
          .isInstanceOf(BudgetExhaustedException.class);
    }

    // This client's pace towards the relay, not the relay's failure: nothing went direct.
    assertThat(relay.getRequestCount()).isEqualTo(1);
    assertThat(apiServer.getRequestCount()).isZero();
  }

  @Test
  void aClientsJitterSpreadsItsFallbackOverOneDelay() {
    VirtualTimeSource c = VirtualTimeSource.manual();
    DirectFallback late = new DirectFallback(Duration.ofSeconds(10), 0.5, c);

    assertThat(late.relayFailed()).isFalse();
    c.advance(Duration.ofMillis(14_999));
    assertThat(late.relayFailed()).isFalse();
    c.advance(Duration.ofMillis(1));
    assertThat(late.relayFailed()).isTrue();
    late.relayAnswered();
    assertThat(late.relayFailed()).isFalse();
  }

  @Test
  void theRelayHasItsOwnLinksAndTheRouteSitsRightAfterClassify() {
    SafeClient c = SafeClient.builder(baseClient(apiServer)).relay(route().build()).build();
    clients.add(c);

    assertThat(ClientInternals.of(c).chain().names().subList(0, 3))
        .containsExactly("classify", "relay-route", "list-decision");
    assertThat(ClientInternals.of(c).chain().relayLinks())
        .extracting(Link::name)
        .containsExactly(
            "retry",
            "credential-refresh",
            "retry-after",
            "budget",
            "in-flight",
            "call-deadline",
            "protobuf-negotiation",
            "metrics",
            "no-response-witness");
  }
}
