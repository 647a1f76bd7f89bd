package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonParser;
import dev.safeclient.apiserver.Query;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.model.time.VirtualTimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
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
    public Decision subjectAccessReview(Identity who, RequestInfo request) throws IOException {
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

  private static RequestInfo list() {
    return RequestInfo.parse(
        "GET", "/api/v1/pods", Query.parse("fieldSelector=spec.nodeName%3Dn1"));
  }

  @Test
  void anUpstreamFailureIs401ForATokenReviewAnd500ForASubjectAccessReviewAndIsNotCached() {
    // The authentication filter answers an authenticator's error 401; WithAuthorization, 500.
    reviews.tokenAnswers.add(new IOException("upstream answered 503"));
    reviews.tokenAnswers.add(Optional.of(NODE));
    assertThatThrownBy(() -> gate.authenticate("t"))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.status().code()).isEqualTo(401));
    assertThat(gate.authenticate("t")).isEqualTo(NODE);
    assertThat(gate.authenticate("t")).isEqualTo(NODE);
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
    assertThatThrownBy(() -> gate.authenticate("t"))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.status().code()).isEqualTo(401));
    assertThatThrownBy(() -> gate.authenticate("t")).isInstanceOf(StatusException.class);
    assertThat(reviews.tokenCalls).isEqualTo(1);
    clock.advance(Duration.ofSeconds(11));
    assertThat(gate.authenticate("t")).isEqualTo(NODE);
    clock.advance(Duration.ofSeconds(59));
    assertThat(gate.authenticate("t")).isEqualTo(NODE);
    assertThat(reviews.tokenCalls).isEqualTo(2);
  }

  /** TokenReviews that wait for {@link #answer} (an unknown token's: refused, or known ones). */
  static final class Slow implements Reviews {
    final CountDownLatch answer = new CountDownLatch(1);
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public Optional<Identity> tokenReview(String token, String audience) throws IOException {
      calls.incrementAndGet();
      inFlight.incrementAndGet();
      try {
        if (!token.startsWith("agent")) {
          answer.await();
        }
        return token.startsWith("agent") ? Optional.of(NODE) : Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      } finally {
        inFlight.decrementAndGet();
      }
    }

    @Override
    public Decision subjectAccessReview(Identity who, RequestInfo request) {
      return new Decision(true, "");
    }
  }

  @Test
  void unknownTokensCostABoundedNumberOfReviewsAtOnceAndNeverLockOutAKnownAgent() throws Exception {
    Slow slow = new Slow();
    ReviewGate g =
        new ReviewGate(slow, "aud", Duration.ofMinutes(1), Duration.ofSeconds(10), clock);
    assertThat(g.authenticate("agent-1")).isEqualTo(NODE);
    ExecutorService flood = Executors.newFixedThreadPool(ReviewGate.MAX_NEW_TOKEN_REVIEWS);
    try {
      List<Future<?>> out = new ArrayList<>();
      for (int i = 0; i < ReviewGate.MAX_NEW_TOKEN_REVIEWS; i++) {
        String random = "random-" + i;
        out.add(flood.submit(() -> g.authenticate(random)));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> slow.inFlight.get() == ReviewGate.MAX_NEW_TOKEN_REVIEWS);
      // One more random token: no review, a 429 with Retry-After, as the API server's APF answers.
      assertThatThrownBy(() -> g.authenticate("random-more"))
          .isInstanceOfSatisfying(
              StatusException.class,
              e -> {
                assertThat(e.status().code()).isEqualTo(429);
                assertThat(e.status().headers()).containsEntry("Retry-After", "1");
              });
      assertThat(slow.calls.get()).isEqualTo(1 + ReviewGate.MAX_NEW_TOKEN_REVIEWS);
      // The known agent's token, cached or due for its next review, passes meanwhile.
      assertThat(g.authenticate("agent-1")).isEqualTo(NODE);
      clock.advance(Duration.ofMinutes(2));
      assertThat(g.authenticate("agent-1")).isEqualTo(NODE);
      assertThat(slow.calls.get()).isEqualTo(2 + ReviewGate.MAX_NEW_TOKEN_REVIEWS);
      slow.answer.countDown();
      for (Future<?> f : out) {
        assertThatThrownBy(f::get).hasCauseInstanceOf(StatusException.class);
      }
      // The bound is free again.
      assertThatThrownBy(() -> g.authenticate("random-more"))
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.status().code()).isEqualTo(401));
    } finally {
      flood.shutdownNow();
    }
  }

  @Test
  void decisionsAreBoundedInBytesNotOnlyInNumber() {
    ReviewGate g =
        new ReviewGate(new Slow(), "aud", Duration.ofMinutes(1), Duration.ofSeconds(10), clock);
    // One identity's distinct 4 kB selectors, each allowed: 32 MB of questions.
    String pad = "x".repeat(4_000);
    int asked = 8_000;
    for (int i = 0; i < asked; i++) {
      String selector = "app in (" + pad + i + ")";
      Query q = Query.of(Map.of("labelSelector", List.of(selector)));
      g.authorize(NODE, RequestInfo.parse("GET", "/api/v1/pods", q));
    }
    assertThat(g.cachedDecisions() * pad.length())
        .isLessThanOrEqualTo(ReviewGate.MAX_DECISION_BYTES);
    assertThat(g.cachedDecisions()).isPositive();
  }

  @Test
  void theTokenIsReadAsTheBearerAuthenticatorReadsItAndKeyedByAnHmacOfThisProcess() {
    assertThat(RequestGate.bearerToken("Bearer abc")).isEqualTo("abc");
    assertThat(RequestGate.bearerToken("BEARER abc extra")).isEqualTo("abc");
    assertThat(RequestGate.bearerToken("Bearer  abc")).isNull(); // an empty second part
    assertThat(RequestGate.bearerToken("Basic abc")).isNull();
    assertThat(RequestGate.bearerToken("abc")).isNull();
    // HMAC-SHA-256 under a random key, as cached_token_authenticator: not the plain SHA-256
    // anyone can precompute, and another key in another process (here: another gate).
    ReviewGate other =
        new ReviewGate(reviews, "aud", Duration.ofMinutes(1), Duration.ofSeconds(10), clock);
    assertThat(gate.tokenKey("abc"))
        .hasSize(64)
        .isEqualTo(gate.tokenKey("abc"))
        .isNotEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        .isNotEqualTo(other.tokenKey("abc"));
    assertThat(gate.tokenKey("tok-secret")).doesNotContain("tok-secret").matches("[0-9a-f]{64}");
  }

  @Test
  void newQuestionsCostABoundedNumberOfSubjectAccessReviewsAtOnce() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    Reviews slowSars =
        new Reviews() {
          @Override
          public Optional<Identity> tokenReview(String token, String audience) {
            return Optional.of(NODE);
          }

          @Override
          public Decision subjectAccessReview(Identity who, RequestInfo request)
              throws IOException {
            calls.incrementAndGet();
            if (request.labelSelector().startsWith("new")) {
              inFlight.incrementAndGet();
              try {
                answer.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
              }
            }
            return new Decision(true, "");
          }
        };
    ReviewGate g =
        new ReviewGate(slowSars, "aud", Duration.ofMinutes(1), Duration.ofSeconds(10), clock);
    RequestInfo known = RequestInfo.parse("GET", "/api/v1/pods", Query.parse("labelSelector=k"));
    g.authorize(NODE, known);
    ExecutorService flood = Executors.newFixedThreadPool(ReviewGate.MAX_NEW_SUBJECT_ACCESS_REVIEWS);
    try {
      List<Future<?>> out = new ArrayList<>();
      for (int i = 0; i < ReviewGate.MAX_NEW_SUBJECT_ACCESS_REVIEWS; i++) {
        RequestInfo q =
            RequestInfo.parse("GET", "/api/v1/pods", Query.parse("labelSelector=new" + i));
        out.add(flood.submit(() -> g.authorize(NODE, q)));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> inFlight.get() == ReviewGate.MAX_NEW_SUBJECT_ACCESS_REVIEWS);
      RequestInfo more =
          RequestInfo.parse("GET", "/api/v1/pods", Query.parse("labelSelector=newer"));
      assertThatThrownBy(() -> g.authorize(NODE, more))
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.status().code()).isEqualTo(429));
      // A question allowed before, due for its next review, is not counted.
      clock.advance(Duration.ofMinutes(2));
      g.authorize(NODE, known);
      assertThat(calls.get()).isEqualTo(2 + ReviewGate.MAX_NEW_SUBJECT_ACCESS_REVIEWS);
      answer.countDown();
      for (Future<?> f : out) {
        f.get();
      }
      g.authorize(NODE, more);
    } finally {
      flood.shutdownNow();
    }
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
