package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * fabric8 kubernetes-client 7.x watches and informers against KubeSim. A real apiserver serves a
 * watch over a WebSocket when asked ({@code serveWatchHandler} hands a request for which {@code
 * wsstream.IsWebSocketRequest} holds to {@code WatchServer.HandleWS}), else over a chunked HTTP
 * response whose headers it flushes at once ({@code watchResponseWriter.BeginStream}).
 */
class Fabric8WatchTest {
  /** Bounds every wait for something KubeSim sends at once; never reached on success. */
  private static final long WAIT_SECONDS = 30;

  KubeSim sim;
  KubernetesClient client;

  KubernetesClient client(boolean onlyHttpWatches) {
    Config config =
        new ConfigBuilder()
            .withMasterUrl(sim.url())
            .withOnlyHttpWatches(onlyHttpWatches)
            .withRequestRetryBackoffLimit(0)
            .build();
    client =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientFactory(new JdkHttpClientFactory())
            .build();
    return client;
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  static ConfigMap configMap(String name, String value) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns1")
        .endMetadata()
        .addToData("k", value)
        .build();
  }

  record Seen(Watcher.Action action, String name, String value) {}

  private void watchFollowsChanges(boolean onlyHttpWatches, String expectedUpgrade)
      throws Exception {
    sim = KubeSim.builder().namespaces("ns1").build();
    KubernetesClient c = client(onlyHttpWatches);
    c.configMaps().inNamespace("ns1").resource(configMap("before", "0")).create();
    String rv = c.configMaps().inNamespace("ns1").list().getMetadata().getResourceVersion();
    BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    // Over a WebSocket, watch() returns once the 101 arrived; over HTTP fabric8 returns at once.
    CompletableFuture<Watch> opened =
        CompletableFuture.supplyAsync(
            () ->
                c.configMaps()
                    .inNamespace("ns1")
                    .withResourceVersion(rv)
                    .watch(
                        new Watcher<>() {
                          @Override
                          public void eventReceived(Action action, ConfigMap cm) {
                            seen.add(
                                new Seen(
                                    action, cm.getMetadata().getName(), cm.getData().get("k")));
                          }

                          @Override
                          public void onClose(WatcherException cause) {}
                        }));
    Watch watch = opened.get(WAIT_SECONDS, TimeUnit.SECONDS);
    try {
      awaitOpenWatches(1);
      c.configMaps().inNamespace("ns1").resource(configMap("a", "1")).create();
      // update(), not edit(): edit() sends a JSON patch, which KubeSim does not serve yet.
      c.configMaps().inNamespace("ns1").resource(configMap("a", "2")).update();
      c.configMaps().inNamespace("ns1").withName("a").delete();
      assertThat(seen.poll(WAIT_SECONDS, TimeUnit.SECONDS))
          .isEqualTo(new Seen(Watcher.Action.ADDED, "a", "1"));
      assertThat(seen.poll(WAIT_SECONDS, TimeUnit.SECONDS))
          .isEqualTo(new Seen(Watcher.Action.MODIFIED, "a", "2"));
      assertThat(seen.poll(WAIT_SECONDS, TimeUnit.SECONDS).action())
          .isEqualTo(Watcher.Action.DELETED);
    } finally {
      watch.close();
    }
    List<RequestLogEntry> watches =
        sim.requestLog().stream().filter(e -> e.requestLine().contains("watch=true")).toList();
    assertThat(watches).hasSize(1);
    assertThat(watches.get(0).code()).isEqualTo(expectedUpgrade.equals("websocket") ? 101 : 200);
  }

  @Test
  void fabric8WatchOverWebSocketFollowsChanges() throws Exception {
    watchFollowsChanges(false, "websocket");
  }

  @Test
  void fabric8WatchWithOnlyHttpWatchesFollowsChanges() throws Exception {
    watchFollowsChanges(true, "http");
  }

