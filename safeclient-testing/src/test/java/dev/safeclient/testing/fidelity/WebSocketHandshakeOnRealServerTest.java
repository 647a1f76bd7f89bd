package dev.safeclient.testing.fidelity;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A watch's WebSocket handshake answered by KubeSim as by a real kube-apiserver, which serves it
 * with golang.org/x/net/websocket's {@code websocket.Handler}: its checkOrigin refuses a missing or
 * unparsable Origin (403), a missing key and a version other than 13 are 400s with x/net's text.
 * Each handshake is written by hand: clients add their own headers.
 */
@RealApiserverTest
class WebSocketHandshakeOnRealServerTest {
  private static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
  private static final String V13 = "Sec-WebSocket-Version: 13";
  private static final String ORIGIN = "Origin: http://localhost";

  /** The handshakes compared, by name: the headers after Connection and Upgrade. */
  private static final Map<String, List<String>> HANDSHAKES = new LinkedHashMap<>();

  static {
    HANDSHAKES.put("complete", List.of(KEY, V13, ORIGIN));
    HANDSHAKES.put("no Origin", List.of(KEY, V13));
    HANDSHAKES.put("Origin null", List.of(KEY, V13, "Origin: null"));
    HANDSHAKES.put("Origin a bare host", List.of(KEY, V13, "Origin: example.com"));
    HANDSHAKES.put("version 8", List.of(KEY, "Sec-WebSocket-Version: 8", ORIGIN));
    HANDSHAKES.put("no version", List.of(KEY, ORIGIN));
    HANDSHAKES.put("no key", List.of(V13, ORIGIN));
    HANDSHAKES.put("no key, version 8, no Origin", List.of("Sec-WebSocket-Version: 8"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1.34", "v1.30"})
  void kubeSimShakesHandsAsKubeApiserver(String pin) throws Exception {
    RealApiserverExtension.requireAvailable(pin);
    RealApiserver server = RealApiserver.shared(pin);
    String admin = server.token(Identity.ADMIN);
    try (KubeSim sim = KubeSim.builder().serverVersion(pin.substring(1)).build()) {
      List<String> differences = new ArrayList<>();
      for (Map.Entry<String, List<String>> h : HANDSHAKES.entrySet()) {
        String real = handshake(server.url(), server.sslContext(), admin, h.getValue());
        String kubeSim = handshake(sim.url(), null, null, h.getValue());
        System.out.println("[websocket-handshake] " + pin + " " + h.getKey() + " -> " + real);
        if (!real.equals(kubeSim)) {
          differences.add(h.getKey() + ":\n  real    " + real + "\n  KubeSim " + kubeSim);
        }
      }
      assertThat(differences).as("handshakes KubeSim answers otherwise than %s", pin).isEmpty();
    }
  }

  /**
   * The status line, the Sec-WebSocket-Version and Sec-WebSocket-Accept headers, and, for a refusal
   * (after which x/net closes the connection), the body.
   */
  private static String handshake(String url, SSLContext tls, String token, List<String> headers)
      throws IOException {
    URI uri = URI.create(url);
    StringBuilder req =
        new StringBuilder("GET /api/v1/configmaps?watch=1 HTTP/1.1\r\nHost: ")
            .append(uri.getHost())
            .append(':')
            .append(uri.getPort())
            .append("\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n");
    if (token != null) {
      req.append("Authorization: Bearer ").append(token).append("\r\n");
    }
    for (String h : headers) {
      req.append(h).append("\r\n");
    }
    req.append("\r\n");
    try (Socket s =
        tls == null
            ? new Socket(uri.getHost(), uri.getPort())
            : tls.getSocketFactory().createSocket(uri.getHost(), uri.getPort())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(req.toString().getBytes(UTF_8));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      StringBuilder answer = new StringBuilder(line(in));
      boolean switched = answer.toString().contains(" 101 ");
      String l;
      while (!(l = line(in)).isEmpty()) {
        String name = l.substring(0, l.indexOf(':')).toLowerCase(Locale.ROOT);
        if (name.equals("sec-websocket-version") || name.equals("sec-websocket-accept")) {
          answer.append(" | ").append(l);
        }
      }
      if (!switched) {
        answer.append(" | body=").append(new String(in.readAllBytes(), UTF_8));
      }
      return answer.toString();
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
}
