package dev.safeclient.apiserver;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.server.WebSocketMappings;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;

/**
 * A watch served over a WebSocket, as the apiserver's {@code WatchServer.HandleWS} serves it
 * (k8s.io/apiserver pkg/endpoints/handlers/watch.go): {@code 101 Switching Protocols}, then one
 * message per event, text for JSON and binary for Protobuf. The Protobuf message is the raw
 * WatchEvent (the stream serializer without its 4-byte length prefix: the WebSocket frame is the
 * framing). What the client sends is ignored ({@code wsstream.IgnoreReceives}); its close ends the
 * watch.
 */
public final class WebSocketWatch implements WatchStreamWriter.Transport {
  /**
   * The subprotocol a client that cannot set headers on a WebSocket (a browser, kubectl's and
   * client-go's WebSocket executors) sends its bearer token in: this prefix, then the token in
   * unpadded base64url (pkg/authentication/request/websocket/protocol.go).
   */
  public static final String BEARER_PROTOCOL_PREFIX = "base64url.bearer.authorization.k8s.io.";

  /** Length prefix of a Protobuf watch frame on a plain HTTP stream; a WebSocket frame has none. */
  private static final int PROTOBUF_LENGTH_PREFIX = 4;

  private final boolean binary;
  private final AtomicReference<WatchStreamWriter> stream = new AtomicReference<>();
  private volatile CoreSession session;

  private WebSocketWatch(boolean binary) {
    this.binary = binary;
  }

