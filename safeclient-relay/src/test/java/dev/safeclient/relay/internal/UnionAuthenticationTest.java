package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.model.time.VirtualTimeSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket request's two bearer tokens as the delegating authenticator's union ({@code
 * union.New}) tries them: the header's, then the subprotocol's, the next tried on any failure of
 * the one before, a refusal or an error; here the error is the review bound's 429, a token the
 * relay did not review.
 */
class UnionAuthenticationTest {
  /** The gate: "good" is node n1, "busy" is over the review bound, anything else unknown. */
  static final RequestGate GATE =
      new RequestGate() {
        @Override
        public Identity authenticate(String token) {
          if ("good".equals(token)) {
            return ReviewGateTest.NODE;
          }
          if ("busy".equals(token)) {
            throw new StatusException(
                Status.tooManyRequests("Too many requests, please try again later.", 1));
          }
          throw new StatusException(Status.unauthorized());
        }

        @Override
        public void authorize(Identity who, RequestInfo request) {}
      };

  private final OkHttpClient http =
      new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30)).build();
  private RelayServerOverKubeSim relay;

  @BeforeEach
  void start() throws Exception {
    relay =
        RelayServerOverKubeSim.start(
            "relay", VirtualTimeSource.manual(), GATE, FlowControl.Limits.DEFAULTS);
  }

  @AfterEach
  void stop() {
    relay.close();
  }

  private static String protocol(String token) {
    return "base64url.bearer.authorization.k8s.io."
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(token.getBytes(StandardCharsets.UTF_8));
  }

  /** The handshake's status code: 101, or the refusal's. */
  private int webSocket(String headerToken, String protocolToken) throws Exception {
    Request.Builder b =
        new Request.Builder()
            .url(relay.server.url() + "/api/v1/namespaces/ns/pods?watch=true&resourceVersion=0")
            // x/net/websocket's checkOrigin refuses a handshake without one; OkHttp sends none.
            .header("Origin", "http://localhost");
    if (headerToken != null) {
      b.header("Authorization", "Bearer " + headerToken);
    }
    if (protocolToken != null) {
      b.header("Sec-WebSocket-Protocol", protocol(protocolToken) + ", v4.channel.k8s.io");
    }
    CompletableFuture<Integer> code = new CompletableFuture<>();
    WebSocket ws =
        http.newWebSocket(
            b.build(),
            new WebSocketListener() {
              @Override
              public void onOpen(WebSocket socket, Response response) {
                code.complete(response.code());
              }

              @Override
              public void onFailure(WebSocket socket, Throwable t, Response response) {
                if (response == null) {
                  code.completeExceptionally(t);
                } else {
                  code.complete(response.code());
                }
              }
            });
    try {
      return code.get(30, TimeUnit.SECONDS);
    } finally {
      ws.cancel();
    }
  }

  @Test
  void aHeaderTokenOverTheReviewBoundPassesToTheSubprotocolToken() throws Exception {
    assertThat(webSocket("busy", "good")).isEqualTo(101);
    // As a refused one does.
    assertThat(webSocket("unknown", "good")).isEqualTo(101);
    assertThat(webSocket("good", "unknown")).isEqualTo(101);
  }

  @Test
  void whenNeitherAuthenticatesAnUnreviewedTokensRetryLaterIsKept() throws Exception {
    assertThat(webSocket("busy", "unknown")).isEqualTo(429);
    assertThat(webSocket("unknown", "busy")).isEqualTo(429);
    assertThat(webSocket("busy", null)).isEqualTo(429);
    assertThat(webSocket("unknown", "unknown")).isEqualTo(401);
    assertThat(webSocket(null, null)).isEqualTo(401);
  }
}
