package dev.safeclient.core.internal.auth;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static dev.safeclient.model.testing.ScriptedApiServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.RecordingMetrics;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.TokenSource;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialRefreshTest {
  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();
  final ScriptedApiServer script = ScriptedApiServer.dispatcher(clock);
  final RecordingMetrics metrics = new RecordingMetrics();
  @TempDir Path dir;

  @BeforeEach
  void setUp() {
    server.setDispatcher(script);
    // The server accepts only the fresh token.
    script.otherwise(
        r ->
            "Bearer fresh".equals(r.getHeaders().get("Authorization"))
                ? ok(POD)
                : status(401, "Unauthorized", "Unauthorized", null, null, false));
  }

  ApiClient base() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    base.setApiKeyPrefix("Bearer");
    base.setApiKey("stale");
    return base;
  }

  /** A source whose token expired: refresh() hands out {@code next}. */
  static final class Rotating implements TokenSource {
    final AtomicInteger refreshes = new AtomicInteger();
    volatile String current = "stale";
    final String next;

    Rotating(String next) {
      this.next = next;
    }

    @Override
    public String token() {
      return current;
    }

    @Override
    public String refresh() {
      refreshes.incrementAndGet();
      current = next;
      return current;
    }
  }

  @Test
  void a401RefreshesTheCredentialsOnceAndReplaysOnce() throws Exception {
    Rotating source = new Rotating("fresh");
    SafeClient client =
        SafeClient.builder(base()).tokenSource(source).metrics(metrics).clock(clock).build();
    CoreV1Api api = new CoreV1Api(client.apiClient());

    api.readNamespacedPod("p1", "default").execute();
    api.readNamespacedPod("p1", "default").execute();

    assertThat(source.refreshes.get()).isEqualTo(1);
    assertThat(script.all())
        .extracting(s -> s.request().getHeaders().get("Authorization"))
        .containsExactly("Bearer stale", "Bearer fresh", "Bearer fresh");
    assertThat(metrics.of("retry")).containsExactly("401-refresh");
    assertThat(metrics.of("breaker")).isEmpty();
  }

  @Test
  void aRefreshThatDoesNotHelpIsNotRepeated() {
    Rotating source = new Rotating("also-rejected");
    CoreV1Api api =
        new CoreV1Api(
            SafeClient.builder(base()).tokenSource(source).clock(clock).build().apiClient());

    assertThatThrownBy(() -> api.readNamespacedPod("p1", "default").execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(401));
    assertThat(source.refreshes.get()).isEqualTo(1);
    assertThat(script.count()).isEqualTo(2);
  }

  @Test
  void withoutASourceA401IsReturnedAsItIs() {
    CoreV1Api api = new CoreV1Api(SafeClient.builder(base()).clock(clock).build().apiClient());

    assertThatThrownBy(() -> api.readNamespacedPod("p1", "default").execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(401));
    assertThat(script.count()).isEqualTo(1);
  }

  @Test
  void aProjectedTokenFileIsReadAgainAfterA401() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "stale\n");
    TokenFileSource source = new TokenFileSource(token);
    CoreV1Api api =
        new CoreV1Api(
            SafeClient.builder(base()).tokenSource(source).clock(clock).build().apiClient());
    assertThat(source.token()).isEqualTo("stale");

    Files.writeString(token, "fresh\n"); // the kubelet rotated it
    api.readNamespacedPod("p1", "default").execute();

    assertThat(script.count()).isEqualTo(2);
  }

  @Test
  void defaultConfigReadsKubeconfigAndItsToken() throws Exception {
    Path kubeconfig = dir.resolve("config");
    Files.writeString(
        kubeconfig,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "current-context: test",
            "clusters:",
            "- name: c",
            "  cluster:",
            "    server: " + server.url("/").toString().replaceAll("/$", ""),
            "contexts:",
            "- name: test",
            "  context: {cluster: c, user: u}",
            "users:",
            "- name: u",
            "  user: {token: fresh}",
            ""));

    ConnectionConfig found =
        ConnectionConfig.load(Map.of("KUBECONFIG", kubeconfig.toString()), dir, dir, clock);
    SafeClient client =
        SafeClient.builder(found.apiClient()).tokenSource(found.tokenSource()).build();
    new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "default").execute();

    assertThat(found.origin()).isEqualTo("KUBECONFIG");
    assertThat(found.tokenSource().token()).isEqualTo("fresh");
    assertThat(script.all().get(0).request().getHeaders().get("Authorization"))
        .isEqualTo("Bearer fresh");
  }

  @Test
  void noConfigurationIsAnErrorNeverLocalhost8080() {
    assertThatThrownBy(() -> ConnectionConfig.load(Map.of(), dir, dir.resolve("no-sa"), clock))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("no Kubernetes configuration")
        .hasMessageContaining("never falls back");
    assertThatThrownBy(
            () ->
                ConnectionConfig.load(
                    Map.of("KUBECONFIG", dir.resolve("missing").toString()), dir, dir, clock))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("names no readable file");
  }
}
