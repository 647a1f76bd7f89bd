package dev.safeclient.core.internal.auth;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static dev.safeclient.model.testing.ScriptedApiServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.safeclient.core.CredentialsUnavailableException;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials pinned to the user and server a client was built with, re-read on a virtual clock,
 * asserted on what the mock API servers receive.
 */
class PinnedCredentialsTest {
  @StartStop final MockWebServer a = new MockWebServer();
  @StartStop final MockWebServer b = new MockWebServer();
  final VirtualTimeSource virtual = VirtualTimeSource.autoAdvancing();
  final VirtualTimeSource clock = virtual;
  final ScriptedApiServer serverA = ScriptedApiServer.dispatcher(virtual);
  final ScriptedApiServer serverB = ScriptedApiServer.dispatcher(virtual);
  @TempDir Path dir;

  /** The virtual clock's wall-clock start, for exec credentials' expiry times. */
  static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

  static String url(MockWebServer s) {
    return s.url("/").toString().replaceAll("/$", "");
  }

  /** Two clusters, A and B, each with its own user; {@code users} are the users' YAML bodies. */
  Path kubeconfig(String current, Map<String, String> users) throws Exception {
    StringBuilder y = new StringBuilder();
    y.append("apiVersion: v1\nkind: Config\ncurrent-context: ").append(current).append('\n');
    y.append("clusters:\n");
    y.append("- name: a\n  cluster: {server: \"").append(url(a)).append("\"}\n");
    y.append("- name: b\n  cluster: {server: \"").append(url(b)).append("\"}\n");
    y.append("contexts:\n");
    y.append("- name: ctx-a\n  context: {cluster: a, user: user-a}\n");
    y.append("- name: ctx-b\n  context: {cluster: b, user: user-b}\n");
    y.append("users:\n");
    users.forEach(
        (name, body) -> y.append("- name: ").append(name).append("\n  user:\n").append(body));
    Path file = dir.resolve("config");
    Files.writeString(file, y.toString());
    return file;
  }

  static String token(String t) {
    return "    token: " + t + "\n";
  }

  SafeClient client(ConnectionConfig found) {
    return SafeClient.builder(found.apiClient())
        .tokenSource(found.tokenSource())
        .clock(clock)
        .qps(1000)
        .burst(1000)
        .maxInFlight(50)
        .build();
  }

  ConnectionConfig load(Path kubeconfig) throws Exception {
    return ConnectionConfig.load(Map.of("KUBECONFIG", kubeconfig.toString()), dir, dir, clock);
  }

  static void read(SafeClient client) throws Exception {
    new CoreV1Api(client.apiClient()).readNamespacedPod("p1", "default").execute();
  }

  static List<String> authorizations(ScriptedApiServer s) {
    return s.all().stream().map(x -> x.request().getHeaders().get("Authorization")).toList();
  }

  void serve() {
    a.setDispatcher(serverA);
    b.setDispatcher(serverB);
    serverB.otherwise(r -> ok(POD));
  }

  @Test
  void a401AfterTheCurrentContextMovedToBRefreshesAsUserAAndSendsToAOnly() throws Exception {
    serve();
    serverA.otherwise(
        r ->
            "Bearer a-new".equals(r.getHeaders().get("Authorization"))
                ? ok(POD)
                : status(401, "Unauthorized", "Unauthorized", null, null, false));
    Path file = kubeconfig("ctx-a", Map.of("user-a", token("a-old"), "user-b", token("b-token")));
    SafeClient client = client(load(file));

    // kubectl config use-context ctx-b, and user A's token was renewed meanwhile.
    kubeconfig("ctx-b", Map.of("user-a", token("a-new"), "user-b", token("b-token")));
    read(client);

    assertThat(authorizations(serverA)).containsExactly("Bearer a-old", "Bearer a-new");
    assertThat(serverB.count()).isZero();
  }

  @Test
  void aRewrittenTokenFileIsUsedWithinAMinuteBeforeAny401() throws Exception {
    serve();
    serverA.otherwise(r -> ok(POD));
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, "one\n");
    Path file = kubeconfig("ctx-a", Map.of("user-a", "    tokenFile: token\n"));
    SafeClient client = client(load(file));

