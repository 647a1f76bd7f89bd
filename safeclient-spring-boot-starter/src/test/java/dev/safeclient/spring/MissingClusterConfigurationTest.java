package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.core.SafeClient;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class MissingClusterConfigurationTest {
  @TempDir Path tmp;
  private Path home;
  private ApplicationContextRunner runner;

  @BeforeEach
  void setUp() throws IOException {
    home = Files.createDirectories(tmp.resolve("home"));
    runner =
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SafeClientAutoConfiguration.class))
            .withPropertyValues(TestKubeconfig.isolated(home));
  }

  @Test
  void startupFailsNamingEveryPlaceLookedAt() {
    runner.run(
        ctx -> {
          assertThat(ctx).hasFailed();
          Throwable root = ctx.getStartupFailure();
          while (!(root instanceof NoClusterConfigurationException) && root.getCause() != null) {
            root = root.getCause();
          }
          assertThat(root)
              .isInstanceOf(NoClusterConfigurationException.class)
              .hasMessageContaining("never falls back to http://localhost:8080")
              .hasMessageContaining("safeclient.kubeconfig: not set")
              .hasMessageContaining("$KUBECONFIG: not set")
              .hasMessageContaining(home.resolve(".kube").resolve("config") + ": no such file")
              .hasMessageContaining(
                  "in-cluster: $KUBERNETES_SERVICE_HOST/$KUBERNETES_SERVICE_PORT");
          assertThat(((NoClusterConfigurationException) root).lookedAt()).hasSize(4);

          FailureAnalysis analysis =
              new NoClusterConfigurationFailureAnalyzer().analyze(ctx.getStartupFailure());
          assertThat(analysis.getDescription()).contains("Looked at:");
          assertThat(analysis.getAction()).contains("safeclient.lazy=true");
        });
  }

  @Test
  void aMissingKubeconfigFileOrServiceAccountIsNamed() {
    runner
        .withPropertyValues(
            "KUBECONFIG=" + tmp.resolve("nope.yaml"),
            "KUBERNETES_SERVICE_HOST=10.0.0.1",
            "KUBERNETES_SERVICE_PORT=443")
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining(
                        "$KUBECONFIG entry " + tmp.resolve("nope.yaml") + ": no such file")
                    .hasMessageContaining(
                        "/var/run/secrets/kubernetes.io/serviceaccount/token or"));
    runner
        .withPropertyValues("safeclient.kubeconfig=" + tmp.resolve("gone.yaml"))
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining(
                        "safeclient.kubeconfig=" + tmp.resolve("gone.yaml") + ": no such file"));
  }

  /**
   * client-java's ClientBuilder.standard() would quietly send this app's calls to localhost:8080.
   * Listen there (when the port is free) and check nothing connected while startup failed.
   */
  @Test
  void neverReachesLocalhost8080() throws Exception {
    ServerSocket listener;
    try {
      listener = new ServerSocket(8080, 50, InetAddress.getLoopbackAddress());
    } catch (IOException portTaken) {
      listener = null;
    }
    try {
      runner
          .withPropertyValues("safeclient.informers[0].resource=pods")
          .run(ctx -> assertThat(ctx).hasFailed());
      if (listener != null) {
        // A connection attempt made during startup would already sit in the accept backlog.
        listener.setSoTimeout(200);
        ServerSocket l = listener;
        assertThatThrownBy(
                () -> {
                  try (Socket s = l.accept()) {
                    // connected: the assertion fails
                  }
                })
            .isInstanceOf(SocketTimeoutException.class);
      }
    } finally {
      if (listener != null) {
        listener.close();
      }
    }
  }

  @Test
  void lazyAppStartsWithoutAClusterAndFailsClearlyOnFirstUse() {
    runner
        .withPropertyValues("safeclient.lazy=true")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThatThrownBy(() -> ctx.getBean(SafeClient.class))
                  .rootCause()
                  .isInstanceOf(NoClusterConfigurationException.class);
              assertThatThrownBy(() -> ctx.getBean(ApiClient.class))
                  .rootCause()
                  .isInstanceOf(NoClusterConfigurationException.class);
            });
  }

  @Test
  void lazyAppWithDeclaredInformersReportsInsteadOfFailing() {
    runner
        .withPropertyValues("safeclient.lazy=true", "safeclient.informers[0].resource=pods")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              DeclaredInformers declared = ctx.getBean(DeclaredInformers.class);
              assertThat(declared.registrationFailure())
                  .get()
                  .isInstanceOf(NoClusterConfigurationException.class);
            });
  }
}
