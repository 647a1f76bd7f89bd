package dev.safeclient.core;

import static dev.safeclient.core.ApiServerReplies.TOKEN;
import static dev.safeclient.core.ApiServerReplies.baseClient;
import static dev.safeclient.core.ApiServerReplies.json;
import static dev.safeclient.core.ApiServerReplies.pod;
import static dev.safeclient.core.ApiServerReplies.podList;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.google.gson.reflect.TypeToken;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreApi;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.util.Watch;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code SafeClient.builder(...).relay(URI, resources...)}: on the wire, which server each request
 * reaches and with which credential, with the route's CA and token read from their mounts.
 */
class RelayShorthandTest {
  @StartStop final MockWebServer apiServer = new MockWebServer();
  final MockWebServer relay = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final HeldCertificate relayCa = new HeldCertificate.Builder().certificateAuthority(0).build();
  final List<SafetyWarning> warnings = ApiServerReplies.warnings();
  @TempDir Path dir;
  Path caFile;
  Path tokenFile;
  final List<SafeClient> clients = new ArrayList<>();

  @BeforeEach
  void relayWithTlsAndMounts() throws Exception {
    relay.useHttps(
        new HandshakeCertificates.Builder()
            .heldCertificate(
                new HeldCertificate.Builder()
                    .addSubjectAlternativeName("localhost")
                    .addSubjectAlternativeName(
                        InetAddress.getByName("localhost").getCanonicalHostName())
                    .addSubjectAlternativeName("127.0.0.1")
                    .signedBy(relayCa)
                    .build())
            .build()
            .sslSocketFactory());
    relay.start();
    caFile = dir.resolve("ca.crt");
    Files.writeString(caFile, relayCa.certificatePem());
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, "relay-audience-token\n");
  }

  @AfterEach
  void close() {
    clients.forEach(SafeClient::close);
    relay.close();
  }

  URI relayUrl() {
    return URI.create(relay.url("/").toString());
  }

  SafeClient.Builder builder() {
    return SafeClient.builder(baseClient(apiServer))
        .serverVersion("1.30")
        .userAgent("relay-shorthand-test/1.0")
        .warningListener(ApiServerReplies.exceptSc103(warnings))
        .clock(clock);
  }

  ApiClient client(String... resources) {
    SafeClient c = builder().relay(relayUrl(), caFile, tokenFile, resources).build();
    clients.add(c);
    return c.apiClient();
  }

  /** Every header the relay received, to prove the API server's credential is in none. */
  static void assertRelayCredentialOnly(RecordedRequest r) {
    assertThat(r.getHeaders().values("Authorization"))
        .containsExactly("Bearer relay-audience-token");
    assertThat(r.getHeaders().toString()).doesNotContain(TOKEN);
  }

  @Test
  void getListAndWatchOfTheNamedResourcesGoToTheRelayWithItsTokenOnly() throws Exception {
    ApiClient client = client("v1/pods", "apps/v1/deployments");
    CoreV1Api core = new CoreV1Api(client);
    relay.enqueue(podList("50", null, "a", "b"));
    relay.enqueue(pod("a"));
    relay.enqueue(
        json(
            200,
            "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"name\":\"c\",\"namespace\":\"default\","
                + "\"resourceVersion\":\"51\"}}}\n"));
    relay.enqueue(
        json(
            200,
            "{\"kind\":\"DeploymentList\",\"apiVersion\":\"apps/v1\","
                + "\"metadata\":{\"resourceVersion\":\"52\"},\"items\":[]}"));

    assertThat(core.listNamespacedPod("default").resourceVersion("0").execute().getItems())
        .hasSize(2);
    assertThat(core.readNamespacedPod("a", "default").execute().getMetadata().getName())
        .isEqualTo("a");
    List<String> events = new ArrayList<>();
    try (Watch<V1Pod> w =
        Watch.createWatch(
            client,
            core.listNamespacedPod("default")
                .resourceVersion("50")
                .timeoutSeconds(300)
                .watch(true)
                .buildCall(null),
            new TypeToken<Watch.Response<V1Pod>>() {}.getType())) {
      for (Watch.Response<V1Pod> e : w) {
        events.add(e.type + " " + e.object.getMetadata().getName());
      }
    }
    new AppsV1Api(client).listNamespacedDeployment("default").resourceVersion("0").execute();

    assertThat(events).containsExactly("ADDED c");
    RecordedRequest list = relay.takeRequest();
    assertThat(list.getMethod()).isEqualTo("GET");
    assertThat(list.getTarget()).startsWith("/api/v1/namespaces/default/pods?");
    assertRelayCredentialOnly(list);
    RecordedRequest get = relay.takeRequest();
    assertThat(get.getTarget()).isEqualTo("/api/v1/namespaces/default/pods/a");
    assertRelayCredentialOnly(get);
    RecordedRequest watch = relay.takeRequest();
    assertThat(watch.getTarget())
        .startsWith("/api/v1/namespaces/default/pods?")
        .contains("watch=true")
        .contains("resourceVersion=50");
    assertRelayCredentialOnly(watch);
    RecordedRequest deployments = relay.takeRequest();
    assertThat(deployments.getTarget()).startsWith("/apis/apps/v1/namespaces/default/deployments?");
    assertRelayCredentialOnly(deployments);
    assertThat(apiServer.getRequestCount()).isZero();
  }

  @Test
  void writesOtherResourcesSubresourcesAndDiscoveryGoToTheApiServerWithItsCredential()
      throws Exception {
    ApiClient client = client("v1/pods");
    CoreV1Api core = new CoreV1Api(client);
    apiServer.enqueue(pod("p"));
    apiServer.enqueue(pod("p"));
    apiServer.enqueue(
        json(
            200,
            "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}"));
    apiServer.enqueue(
        json(
            200,
            "{\"kind\":\"DeploymentList\",\"apiVersion\":\"apps/v1\",\"metadata\":{},"
                + "\"items\":[]}"));
    apiServer.enqueue(new MockResponse.Builder().body("log line\n").build());
    apiServer.enqueue(
        json(
            200,
            "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[]}"));
    apiServer.enqueue(
        json(200, "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":[]}"));
    apiServer.enqueue(
        json(
            200,
            "{\"major\":\"1\",\"minor\":\"30\",\"gitVersion\":\"v1.30.0\",\"gitCommit\":\"\","
                + "\"gitTreeState\":\"\",\"buildDate\":\"\",\"goVersion\":\"\","
                + "\"compiler\":\"\",\"platform\":\"\"}"));

    core.createNamespacedPod(
            "default",
            new V1Pod()
                .apiVersion("v1")
                .kind("Pod")
                .metadata(new V1ObjectMeta().name("p").namespace("default"))
                .spec(new V1PodSpec().containers(List.of(new V1Container().name("c").image("i")))))
        .execute();
    core.deleteNamespacedPod("p", "default").execute();
    core.listNamespacedConfigMap("default").resourceVersion("0").execute();
    new AppsV1Api(client).listNamespacedDeployment("default").resourceVersion("0").execute();
    core.readNamespacedPodLog("a", "default").execute();
    new CoreApi(client).getAPIVersions().execute();
    core.getAPIResources().execute();
    new VersionApi(client).getCode().execute();

    List<String> seen = new ArrayList<>();
    while (seen.size() < 8) {
      RecordedRequest r = apiServer.takeRequest();
      assertThat(r.getHeaders().values("Authorization")).containsExactly("Bearer " + TOKEN);
      String target = r.getTarget();
      seen.add(r.getMethod() + " " + (target.contains("?") ? target.split("\\?")[0] : target));
    }
    assertThat(seen)
        .containsExactly(
            "POST /api/v1/namespaces/default/pods",
            "DELETE /api/v1/namespaces/default/pods/p",
            "GET /api/v1/namespaces/default/configmaps",
            "GET /apis/apps/v1/namespaces/default/deployments",
            "GET /api/v1/namespaces/default/pods/a/log",
            "GET /api/",
            "GET /api/v1/",
            "GET /version/");
    assertThat(relay.getRequestCount()).isZero();
  }

  @Test
  void aRelays429IsSaidToComeFromTheRelayNotTheApiServersFlowControl() throws Exception {
    CoreV1Api core = new CoreV1Api(client("v1/pods"));
    relay.enqueue(
        new MockResponse.Builder()
            .code(429)
            .addHeader("Content-Type", "text/plain; charset=utf-8")
            .addHeader("Retry-After", "1")
            .addHeader("X-Kubernetes-PF-FlowSchema-UID", "relay-fs")
            .addHeader("X-Kubernetes-PF-PriorityLevel-UID", "relay-pl")
            .body("Too many requests, please try again later.\n")
            .build());
    relay.enqueue(pod("a"));

    core.readNamespacedPod("a", "default").execute();

    assertThat(relay.getRequestCount()).isEqualTo(2);
    assertThat(apiServer.getRequestCount()).isZero();
    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC202");
    String host = relay.url("/").host() + ":" + relay.url("/").port();
    assertThat(warnings.get(0).message())
        .startsWith("429 from the relay at " + host + " (its flow control, not the API server's)")
        .contains("relay-fs")
        .contains("relay-pl")
        .doesNotContain("API Priority and Fairness")
        .doesNotContain("FlowSchema");
  }

  @Test
  void theApiServers429IsStillSaidToComeFromItsFlowControl() throws Exception {
    CoreV1Api core = new CoreV1Api(client("v1/pods"));
    apiServer.enqueue(
        new MockResponse.Builder()
            .code(429)
            .addHeader("Content-Type", "text/plain; charset=utf-8")
            .addHeader("Retry-After", "1")
            .addHeader("X-Kubernetes-PF-FlowSchema-UID", "fs-uid")
            .addHeader("X-Kubernetes-PF-PriorityLevel-UID", "pl-uid")
            .body("Too many requests, please try again later.\n")
            .build());
    apiServer.enqueue(
        json(
            200,
            "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}"));

    core.listNamespacedConfigMap("default").resourceVersion("0").execute();

    assertThat(warnings).extracting(SafetyWarning::ruleId).containsExactly("SC202");
    assertThat(warnings.get(0).message())
        .startsWith("429 from API Priority and Fairness: flowSchema=fs-uid priorityLevel=pl-uid")
        .doesNotContain("relay");
    assertThat(relay.getRequestCount()).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "pods", // ambiguous: which group/version
        "events", // in v1 and in events.k8s.io/v1
        "apps/deployments", // a group without its version
        "v1/pods/log", // a subresource
        "/api/v1/pods", // a path
        "v1/namespaces/default/pods", // a namespace
        "v1/Pods", // a kind's spelling
        "v2/pods", // the core group has only v1
        "core/v1/pods", // the core group has no name
        "apps/v1/Deployment",
        "apps/latest/deployments",
        "Apps/v1/deployments",
        "v1/",
        ""
      })
  void aNameThatIsNotOneResourcesIsRefusedBeforeAnyRequest(String name) {
    assertThatThrownBy(() -> builder().relay(relayUrl(), caFile, tokenFile, "v1/pods", name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "a relayed resource is group/version/plural (apps/v1/deployments), or version/plural"
                + " for the core group (v1/pods); '"
                + name
                + "': ");
    assertThat(relay.getRequestCount()).isZero();
  }

  @Test
  void theNamesTheRouteKnowsAreAccepted() {
    assertThat(
            RelayRoute.builder(relayUrl())
                .caPem(relayCa.certificatePem().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .tokenFile(tokenFile)
                .resources(
                    "v1/pods",
                    " v1/nodes ",
                    "apps/v1/deployments",
                    "discovery.k8s.io/v1/endpointslices",
                    "example.com/v1alpha1/widgets",
                    "batch/v1beta1/cronjobs")
                .build()
                .resources())
        .containsExactly(
            "v1/pods",
            "v1/nodes",
            "apps/v1/deployments",
            "discovery.k8s.io/v1/endpointslices",
            "example.com/v1alpha1/widgets",
            "batch/v1beta1/cronjobs");
  }

  @Test
  void theShorthandIsTheRouteWithItsDefaults() {
    SafeClient c = builder().relay(relayUrl(), caFile, tokenFile, "v1/pods").build();
    clients.add(c);

    RelayRoute route = c.config().relay().orElseThrow();
    assertThat(route.url()).isEqualTo(relayUrl());
    assertThat(route.tokenFile()).isEqualTo(tokenFile);
    assertThat(new String(route.caPem(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(relayCa.certificatePem());
    assertThat(route.resources()).containsExactly("v1/pods");
    assertThat(route.directFallback()).isFalse();
    assertThat(route.fallbackAfter()).isEqualTo(RelayRoute.DEFAULT_FALLBACK_AFTER);
  }

  @Test
  void theDefaultMountsAreTheRelaysOwnNeverThePodsApiServerToken() {
    assertThat(RelayRoute.DEFAULT_TOKEN_FILE)
        .isEqualTo(Path.of("/var/run/secrets/safeclient-relay/token"));
    assertThat(RelayRoute.DEFAULT_TOKEN_FILE.toString()).doesNotContain("kubernetes.io");
    assertThat(RelayRoute.DEFAULT_CA_FILE).isEqualTo(Path.of("/etc/safeclient-relay-ca/ca.crt"));
  }

  @Test
  void withoutTheDefaultCaMountedThePublicShorthandSaysWhereItLooked() {
    assumeThat(Files.exists(RelayRoute.DEFAULT_CA_FILE)).isFalse();

    assertThatThrownBy(() -> builder().relay(relayUrl(), "v1/pods"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the relay's CA is read from " + RelayRoute.DEFAULT_CA_FILE)
        .hasMessageContaining("RelayRoute.builder(url).caFile(");
  }

  @Test
  void aRouteBuiltWithoutItsFilesReadsTheDefaultMounts() throws Exception {
    assumeThat(Files.exists(RelayRoute.DEFAULT_CA_FILE)).isFalse();
    assumeThat(Files.exists(RelayRoute.DEFAULT_TOKEN_FILE)).isFalse();
    Path token = Files.writeString(dir.resolve("token"), "t");

    assertThatThrownBy(
            () -> RelayRoute.builder(relayUrl()).tokenFile(token).resources("v1/pods").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the relay's CA is read from " + RelayRoute.DEFAULT_CA_FILE);
    assertThatThrownBy(
            () -> RelayRoute.builder(relayUrl()).caFile(caFile).resources("v1/pods").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the relay's token is read from " + RelayRoute.DEFAULT_TOKEN_FILE);
    assertThat(
            RelayRoute.builder(relayUrl())
                .caFile(caFile)
                .tokenFile(token)
                .resources("v1/pods")
                .build()
                .tokenFile())
        .isEqualTo(token);
  }

  @Test
  void withoutTheTokenMountedTheShorthandSaysWhereItLooked() {
    Path missing = dir.resolve("no-token");

    assertThatThrownBy(() -> builder().relay(relayUrl(), caFile, missing, "v1/pods"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the relay's token is read from " + missing)
        .hasMessageContaining("RelayRoute.builder(url).tokenFile(");
  }

  @Test
  void aPlainHttpRelayIsRefused() {
    assertThatThrownBy(
            () ->
                builder()
                    .relay(
                        URI.create(relay.url("/").toString().replace("https:", "http:")),
                        caFile,
                        tokenFile,
                        "v1/pods"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("https://");
  }
}
