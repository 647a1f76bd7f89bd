package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.safeclient.apiserver.Query;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.core.SafeClient;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review answers that are JSON but whose fields have the wrong types: each is a failed review over
 * real OkHttp, refusing its request as a failed authenticator or authorizer does (401, 500), never
 * an unexpected exception out of the relay's request handling.
 */
class MalformedReviewAnswerTest {
  private HttpServer server;
  private SafeClientReviews reviews;
  private ReviewGate gate;
  private volatile String tokenReviewAnswer;
  private volatile String subjectAccessReviewAnswer;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        SafeClientReviews.TOKEN_REVIEWS, exchange -> answer(exchange, tokenReviewAnswer));
    server.createContext(
        SafeClientReviews.SUBJECT_ACCESS_REVIEWS,
        exchange -> answer(exchange, subjectAccessReviewAnswer));
    server.start();
    ApiClient api =
        new ApiClient().setBasePath("http://127.0.0.1:" + server.getAddress().getPort());
    SafeClient safe = SafeClient.builder(api).userAgent("relay/1").nodeName(null).build();
    reviews = new SafeClientReviews(safe, Duration.ofSeconds(5));
    gate =
        new ReviewGate(
            reviews,
            "aud",
            Duration.ofMinutes(1),
            Duration.ofSeconds(10),
            VirtualTimeSource.manual());
  }

  private static void answer(com.sun.net.httpserver.HttpExchange exchange, String body)
      throws IOException {
    exchange.getRequestBody().readAllBytes();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(201, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aTokenReviewAnswerWithWrongTypesIsAFailedReviewAnd401() {
    for (String answer :
        List.of(
            "{\"status\":{\"authenticated\":{}}}",
            "{\"status\":{\"authenticated\":true,\"audiences\":[\"aud\"],"
                + "\"user\":{\"username\":\"alice\",\"groups\":[{\"g\":\"secret-group\"}]}}}")) {
      tokenReviewAnswer = answer;
      assertThatThrownBy(() -> reviews.tokenReview("tok", "aud"))
          .isInstanceOf(IOException.class)
          .hasMessage(
              "upstream answer to /apis/authentication.k8s.io/v1/tokenreviews is malformed:"
                  + " UnsupportedOperationException");
      assertThatThrownBy(() -> gate.authenticate("tok-" + answer.length()))
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.status().code()).isEqualTo(401));
    }
  }

  @Test
  void aSubjectAccessReviewAnswerWithWrongTypesIsAFailedReviewAnd500() {
    subjectAccessReviewAnswer = "{\"status\":{\"allowed\":{}}}";
    Identity who = new Identity("u", "", List.of("system:authenticated"), Map.of());
    RequestInfo list = RequestInfo.parse("GET", "/api/v1/pods", Query.parse(""));
    assertThatThrownBy(() -> reviews.subjectAccessReview(who, list))
        .isInstanceOf(IOException.class)
        .hasMessage(
            "upstream answer to /apis/authorization.k8s.io/v1/subjectaccessreviews is malformed:"
                + " UnsupportedOperationException");
    assertThatThrownBy(() -> gate.authorize(who, list))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.status().code()).isEqualTo(500));
  }
}
