package dev.safeclient.apiserver;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket handshake of a watch on the wire, each refusal as golang.org/x/net/websocket's
 * server (websocket.Handler, which HandleWS is served by) writes it: the status line, the headers
 * it adds, and its body.
 */
class WebSocketHandshakeTest {
  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            if (!WebSocketWatch.isWebSocketRequest(request)) {
              response.setStatus(200);
              response.write(true, java.nio.ByteBuffer.wrap("plain".getBytes(UTF_8)), callback);
              return true;
            }
            if (WebSocketWatch.refuseHandshake(request, response, callback)) {
              return true;
            }
            WebSocketWatch ws =
                WebSocketWatch.upgrade(request, response, callback, false, MediaTypes.JSON);
            assertThat(ws).isNotNull();
            return true;
          }
        });
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  /** The answer's head: the status line, then each header line, lower-cased names. */
  private record Answer(String status, List<String> headers, String body) {
    String header(String name) {
      for (String h : headers) {
        int colon = h.indexOf(':');
        if (h.substring(0, colon).equalsIgnoreCase(name)) {
          return h.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  private Answer handshake(String... headers) throws IOException {
    StringBuilder req = new StringBuilder("GET /api/v1/pods?watch=true HTTP/1.1\r\nHost: sim\r\n");
    for (String h : headers) {
      req.append(h).append("\r\n");
    }
    req.append("\r\n");
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(req.toString().getBytes(UTF_8));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      String status = line(in);
      List<String> head = new ArrayList<>();
      String l;
      while (!(l = line(in)).isEmpty()) {
        head.add(l);
      }
      if (status.contains(" 101 ")) {
        return new Answer(status, head, "");
      }
      // Every refusal closes the connection, as x/net/websocket closes the hijacked one.
      return new Answer(status, head, new String(in.readAllBytes(), UTF_8));
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        out.write(b);
      }
    }
    return out.toString(UTF_8);
  }

  private static String[] with(String... extra) {
    List<String> h = new ArrayList<>(List.of("Connection: Upgrade", "Upgrade: websocket"));
    h.addAll(List.of(extra));
    return h.toArray(String[]::new);
  }

  @Test
  void aCompleteHandshakeWithAnOriginSwitchesProtocols() throws IOException {
    Answer a =
        handshake(
            with(
                "Sec-WebSocket-Key: " + KEY,
                "Sec-WebSocket-Version: 13",
                "Origin: http://localhost"));
    assertThat(a.status()).isEqualTo("HTTP/1.1 101 Switching Protocols");
    // RFC 6455's example key and its accept value.
    assertThat(a.header("Sec-WebSocket-Accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  }

  @Test
  void noExtensionIsNegotiatedWhenPermessageDeflateIsOffered() throws IOException {
    // OkHttp (fabric8's default client) offers it; x/net/websocket negotiates no extension.
    Answer a =
        handshake(
            with(
                "Sec-WebSocket-Key: " + KEY,
                "Sec-WebSocket-Version: 13",
                "Origin: http://localhost",
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"));
    assertThat(a.status()).isEqualTo("HTTP/1.1 101 Switching Protocols");
    assertThat(a.header("Sec-WebSocket-Extensions")).isNull();
  }

  @Test
  void noOriginIsABareForbiddenAsCheckOriginRefusesANullOrigin() throws IOException {
    Answer a = handshake(with("Sec-WebSocket-Key: " + KEY, "Sec-WebSocket-Version: 13"));
    assertThat(a.status()).isEqualTo("HTTP/1.1 403 Forbidden");
    assertThat(a.body()).isEmpty();
    assertThat(a.header("Connection")).isEqualTo("close");
    assertThat(a.header("Sec-WebSocket-Accept")).isNull();
    // An Origin url.ParseRequestURI refuses is refused the same way.
    for (String origin : List.of("null", "example.com", "http://h:port")) {
      assertThat(
              handshake(
                      with(
                          "Sec-WebSocket-Key: " + KEY,
                          "Sec-WebSocket-Version: 13",
                          "Origin: " + origin))
                  .status())
          .as(origin)
          .isEqualTo("HTTP/1.1 403 Forbidden");
    }
  }

  @Test
  void aVersionOtherThan13IsABadRequestNamingTheSupportedOne() throws IOException {
    for (String version : List.of("8", "14", "13, 8")) {
      Answer a =
          handshake(
              with(
                  "Sec-WebSocket-Key: " + KEY,
                  "Sec-WebSocket-Version: " + version,
                  "Origin: http://localhost"));
      assertThat(a.status()).as(version).isEqualTo("HTTP/1.1 400 Bad Request");
      assertThat(a.header("Sec-WebSocket-Version")).isEqualTo("13");
      assertThat(a.body()).isEqualTo("missing or bad WebSocket Version");
    }
    Answer missing = handshake(with("Sec-WebSocket-Key: " + KEY, "Origin: http://localhost"));
    assertThat(missing.status()).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(missing.header("Sec-WebSocket-Version")).isEqualTo("13");
    assertThat(missing.body()).isEqualTo("missing or bad WebSocket Version");
  }

  @Test
  void noKeyIsABadRequestCheckedBeforeTheVersionAndTheOrigin() throws IOException {
    Answer a = handshake(with("Sec-WebSocket-Version: 13", "Origin: http://localhost"));
    assertThat(a.status()).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(a.body()).isEqualTo("mismatch challenge/response");
    assertThat(a.header("Sec-WebSocket-Version")).isNull();
    // ReadHandshake's order: the key before the version, both before checkOrigin.
    Answer noKeyBadVersion = handshake(with("Sec-WebSocket-Version: 8"));
    assertThat(noKeyBadVersion.body()).isEqualTo("mismatch challenge/response");
    Answer badVersionNoOrigin = handshake(with("Sec-WebSocket-Key: " + KEY));
    assertThat(badVersionNoOrigin.status()).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(badVersionNoOrigin.body()).isEqualTo("missing or bad WebSocket Version");
  }

  @Test
  void requestUrisAsGoParsesThem() {
    // Each checked against Go's url.ParseRequestURI.
    assertThat(WebSocketWatch.isRequestUri("http://localhost")).isTrue();
    assertThat(WebSocketWatch.isRequestUri("https://a.example:8443/x?y")).isTrue();
    assertThat(WebSocketWatch.isRequestUri("http://h:")).isTrue();
    assertThat(WebSocketWatch.isRequestUri("http://[::1]:80")).isTrue();
    assertThat(WebSocketWatch.isRequestUri("mailto:x")).isTrue();
    // A scheme, then an opaque part: "localhost" is the scheme.
    assertThat(WebSocketWatch.isRequestUri("localhost:8080")).isTrue();
    assertThat(WebSocketWatch.isRequestUri("/path")).isTrue();
    assertThat(WebSocketWatch.isRequestUri("*")).isTrue();
    assertThat(WebSocketWatch.isRequestUri(null)).isFalse();
    assertThat(WebSocketWatch.isRequestUri("")).isFalse();
    assertThat(WebSocketWatch.isRequestUri("null")).isFalse();
    assertThat(WebSocketWatch.isRequestUri(":x")).isFalse();
    assertThat(WebSocketWatch.isRequestUri("1http://h")).isFalse();
    assertThat(WebSocketWatch.isRequestUri("http://h:8o")).isFalse();
    assertThat(WebSocketWatch.isRequestUri("http://h\u0001")).isFalse();
  }
}
