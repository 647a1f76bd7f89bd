package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.safeclient.apiserver.Query;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.model.time.VirtualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The gate's caching rules: answers are cached, failures never (a failed review is a 500 for its
 * request and is asked again by the next), the token is a hash in the cache, and a TokenReview
 * answer that does not name the relay's audience is no authentication.
 */
class ReviewGateTest {
  static final Identity NODE =
      new Identity("system:node:n1", "", List.of("system:nodes"), Map.of());

  /** Answers from a script; an IOException where the script says so. */
  static final class Scripted implements Reviews {
    final Deque<Object> tokenAnswers = new ArrayDeque<>();
    final Deque<Object> sarAnswers = new ArrayDeque<>();
    int tokenCalls;
    int sarCalls;

    @Override
    @SuppressWarnings("unchecked")
    public Optional<Identity> tokenReview(String token, String audience) throws IOException {
      tokenCalls++;
      Object a = tokenAnswers.pop();
      if (a instanceof IOException e) {
        throw e;
      }
      return (Optional<Identity>) a;
    }

    @Override
    public Decision subjectAccessReview(Identity who, RelayRequest request) throws IOException {
      sarCalls++;
      Object a = sarAnswers.pop();
      if (a instanceof IOException e) {
        throw e;
      }
      return (Decision) a;
    }
  }

  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private final Scripted reviews = new Scripted();
  private final ReviewGate gate =
      new ReviewGate(reviews, "aud", Duration.ofMinutes(1), Duration.ofSeconds(10), clock);

  private static RelayRequest list() {
    Query q = Query.parse("fieldSelector=spec.nodeName%3Dn1");
    return new RelayRequest(
        RequestInfo.parse("GET", "/api/v1/pods", q), "", "spec.nodeName=n1", ReadPathTest.PODS);
  }

  @Test
  void anUpstreamFailureIs500AndIsNotCached() {
    reviews.tokenAnswers.add(new IOException("upstream answered 503"));
    reviews.tokenAnswers.add(Optional.of(NODE));
    assertThatThrownBy(() -> gate.authenticate("Bearer t"))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.status().code()).isEqualTo(500));
    assertThat(gate.authenticate("Bearer t")).isEqualTo(NODE);
    assertThat(gate.authenticate("Bearer t")).isEqualTo(NODE);
    assertThat(reviews.tokenCalls).isEqualTo(2);

    reviews.sarAnswers.add(new IOException("upstream answered 500"));
    reviews.sarAnswers.add(new Reviews.Decision(true, ""));
    assertThatThrownBy(() -> gate.authorize(NODE, list()))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.status().code()).isEqualTo(500));
    gate.authorize(NODE, list());
    gate.authorize(NODE, list());
    assertThat(reviews.sarCalls).isEqualTo(2);
    assertThat(gate.tokenReviews()).isEqualTo(2);
    assertThat(gate.subjectAccessReviews()).isEqualTo(2);
  }

  @Test
  void refusalsExpireSoonerThanAcceptances() {
    reviews.tokenAnswers.add(Optional.empty());
    reviews.tokenAnswers.add(Optional.of(NODE));
    assertThatThrownBy(() -> gate.authenticate("Bearer t"))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.status().code()).isEqualTo(401));
    assertThatThrownBy(() -> gate.authenticate("bearer t")).isInstanceOf(StatusException.class);
    assertThat(reviews.tokenCalls).isEqualTo(1);
    clock.advance(Duration.ofSeconds(11));
    assertThat(gate.authenticate("Bearer t")).isEqualTo(NODE);
    clock.advance(Duration.ofSeconds(59));
    assertThat(gate.authenticate("Bearer t")).isEqualTo(NODE);
    assertThat(reviews.tokenCalls).isEqualTo(2);
  }

  @Test
  void theTokenIsReadAsTheBearerAuthenticatorReadsItAndHashedForTheCache() {
    assertThat(ReviewGate.bearerToken("Bearer abc")).isEqualTo("abc");
    assertThat(ReviewGate.bearerToken("BEARER abc extra")).isEqualTo("abc");
    assertThat(ReviewGate.bearerToken("Bearer  abc")).isNull(); // an empty second part
    assertThat(ReviewGate.bearerToken("Basic abc")).isNull();
    assertThat(ReviewGate.bearerToken("abc")).isNull();
    assertThat(ReviewGate.sha256("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        .doesNotContain("abc");
  }

  @Test
  void anAuthenticatedAnswerWithoutTheRelaysAudienceIsNoAuthentication() {
    String user =
        "\"user\":{\"username\":\"system:node:n1\",\"uid\":\"u1\",\"groups\":[\"system:nodes\"],"
            + "\"extra\":{\"authentication.kubernetes.io/pod-name\":[\"p\"]}}";
    assertThat(
            SafeClientReviews.identity(
                JsonParser.parseString(
                        "{\"status\":{\"authenticated\":true,"
                            + user
                            + ",\"audiences\":[\"aud\"]}}")
                    .getAsJsonObject(),
                "aud"))
        .contains(
            new Identity(
                "system:node:n1",
                "u1",
                List.of("system:nodes"),
                Map.of("authentication.kubernetes.io/pod-name", List.of("p"))));
    // No audiences: valid for the API server's audience (TokenReviewStatus), not the relay's.
    assertThat(
            SafeClientReviews.identity(
                JsonParser.parseString("{\"status\":{\"authenticated\":true," + user + "}}")
                    .getAsJsonObject(),
                "aud"))
        .isEmpty();
    assertThat(
            SafeClientReviews.identity(
                JsonParser.parseString(
                        "{\"status\":{\"authenticated\":true,"
                            + user
                            + ",\"audiences\":[\"api\"]}}")
                    .getAsJsonObject(),
                "aud"))
        .isEmpty();
  }
}