  /**
   * {@code wsstream.IsWebSocketRequest}: {@code Upgrade: websocket} (its first value, any case) and
   * any value of any {@code Connection} header containing {@code upgrade}, any case ({@code
   * httpstream.IsUpgradeRequest}, a substring test over every header line, not a token list).
   */
  public static boolean isWebSocketRequest(Request request) {
    String upgrade = request.getHeaders().get(HttpHeader.UPGRADE);
    if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")) {
      return false;
    }
    for (String connection : request.getHeaders().getValuesList(HttpHeader.CONNECTION)) {
      if (connection.toLowerCase(Locale.ROOT).contains("upgrade")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The bearer token of a WebSocket request's bearer subprotocol, as the apiserver's
   * ProtocolAuthenticator reads it; null when it offers none.
   *
   * @throws StatusException 401, as the authenticator's errors are answered, when the subprotocol
   *     is there twice, is not unpadded base64url of UTF-8, or is the only one offered (one must
   *     remain to be echoed)
   */
  public static String bearerToken(Request request) {
    String token = null;
    boolean others = false;
    for (String p : subprotocols(request)) {
      if (!p.startsWith(BEARER_PROTOCOL_PREFIX)) {
        others = true;
        continue;
      }
      if (token != null) {
        throw new StatusException(Status.unauthorized());
      }
      token = decodeToken(p.substring(BEARER_PROTOCOL_PREFIX.length()));
    }
    if (token == null || token.isEmpty()) {
      return null;
    }
    if (!others) {
      throw new StatusException(Status.unauthorized());
    }
    return token;
  }

  private static String decodeToken(String encoded) {
    byte[] raw;
    try {
      // base64.RawURLEncoding: no padding accepted.
      if (encoded.indexOf('=') >= 0) {
        throw new IllegalArgumentException("padded");
      }
      raw = Base64.getUrlDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new StatusException(Status.unauthorized());
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw new StatusException(Status.unauthorized());
    }
  }

  /**
   * The subprotocols the request offers, every Sec-WebSocket-Protocol header's, comma-separated and
   * trimmed, in order.
   */
  private static List<String> subprotocols(Request request) {
    List<String> out = new ArrayList<>();
    for (String header : request.getHeaders().getValuesList(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL)) {
      for (String p : header.split(",", -1)) {
        out.add(p.trim());
      }
    }
    return out;
  }

  /**
   * The subprotocols the handshake considers: the offered ones without the bearer subprotocol,
   * which the authenticator removes, so that the token is never echoed.
   */
  static List<String> handshakeSubprotocols(Request request) {
    List<String> out = new ArrayList<>();
    for (String p : subprotocols(request)) {
      if (!p.startsWith(BEARER_PROTOCOL_PREFIX) && !p.isEmpty()) {
        out.add(p);
      }
    }
    return out;
  }

  /**
   * Answers a WebSocket request that golang.org/x/net/websocket, which HandleWS is served by, fails
   * to shake hands with, as it answers it; returns whether it answered. Call it before {@link
   * #upgrade}, on a request {@link #isWebSocketRequest} accepts, after authentication and
   * authorization: the apiserver's filters run before the watch handler shakes hands. In x/net's
   * order (server.go newServerConn; hybi.go ReadHandshake, then the Handshake, then
   * AcceptHandshake), each written on the hijacked connection, which is then closed:
   *
   * <ul>
   *   <li>Its ReadHandshake reads only the first {@code Connection} header: without {@code upgrade}
   *       in it (the upgrade named on a later line), ErrNotWebSocket, {@code 400 Bad Request} with
   *       the error's text as the body.
   *   <li>No (or an empty) {@code Sec-WebSocket-Key}: ErrChallengeResponse, {@code 400} with its
   *       text.
   *   <li>{@code Sec-WebSocket-Version} other than {@code 13}: ErrBadWebSocketVersion, {@code 400}
   *       with {@code Sec-WebSocket-Version: 13} and its text.
   *   <li>{@code websocket.Handler}'s Handshake is checkOrigin: an {@code Origin} missing or not a
   *       request URI ({@link #isRequestUri}) is a bare {@code 403 Forbidden}.
   *   <li>More than one subprotocol offered (once the bearer one is removed): its AcceptHandshake
   *       fails with ErrBadWebSocketProtocol, a bare {@code 400 Bad Request} with no body.
   * </ul>
   */
  public static boolean refuseHandshake(Request request, Response response, Callback callback) {
    String first = request.getHeaders().get(HttpHeader.CONNECTION);
    if (first == null || !first.toLowerCase(Locale.ROOT).contains("upgrade")) {
      return refuse(response, callback, 400, "not websocket protocol");
    }
    String key = request.getHeaders().get(HttpHeader.SEC_WEBSOCKET_KEY);
    if (key == null || key.isEmpty()) {
      return refuse(response, callback, 400, "mismatch challenge/response");
    }
    if (!SUPPORTED_VERSION.equals(request.getHeaders().get(HttpHeader.SEC_WEBSOCKET_VERSION))) {
      response.getHeaders().put(HttpHeader.SEC_WEBSOCKET_VERSION, SUPPORTED_VERSION);
      return refuse(response, callback, 400, "missing or bad WebSocket Version");
    }
    if (!isRequestUri(request.getHeaders().get(HttpHeader.ORIGIN))) {
      return refuse(response, callback, 403, "");
    }
    if (handshakeSubprotocols(request).size() <= 1) {
      return false;
    }
    response.setStatus(400);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
    response.write(true, ByteBuffer.allocate(0), callback);
    return true;
  }

  /** x/net's SupportedProtocolVersion, the only Sec-WebSocket-Version its server accepts. */
  private static final String SUPPORTED_VERSION = "13";

  private static boolean refuse(Response response, Callback callback, int status, String text) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  /**
   * Whether Go's {@code url.ParseRequestURI} parses {@code origin}, as checkOrigin needs it to: not
   * missing or empty, no control byte, and {@code *}, an absolute path, or a scheme ({@code
   * [A-Za-z][A-Za-z0-9+.-]*:}) followed by anything but an authority with a port that is not
   * digits. A bare host or {@code null} (what a browser sends from an opaque origin) fails. Further
   * authority rules of net/url (IP literals, userinfo, escapes), which vary between Go releases,
   * are not modelled.
   */
  static boolean isRequestUri(String origin) {
    if (origin == null || origin.isEmpty()) {
      return false;
    }
    for (int i = 0; i < origin.length(); i++) {
      char c = origin.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    if (origin.equals("*")) {
      return true;
    }
    int colon = schemeEnd(origin);
    if (colon < 0) {
      return origin.startsWith("/");
    }
    if (colon == 0) {
      return false; // "missing protocol scheme"
    }
    String rest = origin.substring(colon + 1);
    if (!rest.startsWith("//")) {
      return true; // opaque or a path: parsed
    }
    String authority = rest.substring(2).split("[/?]", 2)[0];
    String host = authority.substring(authority.lastIndexOf('@') + 1);
    if (host.startsWith("[")) {
      return true;
    }
    int portColon = host.lastIndexOf(':');
    return portColon < 0
        || host.substring(portColon + 1).chars().allMatch(c -> c >= '0' && c <= '9');
  }

  /** The index of the colon that ends the scheme (0 if the colon comes first), or -1 if none. */
  private static int schemeEnd(String url) {
    for (int i = 0; i < url.length(); i++) {
      char c = url.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        continue;
      }
      if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
        if (i == 0) {
          return -1;
        }
        continue;
      }
      return c == ':' ? i : -1;
    }
    return -1;
  }

  /**
   * Upgrades the request, or returns null if it is no valid WebSocket handshake (then the watch is
   * served over plain HTTP). The writer must be attached with {@link #attach} before events flow.
   */
  public static WebSocketWatch upgrade(
      Request request, Response response, Callback callback, boolean binary, String contentType) {
    WebSocketWatch ws = new WebSocketWatch(binary);
    // watch.go serveWatchHandler sets the Content-Type before handing over to websocket.Handler.
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    WebSocketNegotiator negotiator =
        WebSocketNegotiator.from(
            (req, resp, cb) -> {
              // golang.org/x/net/websocket echoes the one subprotocol left (the authenticator
              // has removed the bearer one), and sends none when none is left.
              List<String> offered = handshakeSubprotocols(request);
              if (offered.size() == 1) {
                resp.setAcceptedSubProtocol(offered.get(0));
              }
              // x/net/websocket negotiates no extension. Jetty would accept the
              // permessage-deflate that OkHttp and fabric8 offer: a deflate of every event for
              // every watcher, and frames kube-apiserver never sends.
              resp.setExtensions(List.of());
              return ws;
            },
            (created, req, resp) -> ((WebSocketWatch) created).frames,
            config -> {
              // The watch has its own timeout (timeoutSeconds); the apiserver sets none on the
              // connection, and an event is one unfragmented frame.
              config.setIdleTimeout(Duration.ZERO);
              config.setAutoFragment(false);
              config.setMaxFrameSize(0);
            });
    boolean upgraded =
        mappings(request.getConnectionMetaData().getConnector().getServer())
            .upgrade(negotiator, request, response, callback, null);
    return upgraded ? ws : null;
  }

  private static final Object MAPPINGS_LOCK = new Object();

  private static WebSocketMappings mappings(Server server) {
    synchronized (MAPPINGS_LOCK) {
      Object m = server.getAttribute(WebSocketMappings.class.getName());
      if (m == null) {
        m = new WebSocketMappings(WebSocketServerComponents.ensureWebSocketComponents(server));
        server.setAttribute(WebSocketMappings.class.getName(), m);
      }
      return (WebSocketMappings) m;
    }
  }

  /** Starts writing {@code w}'s events once the session is open (at once if it is). */
  public void attach(WatchStreamWriter w) {
    stream.set(w);
    if (session != null) {
      w.transportReady();
    }
  }

  @Override
  public boolean ready() {
    return session != null;
  }

  @Override
  public boolean messages() {
    return true;
  }

  @Override
  public void writeHeaders(Callback written) {
    written.succeeded(); // the 101 answered the handshake
  }

  @Override
  public void writeEvent(ByteBuffer event, Callback written) {
    ByteBuffer payload = event.duplicate();
    if (binary) {
      payload.position(payload.position() + PROTOBUF_LENGTH_PREFIX);
    }
    session.sendFrame(new Frame(binary ? OpCode.BINARY : OpCode.TEXT, payload), written, false);
  }

  @Override
  public void writeEnd(Callback written) {
    // HandleWS returns at the end of results or on timeout, and its deferred ws.Close() closes
    // the connection normally.
    session.close(CloseStatus.NORMAL, null, written);
  }

  @Override
  public void completed(Throwable failure) {
    CoreSession s = session;
    if (failure != null && s != null) {
      s.abort();
    }
  }

  /** The session's side: what the client sends is dropped; its close or an error ends the watch. */
  private final FrameHandler frames =
      new FrameHandler() {
        @Override
        public void onOpen(CoreSession coreSession, Callback callback) {
          session = coreSession;
          callback.succeeded();
          coreSession.demand();
          WatchStreamWriter w = stream.get();
          if (w != null) {
            w.transportReady();
          }
        }

        @Override
        public void onFrame(Frame frame, Callback callback) {
          callback.succeeded(); // the client should send nothing; whatever it sends is dropped
          session.demand();
        }

        @Override
        public void onError(Throwable cause, Callback callback) {
          WatchStreamWriter w = stream.get();
          if (w != null) {
            w.abort(cause);
          }
          callback.succeeded();
        }

        @Override
        public void onClosed(CloseStatus closeStatus, Callback callback) {
          WatchStreamWriter w = stream.get();
          if (w != null) {
            // The client closed (or the close handshake we started completed): counted closed.
            w.abort(new java.io.IOException("WebSocket closed: " + closeStatus));
          }
          callback.succeeded();
        }
      };
}
