package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.auth.KubeConfigTokenSource;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter's client, with or without {@code safeclient.context}: a 401 refreshes the credentials
 * of the user it was built with, and they go to its server only, whatever the kubeconfig's current
 * context has become.
 */
class PinnedCredentialsTest {
  final MockWebServer a = new MockWebServer();
  final MockWebServer b = new MockWebServer();
  final Map<MockWebServer, List<String>> seen = new ConcurrentHashMap<>();
  Path dir;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("pinned");
    for (MockWebServer s : List.of(a, b)) {
      List<String> auth = new CopyOnWriteArrayList<>();
      seen.put(s, auth);
      s.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
              String header = r.getHeaders().get("Authorization");
              auth.add(header);
              boolean accepted = s == b || "Bearer a-new".equals(header);
              return new MockResponse.Builder()
                  .code(accepted ? 200 : 401)
                  .addHeader("Content-Type", "application/json")
                  .body(
                      accepted
                          ? "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\"}}"
                          : "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                              + "\"reason\":\"Unauthorized\",\"code\":401}")
                  .build();
            }
          });
      s.start();
    }
  }

  @AfterEach
  void stop() throws Exception {
    a.close();
    b.close();
  }

  Path kubeconfig(String current, String tokenOfA) throws Exception {
    Path file = dir.resolve("config");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        current-context: %s
        clusters:
        - {name: a, cluster: {server: "%s"}}
        - {name: b, cluster: {server: "%s"}}
        contexts:
        - {name: ctx-a, context: {cluster: a, user: user-a}}
        - {name: ctx-b, context: {cluster: b, user: user-b}}
        users:
        - {name: user-a, user: {token: %s}}
        - {name: user-b, user: {token: b-token}}
        """
            .formatted(
                current,
                a.url("/").toString().replaceAll("/$", ""),
                b.url("/").toString().replaceAll("/$", ""),
                tokenOfA));
    return file;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void a401RefreshesTheBuiltUserAndSendsToItsServerOnly(boolean contextProperty) throws Exception {
    Path file = kubeconfig(contextProperty ? "ctx-b" : "ctx-a", "a-old");
    Path home = Files.createDirectories(dir.resolve("home"));
    ApplicationContextRunner runner =
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SafeClientAutoConfiguration.class))
            .withPropertyValues(TestKubeconfig.isolated(home))
            .withPropertyValues("safeclient.kubeconfig=" + file);
    if (contextProperty) {
      runner = runner.withPropertyValues("safeclient.context=ctx-a");
    }
    runner.run(
        ctx -> {
          SafeClient client = ctx.getBean(SafeClient.class);
          assertThat(client.config().tokenSource())
              .isInstanceOfSatisfying(
                  KubeConfigTokenSource.class, s -> assertThat(s.user()).isEqualTo("user-a"));

          // kubectl config use-context ctx-b; user A's token renewed meanwhile.
          kubeconfig("ctx-b", "a-new");
          new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "default").execute();

          assertThat(seen.get(a)).containsExactly("Bearer a-old", "Bearer a-new");
          assertThat(seen.get(b)).isEmpty();
        });
  }
}
