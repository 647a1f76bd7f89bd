package dev.safeclient.relay;

import static dev.safeclient.relay.RelayInformersTest.PODS;
import static dev.safeclient.relay.RelayInformersTest.pod;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every security rule of the relay on the wire: real HTTP to the relay, KubeSim upstream answering
 * the relay's TokenReviews and SubjectAccessReviews with its node authorizer (1.32, selectors) and
 * RBAC-like rules. Nobody reads through the relay what they could not read from the API server, and
 * no token nor object content reaches a log line.
 */
class RelayAuthTest {
  static final String AUDIENCE = RelayOverKubeSim.AUDIENCE;
  // Distinctive token strings, so that the log check cannot miss one.
  static final String NODE1 = "tok-node1-3f9c2e7a51";
  static final String NODE1_FOR_API = "tok-node1-api-8d01b6";
  static final String NOBODY = "tok-nobody-5a77e0c4d2";
  static final String UNKNOWN = "tok-unknown-c0ffee1234";
  static final String SECRET_LABEL = "label-value-never-logged-91d2";
  static final String ADMIN = "tok-admin-4e51b9a0c7";
  static final String AGENT_POD = "tok-agent-pod-0b7d33e1f9";

  private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
  private PrintStream stderr;
  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private KubeSim sim;
  private Relay relay;
  private final OkHttpClient http =
      new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30)).build();

  @BeforeEach
  void start() {
    // slf4j-simple writes to the System.err of the moment: every log line of the test lands here.
    stderr = System.err;
    System.setErr(new PrintStream(new TeeStream(stderr, logs), true, StandardCharsets.UTF_8));
    sim =
        RelayOverKubeSim.sim()
            .nodeAuthorizer(true)
            .user(NODE1, "system:node:node-1")
            .tokenAudiences(NODE1, AUDIENCE)
            .user(NODE1_FOR_API, "system:node:node-1")
            .user(NOBODY, "system:serviceaccount:agents:nobody")
            .tokenAudiences(NOBODY, AUDIENCE)
            .user(ADMIN, "system:serviceaccount:ops:admin")
            .tokenAudiences(ADMIN, AUDIENCE)
            .allow("system:serviceaccount:ops:admin", "*", "*")
            .user(AGENT_POD, "system:serviceaccount:fleet:agent")
            .tokenAudiences(AGENT_POD, AUDIENCE)
            .podBoundToken(AGENT_POD, "agent-x1", "9d1c-pod-uid", "node-1")
            .allowGroup("system:serviceaccounts:fleet", "get,list,watch", "pods")
            .build();
    sim.create(PODS, pod("ns", "a", "node-1", SECRET_LABEL));
    sim.create(PODS, pod("ns", "b", "node-2", SECRET_LABEL));
    relay = RelayOverKubeSim.started(RelayOverKubeSim.relay(sim, clock));
  }

  @AfterEach
  void stop() {
    try {
      relay.close();
      sim.close();
      String logged = logs.toString(StandardCharsets.UTF_8);
      for (String secret :
          List.of(
              NODE1,
              NODE1_FOR_API,
              NOBODY,
              UNKNOWN,
              ADMIN,
              AGENT_POD,
              RelayOverKubeSim.RELAY_SA_TOKEN,
              SECRET_LABEL,
              protocolToken(NODE1))) {
        assertThat(logged).as("the log").doesNotContain(secret);
      }
    } finally {
      System.setErr(stderr);
    }
  }

  record Answer(int code, String body) {
    JsonObject json() {
      return JsonParser.parseString(body).getAsJsonObject();
    }

    List<String> names() {
      List<String> out = new ArrayList<>();
      for (JsonElement e : json().getAsJsonArray("items")) {
        out.add(e.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString());
      }
      return out;
    }
  }

  private Answer get(String authorization, String pathAndQuery) throws IOException {
    Request.Builder b = new Request.Builder().url(relay.url() + pathAndQuery);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try (Response r = http.newCall(b.build()).execute()) {
      return new Answer(r.code(), r.body().string());
    }
  }

  private Answer post(String authorization, String path) throws IOException {
    Request.Builder b =
        new Request.Builder()
            .url(relay.url() + path)
            .post(okhttp3.RequestBody.create(new byte[] {'{', '}'}));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try (Response r = http.newCall(b.build()).execute()) {
      return new Answer(r.code(), r.body().string());
    }
  }

  /** A GET straight to KubeSim, as the relay's own ServiceAccount. */
  private Answer getDirect(String path) throws IOException {
    Request req =
        new Request.Builder()
            .url(sim.url() + path)
            .header("Authorization", bearer(RelayOverKubeSim.RELAY_SA_TOKEN))
            .build();
    try (Response r = http.newCall(req).execute()) {
      return new Answer(r.code(), r.body().string());
    }
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  private static void assertStatus(Answer a, int code, String reason, String message) {
    assertThat(a.code()).isEqualTo(code);
    JsonObject s = a.json();
    assertThat(s.get("kind").getAsString()).isEqualTo("Status");
    assertThat(s.get("status").getAsString()).isEqualTo("Failure");
    assertThat(s.get("code").getAsInt()).isEqualTo(code);
    assertThat(s.get("reason").getAsString()).isEqualTo(reason);
    assertThat(s.get("message").getAsString()).isEqualTo(message);
  }

  static final String OWN_PODS =
      "/api/v1/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1";

  @Test
  void noTokenOrAMalformedHeaderIs401WithoutAReview() throws Exception {
    for (String header :
        new String[] {null, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", NODE1}) {
      assertStatus(get(header, OWN_PODS), 401, "Unauthorized", "Unauthorized");
    }
    assertThat(relay.health().tokenReviews()).isZero();
    assertThat(sim.stats().tokenReviews()).isZero();
  }

  @Test
  void anUnknownTokenIs401() throws Exception {
    assertStatus(get(bearer(UNKNOWN), OWN_PODS), 401, "Unauthorized", "Unauthorized");
    assertThat(sim.stats().tokenReviews()).isEqualTo(1);
  }

  @Test
  void aTokenForTheApiServersAudienceIs401() throws Exception {
    // The same node's token, but bound to the API server: the relay could replay it, so refuses it.
    assertStatus(get(bearer(NODE1_FOR_API), OWN_PODS), 401, "Unauthorized", "Unauthorized");
    // The relay asked for its own audience.
    assertThat(sim.stats().tokenReviews()).isEqualTo(1);
  }

  @Test
  void aTokenWithoutRightsIs403() throws Exception {
    assertStatus(
        get(bearer(NOBODY), "/api/v1/namespaces/ns/pods?resourceVersion=0"),
        403,
        "Forbidden",
        "pods is forbidden: User \"system:serviceaccount:agents:nobody\" cannot list resource"
            + " \"pods\" in API group \"\" in the namespace \"ns\"");
    assertStatus(
        get(bearer(NOBODY), "/api/v1/namespaces/ns/pods/a"),
        403,
        "Forbidden",
        "pods \"a\" is forbidden: User \"system:serviceaccount:agents:nobody\" cannot get resource"
            + " \"pods\" in API group \"\" in the namespace \"ns\"");
  }

  @Test
  void aNodeReadsItsOwnPodsAndNotAnotherNodesNorWithoutItsSelector() throws Exception {
    Answer own = get(bearer(NODE1), OWN_PODS);
    assertThat(own.code()).isEqualTo(200);
    assertThat(own.names()).containsExactly("a");

    String reason = ": can only list/watch pods with spec.nodeName field selector";
    String denied =
        "pods is forbidden: User \"system:node:node-1\" cannot list resource \"pods\" in API group"
            + " \"\" at the cluster scope"
            + reason;
    assertStatus(
        get(bearer(NODE1), "/api/v1/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-2"),
        403,
        "Forbidden",
        denied);
    assertStatus(get(bearer(NODE1), "/api/v1/pods?resourceVersion=0"), 403, "Forbidden", denied);
    // A selector the node authorizer does not accept for it: a label selector, a namespace one.
    assertStatus(
        get(bearer(NODE1), "/api/v1/pods?resourceVersion=0&labelSelector=app%3Dweb"),
        403,
        "Forbidden",
        denied);
    assertStatus(
        get(bearer(NODE1), "/api/v1/pods?resourceVersion=0&fieldSelector=metadata.namespace%3Dns"),
        403,
        "Forbidden",
        denied);
  }

  @Test
  void aNodeReadsByNameOnlyThePodsBoundToIt() throws Exception {
    // The node authorizer's graph (1.32+): a node gets, or lists and watches by name, only a pod
    // bound to it. Pod b is node-2's.
    String noRelationship = ": no relationship found between node 'node-1' and this object";
    assertStatus(
        get(bearer(NODE1), "/api/v1/namespaces/ns/pods/b?resourceVersion=0"),
        403,
        "Forbidden",
        "pods \"b\" is forbidden: User \"system:node:node-1\" cannot get resource \"pods\" in API"
            + " group \"\" in the namespace \"ns\""
            + noRelationship);
    assertStatus(
        get(
            bearer(NODE1),
            "/api/v1/namespaces/ns/pods?resourceVersion=0&fieldSelector=metadata.name%3Db"),
        403,
        "Forbidden",
        "pods \"b\" is forbidden: User \"system:node:node-1\" cannot list resource \"pods\" in API"
            + " group \"\" in the namespace \"ns\""
            + noRelationship);
    assertStatus(
        get(bearer(NODE1), "/api/v1/watch/namespaces/ns/pods/b?resourceVersion=0"),
        403,
        "Forbidden",
        "pods \"b\" is forbidden: User \"system:node:node-1\" cannot watch resource \"pods\" in"
            + " API group \"\" in the namespace \"ns\""
            + noRelationship);
    // Its own pod, by name, every way.
    assertThat(get(bearer(NODE1), "/api/v1/namespaces/ns/pods/a?resourceVersion=0").code())
        .isEqualTo(200);
    Answer byName =
        get(
            bearer(NODE1),
            "/api/v1/namespaces/ns/pods?resourceVersion=0&fieldSelector=metadata.name%3Da");
    assertThat(byName.code()).isEqualTo(200);
    assertThat(byName.names()).containsExactly("a");
  }

  @Test
  void whatIsNotRelayedIsForbiddenBeforeItIsNotFoundAsTheApiserverAuthorizesBeforeItsMux()
      throws Exception {
    // An identity that may not read Secrets learns nothing of whether the relay serves them.
    assertStatus(
        get(bearer(NOBODY), "/api/v1/namespaces/ns/secrets"),
        403,
        "Forbidden",
        "secrets is forbidden: User \"system:serviceaccount:agents:nobody\" cannot list resource"
            + " \"secrets\" in API group \"\" in the namespace \"ns\"");
    assertStatus(
        get(bearer(NODE1), "/api/v1/namespaces/ns/pods/a/log"),
        403,
        "Forbidden",
        "pods \"a\" is forbidden: User \"system:node:node-1\" cannot get resource \"pods/log\" in"
            + " API group \"\" in the namespace \"ns\"");
    assertStatus(
        get(bearer(NOBODY), "/version"),
        403,
        "Forbidden",
        "forbidden: User \"system:serviceaccount:agents:nobody\" cannot get path \"/version\"");
    Answer create = post(bearer(NOBODY), "/api/v1/namespaces/ns/pods");
    assertStatus(
        create,
        403,
        "Forbidden",
        "pods is forbidden: User \"system:serviceaccount:agents:nobody\" cannot create resource"
            + " \"pods\" in API group \"\" in the namespace \"ns\"");
    // One allowed to do all of it gets what the mux answers: not found, method not allowed.
    Answer secrets = get(bearer(ADMIN), "/api/v1/namespaces/ns/secrets");
    assertThat(secrets.code()).isEqualTo(404);
    assertThat(secrets.json().get("reason").getAsString()).isEqualTo("NotFound");
    assertThat(get(bearer(ADMIN), "/api/v1/namespaces/ns/pods/a/log").code()).isEqualTo(404);
    assertThat(get(bearer(ADMIN), "/version").code()).isEqualTo(404);
    Answer adminCreate = post(bearer(ADMIN), "/api/v1/namespaces/ns/pods");
    assertThat(adminCreate.code()).isEqualTo(405);
    assertThat(adminCreate.json().get("reason").getAsString()).isEqualTo("MethodNotAllowed");
    // Authenticated first: a token that fails gets 401 before any review of what it asks.
    long reviews = sim.stats().subjectAccessReviews();
    assertStatus(
        get(bearer(UNKNOWN), "/api/v1/namespaces/ns/secrets"), 401, "Unauthorized", "Unauthorized");
    assertThat(sim.stats().subjectAccessReviews()).isEqualTo(reviews);
    // Each question is asked once per TTL, as every other.
    get(bearer(NOBODY), "/api/v1/namespaces/ns/secrets");
    get(bearer(ADMIN), "/api/v1/namespaces/ns/secrets");
    assertThat(sim.stats().subjectAccessReviews()).isEqualTo(reviews);
  }

  @Test
  void theSubjectAccessReviewCarriesTheTokenReviewsUidGroupsAndExtraWhole() throws Exception {
    // The agent may read pods only through a RoleBinding to its namespace's ServiceAccount group,
    // and KubeSim refuses a review that lacks the uid, groups or extra (pod-name, pod-uid,
    // node-name, node-uid, credential-id) its TokenReview gave the relay: a relay that dropped
    // any of them gets a 400 there and answers 500 here.
    Answer a = get(bearer(AGENT_POD), "/api/v1/namespaces/ns/pods?resourceVersion=0");
    assertThat(a.code()).as(a.body()).isEqualTo(200);
    assertThat(a.names()).containsExactlyInAnyOrder("a", "b");
    assertThat(sim.stats().subjectAccessReviews()).isEqualTo(1);
    // And the group is what allows it: secrets are not in the binding.
    assertThat(get(bearer(AGENT_POD), "/api/v1/namespaces/ns/secrets").code()).isEqualTo(403);
  }

  @Test
  void aPercentEncodedPathNamesWhatItsDecodedPathNames() throws Exception {
    // Go's req.URL.Path is decoded before RequestInfo: pod %61 is pod a, for the authorizer too
    // (the node's own pod, by name through its graph) and for the read.
    Answer a = get(bearer(NODE1), "/api/v1/namespaces/ns/pods/%61?resourceVersion=0");
    assertThat(a.code()).isEqualTo(200);
    assertThat(a.json().getAsJsonObject("metadata").get("name").getAsString()).isEqualTo("a");
    Answer direct = getDirect("/api/v1/namespaces/ns/pods/%61");
    assertThat(direct.code()).isEqualTo(200);
    assertThat(direct.json().getAsJsonObject("metadata").get("name").getAsString()).isEqualTo("a");
    // An encoded slash separates segments, as in the decoded path: a namespace's pods.
    Answer list = get(bearer(ADMIN), "/api/v1/namespaces%2Fns%2Fpods?resourceVersion=0");
    assertThat(list.code()).isEqualTo(200);
    assertThat(list.names()).containsExactlyInAnyOrder("a", "b");
    Answer viaSlash = get(bearer(NODE1), "/api/v1/namespaces/ns/pods/b%2Fstatus");
    assertStatus(
        viaSlash,
        403,
        "Forbidden",
        "pods \"b\" is forbidden: User \"system:node:node-1\" cannot get resource"
            + " \"pods/status\" in API group \"\" in the namespace \"ns\"");
  }

  @Test
  void aWatchPathCarriesNoSelectorToTheAuthorizerSoANodeIsRefusedThere() throws Exception {
    // RequestInfo passes no selector from the deprecated /watch/ paths: the node authorizer sees
    // a node watching all pods, and says no, through the relay as from the API server.
    String path = "/api/v1/watch/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1";
    assertStatus(
        get(bearer(NODE1), path),
        403,
        "Forbidden",
        "pods is forbidden: User \"system:node:node-1\" cannot watch resource \"pods\" in API"
            + " group \"\" at the cluster scope: can only list/watch pods with spec.nodeName"
            + " field selector");
  }

  /** Node-1 watching the pods of {@code node} (its field selector) through {@code relay}. */
  private static Request watchAsNode1(Relay relay, String node) {
    return new Request.Builder()
        .url(
            relay.url()
                + "/api/v1/pods?watch=true&resourceVersion=0&fieldSelector=spec.nodeName%3D"
                + node)
        .header("Authorization", bearer(NODE1))
        .build();
  }

  /** The subprotocol a WebSocket client sends its token in. */
  static String protocolToken(String token) {
    return "base64url.bearer.authorization.k8s.io."
        + java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(token.getBytes(StandardCharsets.UTF_8));
  }

  record Handshake(int code, String protocol, String firstMessage) {}

  private Handshake webSocket(String authorization, String... protocols) throws Exception {
    return webSocketAt(
        "/api/v1/pods?watch=true&resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1",
        authorization, protocols);
  }

  private Handshake webSocketAt(String pathAndQuery, String authorization, String... protocols)
      throws Exception {
    return webSocketAt(pathAndQuery, true, authorization, protocols);
  }

  /**
   * OkHttp's WebSocket sends no Origin, which x/net/websocket's checkOrigin refuses: a browser's
   * origin is added unless {@code origin} is false.
   */
  private Handshake webSocketAt(
      String pathAndQuery, boolean origin, String authorization, String... protocols)
      throws Exception {
    Request.Builder b = new Request.Builder().url(relay.url() + pathAndQuery);
    if (origin) {
      b.header("Origin", "http://localhost");
    }
    if (protocols.length > 0) {
      b.header("Sec-WebSocket-Protocol", String.join(", ", protocols));
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    java.util.concurrent.CompletableFuture<Handshake> done =
        new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.atomic.AtomicReference<Response> opened =
        new java.util.concurrent.atomic.AtomicReference<>();
    okhttp3.WebSocket ws =
        http.newWebSocket(
            b.build(),
            new okhttp3.WebSocketListener() {
              @Override
              public void onOpen(okhttp3.WebSocket socket, Response response) {
                opened.set(response);
              }

              @Override
              public void onMessage(okhttp3.WebSocket socket, String text) {
                Response r = opened.get();
                done.complete(new Handshake(r.code(), r.header("Sec-WebSocket-Protocol"), text));
              }

              @Override
              public void onFailure(okhttp3.WebSocket socket, Throwable t, Response response) {
                if (response == null) {
                  done.completeExceptionally(t);
                } else {
                  done.complete(
                      new Handshake(
                          response.code(), response.header("Sec-WebSocket-Protocol"), null));
                }
              }
            });
    try {
      return done.get(30, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      ws.cancel();
    }
  }

  @Test
  void aWebSocketWatchAuthenticatesWithItsBearerSubprotocolWhichIsNeverEchoed() throws Exception {
    // kubectl's and client-go's WebSocket clients, and browsers, cannot set the header.
    Handshake h = webSocket(null, protocolToken(NODE1), "v4.channel.k8s.io");
    assertThat(h.code()).isEqualTo(101);
    // x/net/websocket echoes the one subprotocol left once the authenticator removed the token.
    assertThat(h.protocol()).isEqualTo("v4.channel.k8s.io");
    assertThat(h.firstMessage()).contains("\"ADDED\"").contains("\"name\":\"a\"");
    // With the header, and no subprotocol at all: none in the 101.
    Handshake header = webSocket(bearer(NODE1));
    assertThat(header.code()).isEqualTo(101);
    assertThat(header.protocol()).isNull();
    // The token as the only subprotocol: the authenticator's "missing additional subprotocol".
    assertThat(webSocket(null, protocolToken(NODE1)).code()).isEqualTo(401);
    // Two tokens; a token not base64url; no token at all.
    assertThat(webSocket(null, protocolToken(NODE1), protocolToken(NODE1), "x").code())
        .isEqualTo(401);
    assertThat(webSocket(null, "base64url.bearer.authorization.k8s.io.not*base64", "x").code())
        .isEqualTo(401);
    assertThat(webSocket(null, "v4.channel.k8s.io").code()).isEqualTo(401);
    // A bad token in the header, a good one in the subprotocol: the union tries both.
    assertThat(webSocket(bearer(UNKNOWN), protocolToken(NODE1), "x").code()).isEqualTo(101);
    // Two subprotocols left: x/net/websocket fails the handshake with a bare 400.
    assertThat(webSocket(null, protocolToken(NODE1), "a", "b").code()).isEqualTo(400);
    // The token's identity is authorized as any: another node's pods are refused.
    assertThat(
            webSocketAt(
                    "/api/v1/pods?watch=true&resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-2",
                    null, protocolToken(NODE1), "x")
                .code())
        .isEqualTo(403);
  }

  @Test
  void aWebSocketWatchWithoutOriginIsForbiddenOnlyOnceAuthenticatedAndAuthorized()
      throws Exception {
    String path = "/api/v1/pods?watch=true&resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1";
    // x/net/websocket's checkOrigin, inside the watch handler: a bare 403.
    Handshake noOrigin = webSocketAt(path, false, bearer(NODE1));
    assertThat(noOrigin.code()).isEqualTo(403);
    assertThat(noOrigin.firstMessage()).isNull();
    assertThat(webSocketAt(path, false, null, protocolToken(NODE1), "x").code()).isEqualTo(403);
    // The authentication and authorization filters run first.
    assertThat(webSocketAt(path, false, null).code()).isEqualTo(401);
    assertThat(webSocketAt(path, false, bearer(UNKNOWN)).code()).isEqualTo(401);
    // Unauthorized, it is the authorizer's 403 (a Status body), not the handshake's bare one.
    assertThat(handshakeWithoutOrigin(path.replace("node-1", "node-2")))
        .startsWith("HTTP/1.1 403 Forbidden|{")
        .contains("\"kind\":\"Status\"");
    assertThat(handshakeWithoutOrigin(path)).isEqualTo("HTTP/1.1 403 Forbidden|");
  }

  /** A WebSocket handshake as NODE1 with no Origin, written by hand: status line and body. */
  private String handshakeWithoutOrigin(String pathAndQuery) throws IOException {
    String req =
        "GET "
            + pathAndQuery
            + " HTTP/1.1\r\nHost: relay\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Authorization: "
            + bearer(NODE1)
            + "\r\n\r\n";
    try (Socket s = new Socket(relay.url().getHost(), relay.url().getPort())) {
      s.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
      s.getOutputStream().write(req.getBytes(UTF_8));
      s.getOutputStream().flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
      String status = in.readLine();
      String line;
      int length = -1;
      while ((line = in.readLine()) != null && !line.isEmpty()) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring("content-length:".length()).trim());
        }
      }
      char[] body = new char[Math.max(length, 0)];
      int read = 0;
      while (read < body.length) {
        int n = in.read(body, read, body.length - read);
        if (n < 0) {
          break;
        }
        read += n;
      }
      return status + "|" + new String(body, 0, read);
    }
  }

  /**
   * A WebSocket handshake written by hand, each {@code connection} value on its own header line,
   * the token in the subprotocol only; the status line, and the body of a refusal.
   */
  private String handshakeWithConnectionLines(String... connection) throws IOException {
    StringBuilder req =
        new StringBuilder(
            "GET /api/v1/pods?watch=true&resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1"
                + " HTTP/1.1\r\nHost: relay\r\n");
    for (String c : connection) {
      req.append("Connection: ").append(c).append("\r\n");
    }
    req.append("Upgrade: websocket\r\n")
        .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
        .append("Sec-WebSocket-Version: 13\r\n")
        .append("Origin: http://localhost\r\n")
        .append("Sec-WebSocket-Protocol: ")
        .append(protocolToken(NODE1))
        .append(", v4.channel.k8s.io\r\n\r\n");
    try (Socket s = new Socket(relay.url().getHost(), relay.url().getPort())) {
      s.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
      s.getOutputStream().write(req.toString().getBytes(UTF_8));
      s.getOutputStream().flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
      String status = in.readLine();
      String line;
      while ((line = in.readLine()) != null && !line.isEmpty()) {
        // the headers
      }
      if (status.contains(" 101 ")) {
        return status;
      }
      StringBuilder body = new StringBuilder();
      char[] buf = new char[256];
      int n;
      while ((n = in.read(buf)) > 0) {
        body.append(buf, 0, n);
      }
      return status + "|" + body;
    }
  }

  @Test
  void everyConnectionHeaderLineIsReadForTheUpgradeAsTheApiserverReadsIt() throws Exception {
    // httpstream.IsUpgradeRequest reads every Connection line: the request is a WebSocket's, so
    // the ProtocolAuthenticator reads its subprotocol token (it was 401, no token seen). Then
    // x/net/websocket's handshake reads only the first line: its 400 and ErrNotWebSocket's text.
    assertThat(handshakeWithConnectionLines("keep-alive", "Upgrade"))
        .isEqualTo("HTTP/1.1 400 Bad Request|not websocket protocol");
    assertThat(handshakeWithConnectionLines("Upgrade", "keep-alive"))
        .isEqualTo("HTTP/1.1 101 Switching Protocols");
    assertThat(handshakeWithConnectionLines("keep-alive, Upgrade"))
        .isEqualTo("HTTP/1.1 101 Switching Protocols");
  }

  @Test
  void aWatchIsAuthorizedOnceAtItsStart() throws Exception {
    Request req = watchAsNode1(relay, "node-1");
    try (Response r = http.newCall(req).execute()) {
      assertThat(r.code()).isEqualTo(200);
      BufferedReader lines =
          new BufferedReader(new InputStreamReader(r.body().byteStream(), StandardCharsets.UTF_8));
      assertThat(lines.readLine()).contains("\"ADDED\"").contains("\"name\":\"a\"");
      long reviews = sim.stats().subjectAccessReviews();
      sim.create(PODS, pod("ns", "c", "node-1", "web"));
      assertThat(lines.readLine()).contains("\"ADDED\"").contains("\"name\":\"c\"");
      assertThat(sim.stats().subjectAccessReviews()).isEqualTo(reviews).isEqualTo(1);
    }
    Request other = watchAsNode1(relay, "node-2");
    try (Response r = http.newCall(other).execute()) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.body().string())
          .contains("cannot watch resource \\\"pods\\\"")
          .doesNotContain("node-2\\\"}");
    }
  }

  /**
   * The relay's header timeout in {@link
   * #aClientThatNeverSendsItsHeadersIsCutOffWhileASilentWatchStaysOpen}: Jetty times connections on
   * the wall clock, and the apiserver's 32 s would be waited out in real time.
   */
  static final Duration READ_HEADER_TIMEOUT = Duration.ofSeconds(1);

  @Test
  void aClientThatNeverSendsItsHeadersIsCutOffWhileASilentWatchStaysOpen() throws Exception {
    Relay timely =
        RelayOverKubeSim.started(
            RelayOverKubeSim.relay(sim, clock).readHeaderTimeout(READ_HEADER_TIMEOUT));
    try {
      Request watch = watchAsNode1(timely, "node-1");
      OkHttpClient patient = http.newBuilder().readTimeout(Duration.ofMinutes(2)).build();
      try (Response r = patient.newCall(watch).execute();
          Socket slow = new Socket(timely.url().getHost(), timely.url().getPort())) {
        assertThat(r.code()).isEqualTo(200);
        BufferedReader lines =
            new BufferedReader(
                new InputStreamReader(r.body().byteStream(), StandardCharsets.UTF_8));
        assertThat(lines.readLine()).contains("\"name\":\"a\"");
        // Slow-loris: half a request line, never finished. The apiserver's ReadHeaderTimeout is
        // 32 s; the relay held such a connection for its watches' idle timeout, an hour.
        slow.getOutputStream()
            .write("GET /api/v1/pods HTTP/1.1\r\nHost: relay\r\n".getBytes(UTF_8));
        slow.getOutputStream().flush();
        slow.setSoTimeout((int) Duration.ofSeconds(50).toMillis());
        long before = System.nanoTime();
        assertThat(slow.getInputStream().read())
            .as("the relay closed the connection")
            .isEqualTo(-1);
        Duration heldFor = Duration.ofNanos(System.nanoTime() - before);
        // Cut off by the header timeout, not by anything sooner, nor a watch's hour.
        assertThat(heldFor)
            .isGreaterThanOrEqualTo(READ_HEADER_TIMEOUT.minusMillis(100))
            .isLessThan(READ_HEADER_TIMEOUT.plusSeconds(13));
        // The watch, silent all that time (longer than the header timeout), still delivers.
        sim.create(PODS, pod("ns", "late", "node-1", "web"));
        assertThat(lines.readLine()).contains("\"ADDED\"").contains("\"name\":\"late\"");
      }
      assertThat(timely.health().tokenReviews()).isEqualTo(1);
    } finally {
      timely.close();
    }
  }

  @Test
  void oneIdentitysRequestsWithinTheTtlCostOneTokenReviewAndOneReviewPerAttributeSet()
      throws Exception {
    for (int i = 0; i < 20; i++) {
      assertThat(get(bearer(NODE1), OWN_PODS).code()).isEqualTo(200);
    }
    assertThat(sim.stats().tokenReviews()).isEqualTo(1);
    assertThat(sim.stats().subjectAccessReviews()).isEqualTo(1);
    assertThat(relay.health().tokenReviews()).isEqualTo(1);
    assertThat(relay.health().subjectAccessReviews()).isEqualTo(1);
    // A second attribute set (a get by name), and a denied one, asked once each.
    for (int i = 0; i < 5; i++) {
      assertThat(get(bearer(NODE1), "/api/v1/namespaces/ns/pods/a?resourceVersion=0").code())
          .isEqualTo(200);
      assertThat(get(bearer(NODE1), "/api/v1/pods?resourceVersion=0").code()).isEqualTo(403);
    }
    assertThat(sim.stats().tokenReviews()).isEqualTo(1);
    assertThat(sim.stats().subjectAccessReviews()).isEqualTo(3);
    // A refused token is asked again only after the refused TTL.
    for (int i = 0; i < 5; i++) {
      assertThat(get(bearer(UNKNOWN), OWN_PODS).code()).isEqualTo(401);
    }
    assertThat(sim.stats().tokenReviews()).isEqualTo(2);

    clock.advance(Relay.DEFAULT_REFUSED_TTL.plusSeconds(1));
    assertThat(get(bearer(UNKNOWN), OWN_PODS).code()).isEqualTo(401);
    assertThat(get(bearer(NODE1), "/api/v1/pods?resourceVersion=0").code()).isEqualTo(403);
    assertThat(get(bearer(NODE1), OWN_PODS).code()).isEqualTo(200);
    assertThat(sim.stats().tokenReviews()).isEqualTo(3); // the refused token again; not NODE1
    assertThat(sim.stats().subjectAccessReviews()).isEqualTo(4); // the denial again

    clock.advance(Relay.DEFAULT_ALLOWED_TTL);
    assertThat(get(bearer(NODE1), OWN_PODS).code()).isEqualTo(200);
    assertThat(sim.stats().tokenReviews()).isEqualTo(4);
    assertThat(sim.stats().subjectAccessReviews()).isEqualTo(5);
    assertThat(relay.health().tokenReviews()).isEqualTo(4);
    assertThat(relay.health().subjectAccessReviews()).isEqualTo(5);
  }

  @Test
  void aRevokedTokenIsRefusedOnceItsCachedAnswerExpires() throws Exception {
    assertThat(get(bearer(NODE1), OWN_PODS).code()).isEqualTo(200);
    sim.revokeToken(NODE1);
    // Still the cached answer within the TTL: how long a revoked token may read, at most.
    clock.advance(Relay.DEFAULT_ALLOWED_TTL.minusMillis(1));
    assertThat(get(bearer(NODE1), OWN_PODS).code()).isEqualTo(200);
    clock.advance(Duration.ofMillis(2));
    assertThat(get(bearer(NODE1), OWN_PODS).code()).isEqualTo(401);
    assertThat(sim.stats().tokenReviews()).isEqualTo(2);
  }

  /** Writes to both streams. */
  static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }
  }
}
