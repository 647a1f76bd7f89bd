package dev.safeclient.relay.config;

import static dev.safeclient.relay.RelayTlsTest.tls;
import static dev.safeclient.relay.RelayTlsTest.trustingTestCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.safeclient.relay.Relay;
import dev.safeclient.relay.RelayedResource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code java -jar safeclient-relay-all.jar --config relay.yaml}: a bad command line or
 * configuration is one line naming the key, exit 2, no stack trace; a good one starts a relay on
 * the configured TLS files and audience that KubeSim, its upstream, authenticates and authorizes.
 */
class RelayMainTest {
  static final ResourceType PODS = ResourceType.namespaced("", "v1", "pods", "Pod");
  static final String RELAY_TOKEN = "tok-relay-sa-5150";
  static final String AGENT_TOKEN = "tok-agent-4242";
  static final String MINIMAL =
      """
      audience: safeclient-relay
      resources:
        - version: v1
          plural: pods
          kind: Pod
          namespaced: true
      """;

  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private RelayMain.Running running;
  private KubeSim sim;

  @AfterEach
  void tearDown() {
    if (running != null) {
      running.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  private int launch(String... args) {
    running =
        RelayMain.launch(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return running.exitCode();
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private Path file(String yaml) throws IOException {
    Path f = dir.resolve("relay.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void helpPrintsTheUsageAndExitsZero() {
    assertThat(launch("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--config FILE");
    assertThat(err()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "|--config is required",
        "--config|--config needs a file",
        "--port|unknown argument: --port",
      })
  void aBadCommandLineExitsTwo(String args, String message) {
    assertThat(launch(args == null ? new String[0] : args.split(" "))).isEqualTo(2);
    assertThat(err()).startsWith("safeclient-relay: " + message + "\n").contains("Usage:");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "audiance: x|audience: required",
        "listen: {port: 8443, hots: a}|listen.hots: unknown key",
        "extra: 1|extra: unknown key",
        "listen: {port: 70000}|listen.port: 70000 is not in [0, 65535]",
        "listen: {port: '8443'}|listen.port: a whole number is expected",
        "listen: 8443|listen: a mapping of keys to values is expected",
        "reviewCache: {allowedTtl: 1 minute}|reviewCache.allowedTtl: a duration such as",
        "reviewCache: {refusedTtl: 10}|reviewCache.refusedTtl: a duration such as",
        "eventWindow: {maxBytes: 128MB}|eventWindow.maxBytes: a byte count such as",
        "eventWindow: {maxEvents: 0}|eventWindow.maxEvents: 0 is not in [1, ",
        "upstream: {qps: 0}|upstream.qps: a number of at least 1.0 is expected",
        "upstream: {token: abc}|upstream.token: unknown key",
        "tls: {certFile: ''}|tls.certFile: a file path is expected",
      })
  void aBadValueIsOneLineNamingItsKey(String extra, String message) throws IOException {
    String yaml =
        extra.startsWith("audiance") ? MINIMAL.replace("audience:", "audiance:") : MINIMAL;
    Path f = file(yaml + (extra.startsWith("audiance") ? "" : extra + "\n"));
    assertThat(launch("--config", f.toString())).isEqualTo(2);
    assertThat(err()).startsWith("safeclient-relay: " + f + ": " + message);
    assertThat(err().lines()).hasSize(1);
    assertThat(err()).doesNotContain("Exception", "\tat ");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "resources: []|resources: at least one resource is required",
        "resources: [{version: v1, plural: pods, namespaced: true}]|resources[0].kind: required",
        "resources: [{version: v1, plural: pods, kind: Pod}]|resources[0].namespaced: required",
        "resources: [{version: v1, plural: pods, kind: Pod, namespaced: yes, lbl: a}]"
            + "|resources[0].lbl: unknown key",
        "resources: [{version: v1, plural: secrets, kind: Secret, namespaced: true}]"
            + "|resources[0].plural: Secrets are relayed only with relaySecrets: true",
        "resources: [{version: v1, plural: pods, kind: Pod, namespaced: true},"
            + " {version: v1, plural: pods, kind: Pod, namespaced: true}]"
            + "|resources[1].plural: pods is listed twice",
      })
  void badResourcesNameTheirIndex(String resources, String message) throws IOException {
    Path f = file("audience: a\n" + resources + "\n");
    assertThat(launch("--config", f.toString())).isEqualTo(2);
    assertThat(err()).startsWith("safeclient-relay: " + f + ": " + message);
  }

  @Test
  void notYamlAndDuplicateKeysAreRefused() throws IOException {
    Path f = file(MINIMAL + "audience: other\n");
    assertThat(launch("--config", f.toString())).isEqualTo(2);
    assertThat(err()).contains("not valid YAML").contains("duplicate key audience");

    Path g = file("audience: [unclosed\n");
    err.reset();
    assertThat(launch("--config", g.toString())).isEqualTo(2);
    assertThat(err()).startsWith("safeclient-relay: " + g + ": not valid YAML");

    err.reset();
    assertThat(launch("--config", dir.resolve("absent.yaml").toString())).isEqualTo(2);
    assertThat(err()).contains("cannot read");
  }

  @Test
  void unreadableTlsFilesAreTheConfigurationsToFixAndNeverQuoted() throws Exception {
    Path key = dir.resolve("tls.key");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n");
    Path f =
        file(
            MINIMAL
                + "tls: {certFile: "
                + tls("ec.crt")
                + ", keyFile: "
                + key
                + "}\n"
                + "upstream: {kubeconfig: "
                + kubeconfig("http://127.0.0.1:1", RELAY_TOKEN)
                + "}\n");
    assertThat(launch("--config", f.toString())).isEqualTo(2);
    assertThat(err())
        .contains("could not load the relay's TLS certificate")
        .contains(key.toString());
    assertThat(err()).doesNotContain("c2VjcmV0", RELAY_TOKEN);
  }

  @Test
  void aMissingOrNonPkcs8KeyIsNamedWithTheFix() throws Exception {
    Path pkcs1 = dir.resolve("rsa1.key");
    Files.writeString(
        pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0\n-----END RSA PRIVATE KEY-----\n");
    String upstream =
        "upstream: {kubeconfig: " + kubeconfig("http://127.0.0.1:1", RELAY_TOKEN) + "}\n";
    Path f =
        file(
            MINIMAL
                + "tls: {certFile: "
                + tls("ec.crt")
                + ", keyFile: "
                + pkcs1
                + "}\n"
                + upstream);
    assertThat(launch("--config", f.toString())).isEqualTo(2);
    assertThat(err())
        .contains("BEGIN PRIVATE KEY")
        .contains("openssl pkcs8 -topk8")
        .doesNotContain("c2VjcmV0");

    err.reset();
    Path absent = dir.resolve("absent.crt");
    Path g = file(MINIMAL + "tls: {certFile: " + absent + ", keyFile: " + pkcs1 + "}\n" + upstream);
    assertThat(launch("--config", g.toString())).isEqualTo(2);
    assertThat(err()).contains("(" + absent + ")");
    assertThat(err().lines()).hasSize(1);
  }

  @Test
  void defaultsAreTheLibrarysAndTheSecretMount() throws Exception {
    RelayConfig c = RelayConfig.parse(new StringReader(MINIMAL));
    assertThat(c.host()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(8443);
    assertThat(c.certFile()).isEqualTo(Path.of("/etc/safeclient-relay/tls/tls.crt"));
    assertThat(c.keyFile()).isEqualTo(Path.of("/etc/safeclient-relay/tls/tls.key"));
    assertThat(c.allowedTtl()).isEqualTo(Relay.DEFAULT_ALLOWED_TTL);
    assertThat(c.refusedTtl()).isEqualTo(Relay.DEFAULT_REFUSED_TTL);
    assertThat(c.windowEvents()).isEqualTo(Relay.DEFAULT_WINDOW_EVENTS);
    assertThat(c.windowBytes()).isEqualTo(Relay.DEFAULT_WINDOW_BYTES);
    assertThat(c.kubeconfig()).isEmpty();
    assertThat(c.resources()).hasSize(1);
    assertThat(c.resources().get(0).toString()).isEqualTo(RelayedResource.pods().toString());
  }

  @Test
  void everyKeyIsRead() throws Exception {
    RelayConfig c =
        RelayConfig.parse(
            new StringReader(
                """
                listen: {host: 127.0.0.1, port: 9443}
                tls: {certFile: /a/crt, keyFile: /a/key}
                audience: relay.example
                relaySecrets: true
                resources:
                  - {group: apps, version: v1, plural: deployments, kind: Deployment,
                     namespaced: true, labelSelector: "tier=web", fieldSelector: "metadata.namespace=a"}
                  - {version: v1, plural: secrets, kind: Secret, namespaced: true}
                reviewCache: {allowedTtl: 90s, refusedTtl: 500ms}
                eventWindow: {maxEvents: 1000, maxBytes: 64Mi}
                upstream: {kubeconfig: /k/config, qps: 20.5, burst: 40}
                """));
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(9443);
    assertThat(c.certFile()).isEqualTo(Path.of("/a/crt"));
    assertThat(c.keyFile()).isEqualTo(Path.of("/a/key"));
    assertThat(c.audience()).isEqualTo("relay.example");
    RelayedResource d = c.resources().get(0);
    assertThat(d.group()).isEqualTo("apps");
    assertThat(d.plural()).isEqualTo("deployments");
    assertThat(d.kind()).isEqualTo("Deployment");
    assertThat(d.labelSelector()).isEqualTo("tier=web");
    assertThat(d.fieldSelector()).isEqualTo("metadata.namespace=a");
    assertThat(c.resources().get(1).plural()).isEqualTo("secrets");
    assertThat(c.allowedTtl()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.refusedTtl()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.windowEvents()).isEqualTo(1000);
    assertThat(c.windowBytes()).isEqualTo(64L << 20);
    assertThat(c.kubeconfig()).isEqualTo(Optional.of(Path.of("/k/config")));
    assertThat(c.qps()).isEqualTo(20.5);
    assertThat(c.burst()).isEqualTo(40);
  }

  @Test
  void aGoodConfigurationServesAuthenticatedAgentsUntilClosed() throws Exception {
    String relayUser = "system:serviceaccount:safeclient-relay:safeclient-relay";
    String agentUser = "system:serviceaccount:agents:node-agent";
    sim =
        KubeSim.builder()
            .user(RELAY_TOKEN, relayUser)
            .authDelegator(relayUser)
            .allow(relayUser, "list,watch", "pods")
            .user(AGENT_TOKEN, agentUser)
            .tokenAudiences(AGENT_TOKEN, "safeclient-relay")
            .allow(agentUser, "list,watch", "pods")
            .build();
    sim.create(
        PODS,
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"ns\",\"name\":\"a\"},"
            + "\"spec\":{\"nodeName\":\"node-1\",\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}");
    Path f =
        file(
            MINIMAL
                + "listen: {host: 127.0.0.1, port: 0}\n"
                + "tls: {certFile: "
                + tls("ec.crt")
                + ", keyFile: "
                + tls("ec.key")
                + "}\n"
                + "upstream: {kubeconfig: "
                + kubeconfig(sim.url(), RELAY_TOKEN)
                + "}\n");
    PrintStream stderr = System.err;
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    // slf4j-simple writes to the System.err of the moment.
    System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    try {
      assertThat(launch("--config", f.toString())).as(err()).isNegative();
      String base = running.relay().url().toString().replaceAll("/$", "");
      assertThat(base).startsWith("https://127.0.0.1:");
      OkHttpClient http = trustingTestCa();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> status(http, base + "/readyz", null) == 200);
      try (Response r =
          http.newCall(
                  new Request.Builder()
                      .url(base + "/api/v1/pods")
                      .header("Authorization", "Bearer " + AGENT_TOKEN)
                      .build())
              .execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).contains("\"name\":\"a\"").contains("\"kind\":\"PodList\"");
      }
      assertThat(status(http, base + "/api/v1/pods", null)).isEqualTo(401);
      assertThat(status(http, base + "/api/v1/pods", RELAY_TOKEN))
          .as("the relay's own API-server token is not for its audience")
          .isEqualTo(401);

      running.close();
      assertThatThrownBy(() -> status(http, base + "/readyz", null))
          .isInstanceOf(IOException.class);
    } finally {
      System.setErr(stderr);
    }
    String logged = logs.toString(StandardCharsets.UTF_8);
    assertThat(logged).contains("relay serving").contains("relay stopped");
    assertThat(logged).doesNotContain(RELAY_TOKEN, AGENT_TOKEN);
  }

  private static int status(OkHttpClient http, String url, String token) throws IOException {
    Request.Builder b = new Request.Builder().url(url);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try (Response r = http.newCall(b.build()).execute()) {
      return r.code();
    }
  }

  private Path kubeconfig(String server, String token) throws IOException {
    Path k = dir.resolve("kubeconfig");
    Files.writeString(
        k,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: sim, cluster: {server: "%s"}}]
        users: [{name: relay, user: {token: %s}}]
        contexts: [{name: sim, context: {cluster: sim, user: relay}}]
        current-context: sim
        """
            .formatted(server, token));
    return k;
  }
}