  // Closing the WebSocket ends the watch: HandleWS returns when IgnoreReceives sees the close.
  @Test
  void closingTheWebSocketClosesTheWatch() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").build();
    KubernetesClient c = client(false);
    Watch w =
        c.configMaps()
            .inNamespace("ns1")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ConfigMap cm) {}

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    awaitOpenWatches(1);
    w.close();
    awaitOpenWatches(0);
  }

  /** Waits (bounded) until KubeSim counts {@code n} open watches; fails if it never does. */
  private void awaitOpenWatches(int n) {
    await()
        .atMost(WAIT_SECONDS, TimeUnit.SECONDS)
        .untilAsserted(() -> assertThat(sim.stats().watchesOpen()).isEqualTo(n));
  }

  /**
   * The status a WebSocket watch's handshake is answered with; the JDK's client sends no Origin.
   */
  private int webSocketHandshake(String token, String origin) throws Exception {
    WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (origin != null) {
      b.header("Origin", origin);
    }
    try {
      b.buildAsync(
              URI.create(
                  sim.url().replace("http", "ws") + "/api/v1/namespaces/ns1/configmaps?watch=1"),
              new WebSocket.Listener() {})
          .get(WAIT_SECONDS, TimeUnit.SECONDS)
          .abort();
      return 101;
    } catch (java.util.concurrent.ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
      return ((java.net.http.WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
    }
  }

  /** A WebSocket watch handshake without Origin written by hand: its status line and body. */
  private String handshakeWithoutOrigin(String token) throws Exception {
    URI uri = URI.create(sim.url());
    String req =
        "GET /api/v1/namespaces/ns1/configmaps?watch=1 HTTP/1.1\r\nHost: sim\r\n"
            + "Connection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Authorization: Bearer "
            + token
            + "\r\n\r\n";
    try (java.net.Socket s = new java.net.Socket(uri.getHost(), uri.getPort())) {
      s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
      s.getOutputStream().write(req.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      java.io.BufferedReader in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  s.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
      String status = in.readLine();
      int length = 0;
      String line;
      while ((line = in.readLine()) != null && !line.isEmpty()) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring("content-length:".length()).trim());
        }
      }
      char[] body = new char[length];
      int read = 0;
      for (int n; read < length && (n = in.read(body, read, length - read)) > 0; ) {
        read += n;
      }
      return status + "|" + new String(body, 0, read);
    }
  }

  // websocket.Handler's checkOrigin refuses a handshake with no Origin: a bare 403, but only once
  // the authentication and authorization filters, which run before the watch handler, let it by.
  @Test
  void aWebSocketWatchWithoutOriginIsForbiddenAfterAuthorization() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .user("alice-token", "alice")
            .user("bob-token", "bob")
            .allow("alice", "list,watch", "configmaps")
            .build();
    assertThat(webSocketHandshake("alice-token", null)).isEqualTo(403);
    assertThat(webSocketHandshake("alice-token", "null")).isEqualTo(403);
    assertThat(handshakeWithoutOrigin("alice-token")).isEqualTo("HTTP/1.1 403 Forbidden|");
    // Not authorized: the authorizer's 403, a Status, before any handshake.
    assertThat(handshakeWithoutOrigin("bob-token"))
        .startsWith("HTTP/1.1 403 Forbidden|{")
        .contains("\"kind\":\"Status\"")
        .contains("cannot watch resource \\\"configmaps\\\"");
    assertThat(webSocketHandshake("alice-token", "http://localhost")).isEqualTo(101);
  }

  // HandleWS: one event per message, text frames for JSON (UseTextFraming).
  @Test
  void aWebSocketWatchSendsOneTextMessagePerEvent() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").build();
    sim.create("v1", "configmaps", "{\"metadata\":{\"name\":\"x\",\"namespace\":\"ns1\"}}");
    BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            // x/net/websocket's checkOrigin refuses a handshake without one (the JDK sends none).
            .header("Origin", "http://localhost")
            .buildAsync(
                URI.create(
                    sim.url().replace("http", "ws") + "/api/v1/namespaces/ns1/configmaps?watch=1"),
                new WebSocket.Listener() {
                  final StringBuilder text = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(WebSocket s, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                      messages.add(text.toString());
                      text.setLength(0);
                    }
                    s.request(1);
                    return null;
                  }

                  @Override
                  public CompletionStage<?> onBinary(WebSocket s, ByteBuffer data, boolean last) {
                    messages.add("binary");
                    return null;
                  }
                })
            .get(WAIT_SECONDS, TimeUnit.SECONDS);
    try {
      String first = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(first)
          .startsWith("{\"type\":\"ADDED\"")
          .contains("\"name\":\"x\"")
          .endsWith("}\n");
      sim.create("v1", "configmaps", "{\"metadata\":{\"name\":\"y\",\"namespace\":\"ns1\"}}");
      assertThat(messages.poll(WAIT_SECONDS, TimeUnit.SECONDS))
          .startsWith("{\"type\":\"ADDED\"")
          .contains("\"name\":\"y\"");
    } finally {
      ws.abort();
    }
  }

  // HandleWS with a Protobuf encoder: binary messages, each a raw WatchEvent (the stream
  // serializer's Protobuf without the HTTP stream's 4-byte length: the WebSocket frames it).
  @Test
  void aProtobufWebSocketWatchSendsOneBinaryWatchEventPerMessage() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").build();
    sim.create("v1", "configmaps", "{\"metadata\":{\"name\":\"x\",\"namespace\":\"ns1\"}}");
    BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .header("Origin", "http://localhost")
            .header("Accept", "application/vnd.kubernetes.protobuf;stream=watch")
            .buildAsync(
                URI.create(
                    sim.url().replace("http", "ws") + "/api/v1/namespaces/ns1/configmaps?watch=1"),
                new WebSocket.Listener() {
                  final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

                  @Override
                  public CompletionStage<?> onBinary(WebSocket s, ByteBuffer data, boolean last) {
                    byte[] part = new byte[data.remaining()];
                    data.get(part);
                    bytes.writeBytes(part);
                    if (last) {
                      messages.add(bytes.toByteArray());
                      bytes.reset();
                    }
                    s.request(1);
                    return null;
                  }
                })
            .get(WAIT_SECONDS, TimeUnit.SECONDS);
    try {
      io.kubernetes.client.proto.Meta.WatchEvent ev =
          io.kubernetes.client.proto.Meta.WatchEvent.parseFrom(
              messages.poll(WAIT_SECONDS, TimeUnit.SECONDS));
      assertThat(ev.getType()).isEqualTo("ADDED");
      // The object is a RawExtension holding magic + Unknown, as on the HTTP stream.
      io.kubernetes.client.proto.V1.ConfigMap cm =
          io.kubernetes.client.proto.V1.ConfigMap.parseFrom(
              ProtobufFixturesTest.unwrap(ev.getObject().getRaw().toByteArray()).raw());
      assertThat(cm.getMetadata().getName()).isEqualTo("x");
    } finally {
      ws.abort();
    }
  }

  // A fabric8 informer lists, then watches (over a WebSocket), and follows changes.
  @Test
  void fabric8InformerSyncsAndFollowsChanges() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").build();
    KubernetesClient c = client(false);
    c.configMaps().inNamespace("ns1").resource(configMap("one", "1")).create();
    List<String> added = new CopyOnWriteArrayList<>();
    BlockingQueue<String> updates = new LinkedBlockingQueue<>();
    SharedIndexInformer<ConfigMap> informer =
        c.configMaps()
            .inNamespace("ns1")
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(ConfigMap cm) {
                    added.add(cm.getMetadata().getName());
                    updates.add("add " + cm.getMetadata().getName());
                  }

                  @Override
                  public void onUpdate(ConfigMap before, ConfigMap after) {
                    updates.add("update " + after.getMetadata().getName());
                  }

                  @Override
                  public void onDelete(ConfigMap cm, boolean unknownFinalState) {
                    updates.add("delete " + cm.getMetadata().getName());
                  }
                });
    try {
      informer.start().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(informer.hasSynced()).isTrue();
      assertThat(updates.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("add one");
      c.configMaps().inNamespace("ns1").resource(configMap("two", "2")).create();
      assertThat(updates.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("add two");
      c.configMaps().inNamespace("ns1").withName("one").delete();
      assertThat(updates.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("delete one");
      assertThat(informer.getStore().list())
          .extracting(cm -> cm.getMetadata().getName())
          .containsExactly("two");
      assertThat(
              sim.requestLog().stream()
                  .filter(e -> e.requestLine().contains("watch=true"))
                  .map(RequestLogEntry::code))
          .contains(101);
    } finally {
      informer.close();
    }
  }
}