    read(client);
    Files.writeString(tokenFile, "two\n"); // rotated on disk
    virtual.advance(Duration.ofSeconds(30));
    read(client);
    virtual.advance(Duration.ofSeconds(31));
    read(client);

    // A trailing newline is trimmed; no request was ever refused.
    assertThat(authorizations(serverA)).containsExactly("Bearer one", "Bearer one", "Bearer two");
    assertThat(serverA.all()).allSatisfy(s -> assertThat(s.request().getUrl()).isNotNull());
  }

  /**
   * A kubeconfig user whose exec plugin appends a line to {@code runs} per run and prints token
   * {@code exec-<run>} expiring at the time written in {@code expiry}.
   */
  String execPlugin(Path runs, Path expiry) throws Exception {
    Path plugin = dir.resolve("plugin.sh");
    Files.writeString(
        plugin,
        String.join(
            "\n",
            "#!/bin/sh",
            "echo run >> \"$RUNS\"",
            "n=$(wc -l < \"$RUNS\" | tr -d ' ')",
            "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                + "\"status\":{\"token\":\"exec-%s\",\"expirationTimestamp\":\"%s\"}}' \"$n\""
                + " \"$(cat \"$EXPIRY\")\"",
            ""));
    Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwx------"));
    return String.join(
        "\n",
        "    exec:",
        "      apiVersion: client.authentication.k8s.io/v1",
        "      command: ./plugin.sh",
        "      interactiveMode: Never",
        "      env:",
        "      - {name: RUNS, value: \"" + runs + "\"}",
        "      - {name: EXPIRY, value: \"" + expiry + "\"}",
        "");
  }

  @Test
  void a401RunsTheExecPluginAgainOnceAndReplaysWithItsToken() throws Exception {
    serve();
    serverA.otherwise(
        r ->
            "Bearer exec-2".equals(r.getHeaders().get("Authorization"))
                ? ok(POD)
                : status(401, "Unauthorized", "Unauthorized", null, null, false));
    Path runs = dir.resolve("runs");
    Path expiry = dir.resolve("expiry");
    // Far from expiry: only the 401 says the credential is no longer good.
    Files.writeString(expiry, EPOCH.plus(Duration.ofHours(10)).toString());
    SafeClient client =
        client(load(kubeconfig("ctx-a", Map.of("user-a", execPlugin(runs, expiry)))));

    read(client);
    read(client);

    assertThat(Files.readAllLines(runs)).hasSize(2);
    assertThat(authorizations(serverA))
        .containsExactly("Bearer exec-1", "Bearer exec-2", "Bearer exec-2");
  }

  @Test
  void anExecCredentialIsRenewedAheadOfItsExpiryByOneRunFor20ConcurrentCallers() throws Exception {
    serve();
    serverA.otherwise(r -> ok(POD));
    Path runs = dir.resolve("runs");
    Path expiry = dir.resolve("expiry");
    Files.writeString(expiry, EPOCH.plus(Duration.ofMinutes(10)).toString());
    String exec = execPlugin(runs, expiry);
    SafeClient client = client(load(kubeconfig("ctx-a", Map.of("user-a", exec))));

    read(client);
    virtual.advance(Duration.ofMinutes(9)); // the kubeconfig is re-read; the plugin is not run
    read(client);
    assertThat(Files.readAllLines(runs)).hasSize(1);

    Files.writeString(expiry, EPOCH.plus(Duration.ofMinutes(20)).toString());
    virtual.advance(Duration.ofSeconds(55)); // 5 s before expiry: inside the 10 s leeway
    ExecutorService pool = Executors.newFixedThreadPool(20);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> calls = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        calls.add(
            pool.submit(
                () -> {
                  go.await();
                  read(client);
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : calls) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(Files.readAllLines(runs)).hasSize(2);
    List<String> sent = authorizations(serverA);
    assertThat(sent.subList(0, 2)).containsOnly("Bearer exec-1");
    assertThat(sent.subList(2, sent.size())).hasSize(20).containsOnly("Bearer exec-2");
  }

  /** A TLS server requiring client certificates of {@code clientCa}, and a kubeconfig for it. */
  Path clientCertificateKubeconfig(
      MockWebServer tls, HeldCertificate root, HeldCertificate clientCa) throws Exception {
    tls.useHttps(
        new HandshakeCertificates.Builder()
            .heldCertificate(serverCertificate(root))
            .addTrustedCertificate(clientCa.certificate())
            .build()
            .sslSocketFactory());
    tls.requireClientAuth();
    tls.start();
    Files.writeString(
        dir.resolve("config"),
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "current-context: c",
            "clusters:",
            "- name: c",
            "  cluster:",
            "    server: " + url(tls),
            "    certificate-authority-data: "
                + Base64.getEncoder()
                    .encodeToString(root.certificatePem().getBytes(StandardCharsets.UTF_8)),
            "contexts:",
            "- {name: c, context: {cluster: c, user: u}}",
            "users:",
            "- name: u",
            "  user: {client-certificate: client.crt, client-key: client.key}",
            ""));
    return dir.resolve("config");
  }

  void presentNext(HeldCertificate cert) throws Exception {
    Files.writeString(dir.resolve("client.crt"), cert.certificatePem());
    Files.writeString(dir.resolve("client.key"), cert.privateKeyPkcs8Pem());
  }

  @Test
  void aRotatedClientCertificateIsPresentedOnANewConnection() throws Exception {
    HeldCertificate root = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate clientCa = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate one =
        new HeldCertificate.Builder().commonName("user-one").signedBy(clientCa).build();
    HeldCertificate two =
        new HeldCertificate.Builder().commonName("user-two").signedBy(clientCa).build();
    try (MockWebServer tls = new MockWebServer()) {
      ScriptedApiServer script = ScriptedApiServer.dispatcher(virtual);
      script.otherwise(r -> ok(POD));
      tls.setDispatcher(script);
      presentNext(one);
      SafeClient client = client(load(clientCertificateKubeconfig(tls, root, clientCa)));

      read(client);
      read(client);
      presentNext(two);
      virtual.advance(KubeConfigTokenSource.REREAD_PERIOD.plusSeconds(1));
      read(client);

      List<RecordedRequest> seen =
          script.all().stream().map(ScriptedApiServer.Seen::request).toList();
      assertThat(seen)
          .extracting(PinnedCredentialsTest::clientName)
          .containsExactly("CN=user-one", "CN=user-one", "CN=user-two");
      assertThat(seen.get(1).getConnectionIndex()).isEqualTo(seen.get(0).getConnectionIndex());
      assertThat(seen.get(2).getConnectionIndex()).isNotEqualTo(seen.get(0).getConnectionIndex());
      assertThat(seen).allSatisfy(r -> assertThat(r.getHeaders().get("Authorization")).isNull());
    }
  }

  @Test
  void aRotatedClientCertificateAlsoClosesAnHttp2ConnectionCarryingAWatch() throws Exception {
    HeldCertificate root = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate clientCa = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate one =
        new HeldCertificate.Builder().commonName("user-one").signedBy(clientCa).build();
    HeldCertificate two =
        new HeldCertificate.Builder().commonName("user-two").signedBy(clientCa).build();
    CountDownLatch watching = new CountDownLatch(1);
    List<RecordedRequest> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    ExecutorService watcher = Executors.newSingleThreadExecutor();
    try (MockWebServer tls = new MockWebServer()) {
      tls.setDispatcher(
          new mockwebserver3.Dispatcher() {
            @Override
            public mockwebserver3.MockResponse dispatch(RecordedRequest r) {
              seen.add(r);
              if (r.getUrl().queryParameter("watch") != null) {
                watching.countDown();
                // The watch stays open after its first event.
                return new mockwebserver3.MockResponse.Builder()
                    .addHeader("Content-Type", "application/json")
                    .body("{\"type\":\"ADDED\",\"object\":" + POD + "}\n")
                    .onResponseBody(mockwebserver3.SocketEffect.Stall.INSTANCE)
                    .build();
              }
              return ok(POD);
            }
          });
      presentNext(one);
      SafeClient client = client(load(clientCertificateKubeconfig(tls, root, clientCa)));
      read(client);
      Future<?> watch =
          watcher.submit(
              () -> {
                new CoreV1Api(ClientInternals.of(client).libraryApiClient())
                    .listNamespacedPod("default")
                    .watch(true)
                    .execute();
                return null;
              });
      assertThat(watching.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(watch.isDone()).isFalse();

      presentNext(two);
      virtual.advance(KubeConfigTokenSource.REREAD_PERIOD.plusSeconds(1));
      read(client);

      // One HTTP/2 connection carried the first GET and the watch; the rotation closed it although
      // it was in use, so the GET after it handshook anew instead of joining the watch's
      // connection.
      assertThat(seen.get(0).getVersion()).isEqualTo("HTTP/2");
      assertThat(seen.get(1).getConnectionIndex()).isEqualTo(seen.get(0).getConnectionIndex());
      assertThat(seen.get(2).getConnectionIndex()).isNotEqualTo(seen.get(0).getConnectionIndex());
      assertThat(clientName(seen.get(2))).isEqualTo("CN=user-two");
      assertThat(catchThrowable(() -> watch.get(60, TimeUnit.SECONDS))).isNotNull();
    } finally {
      watcher.shutdownNow();
    }
  }

  /** For the names MockWebServer's URLs use: it binds to localhost. */
  static HeldCertificate serverCertificate(HeldCertificate root) throws Exception {
    return new HeldCertificate.Builder()
        .addSubjectAlternativeName("localhost")
        .addSubjectAlternativeName(InetAddress.getByName("localhost").getCanonicalHostName())
        .addSubjectAlternativeName("127.0.0.1")
        .signedBy(root)
        .build();
  }

  static String clientName(RecordedRequest r) {
    return ((X509Certificate) r.getHandshake().peerCertificates().get(0))
        .getSubjectX500Principal()
        .getName();
  }

  @Test
  void theInClusterTokenFileEndingInANewlineWorksAndIsReadAgain() throws Exception {
    HeldCertificate root = new HeldCertificate.Builder().certificateAuthority(0).build();
    try (MockWebServer tls = new MockWebServer()) {
      tls.useHttps(
          new HandshakeCertificates.Builder()
              .heldCertificate(serverCertificate(root))
              .build()
              .sslSocketFactory());
      ScriptedApiServer script = ScriptedApiServer.dispatcher(virtual);
      script.otherwise(r -> ok(POD));
      tls.setDispatcher(script);
      tls.start();
      Path sa = Files.createDirectories(dir.resolve("sa"));
      Files.writeString(sa.resolve("ca.crt"), root.certificatePem());
      Files.writeString(sa.resolve("token"), "sa-one\n"); // as `echo sa-one > token` writes it
      ConnectionConfig found =
          ConnectionConfig.load(
              Map.of(
                  "KUBERNETES_SERVICE_HOST", tls.getHostName(),
                  "KUBERNETES_SERVICE_PORT", String.valueOf(tls.getPort())),
              dir,
              sa,
              clock);
      SafeClient client = client(found);

      read(client);
      Files.writeString(sa.resolve("token"), "sa-two\n");
      virtual.advance(KubeConfigTokenSource.REREAD_PERIOD);
      read(client);

      assertThat(found.origin()).isEqualTo("in-cluster");
      assertThat(authorizations(script)).containsExactly("Bearer sa-one", "Bearer sa-two");
    }
  }

  @Test
  void aUserRemovedFromTheKubeconfigFailsClearlyAndNothingIsSent() throws Exception {
    serve();
    serverA.otherwise(r -> status(401, "Unauthorized", "Unauthorized", null, null, false));
    Path file = kubeconfig("ctx-a", Map.of("user-a", token("a-old"), "user-b", token("b-token")));
    SafeClient client = client(load(file));
    kubeconfig("ctx-b", Map.of("user-b", token("b-token")));

    // The token cached within the minute goes to A; its 401 finds user-a gone: no replay.
    Throwable refused = catchThrowable(() -> read(client));
    assertThat(refused)
        .rootCause()
        .isInstanceOf(CredentialsUnavailableException.class)
        .hasMessageContaining("no longer holds user 'user-a'")
        .hasMessageContaining(url(a));
    assertThat(authorizations(serverA)).containsExactly("Bearer a-old");

    // Every later call fails before anything leaves, also after the re-read period.
    assertThat(catchThrowable(() -> read(client)))
        .rootCause()
        .isInstanceOf(CredentialsUnavailableException.class);
    virtual.advance(Duration.ofMinutes(2));
    assertThat(catchThrowable(() -> read(client)))
        .rootCause()
        .isInstanceOf(CredentialsUnavailableException.class);
    assertThat(serverA.count()).isEqualTo(1);
    assertThat(serverB.count()).isZero();
  }

  @Test
  void aPinnedTokenIsNeverSentToAnotherServer() throws Exception {
    serve();
    Path file = kubeconfig("ctx-a", Map.of("user-a", token("a-token")));
    ConnectionConfig found = load(file);
    ApiClient elsewhere = new ApiClient().setBasePath(url(b));
    SafeClient client =
        SafeClient.builder(elsewhere).tokenSource(found.tokenSource()).clock(clock).build();

    assertThat(catchThrowable(() -> read(client)))
        .rootCause()
        .hasMessageContaining("only; not sending a request to");
    assertThat(serverB.count()).isZero();
  }

  @Test
  void noTokenAppearsInLogsOrExceptionMessages() throws Exception {
    serve();
    serverA.otherwise(r -> status(401, "Unauthorized", "Unauthorized", null, null, false));
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream err = System.err;
    List<Throwable> failures = new ArrayList<>();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      // A plugin whose output is not JSON, and one that prints a credential and then fails.
      Path broken = dir.resolve("broken.sh");
      Files.writeString(broken, "#!/bin/sh\necho '{\"status\":{\"token\":\"SECRET-EXEC-1\"'\n");
      Path failing = dir.resolve("failing.sh");
      Files.writeString(
          failing,
          "#!/bin/sh\necho '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"SECRET-EXEC-2\"}}'"
              + "\nexit 3\n");
      for (Path p : List.of(broken, failing)) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        String exec =
            "    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./"
                + p.getFileName()
                + ", env: [{name: PLUGIN_SECRET, value: SECRET-ENV}]}\n";
        failures.add(catchThrowable(() -> load(kubeconfig("ctx-a", Map.of("user-a", exec)))));
      }
      // A kubeconfig that is not YAML, around a token.
      Files.writeString(dir.resolve("config"), "users:\n- name: u\n  user: {token: SECRET-YAML\n");
      failures.add(catchThrowable(() -> load(dir.resolve("config"))));
      // A 401, a refresh to another refused token, then the user removed.
      Path file = kubeconfig("ctx-a", Map.of("user-a", token("SECRET-TOKEN-1")));
      SafeClient client = client(load(file));
      kubeconfig("ctx-a", Map.of("user-a", token("SECRET-TOKEN-2")));
      failures.add(catchThrowable(() -> read(client)));
      kubeconfig("ctx-b", Map.of("user-b", token("SECRET-TOKEN-3")));
      virtual.advance(KubeConfigTokenSource.REREAD_PERIOD);
      failures.add(catchThrowable(() -> read(client)));
    } finally {
      System.setErr(err);
    }

    assertThat(failures).hasSize(5).doesNotContainNull();
    StringWriter traces = new StringWriter();
    failures.forEach(f -> f.printStackTrace(new PrintWriter(traces)));
    assertThat(traces.toString())
        .contains("printed no valid ExecCredential", "exited with 3", "not a valid kubeconfig")
        .contains("no longer holds user 'user-a'");
    for (String text : List.of(traces.toString(), captured.toString(StandardCharsets.UTF_8))) {
      assertThat(text).doesNotContain("SECRET");
    }
    // The refused tokens did go to A, which is their server.
    assertThat(authorizations(serverA))
        .containsExactly("Bearer SECRET-TOKEN-1", "Bearer SECRET-TOKEN-2");
  }
}
