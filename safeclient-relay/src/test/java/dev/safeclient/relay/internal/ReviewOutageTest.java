package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.apiserver.Query;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.model.time.VirtualTimeSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

/**
 * The gate's log while the API server cannot answer reviews: one WARN when they start failing, a
 * summary every 30 s, one INFO when they are answered again, never a token; and nothing above DEBUG
 * for the reviews a closing relay cuts short.
 */
class ReviewOutageTest {
  /** A log line: its level (the Logger method's name) and its formatted message. */
  record Line(String level, String message) {}

  private final List<Line> lines = new ArrayList<>();
  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private final Upstream upstream = new Upstream();
  private final ReviewGate gate =
      new ReviewGate(
          upstream, "aud", Duration.ofSeconds(10), Duration.ofSeconds(10), clock, capturing());

  /** The API server: answers every review while up, fails each with a status code while down. */
  static final class Upstream implements Reviews {
    volatile IOException down;

    @Override
    public Optional<Identity> tokenReview(String token, String audience) throws IOException {
      if (down != null) {
        throw down;
      }
      return Optional.of(ReviewGateTest.NODE);
    }

    @Override
    public Decision subjectAccessReview(Identity who, RequestInfo request) throws IOException {
      if (down != null) {
        throw down;
      }
      return new Decision(true, "");
    }
  }

  @Test
  void aThousandAgentsFailingForTwoMinutesWriteOneWarningASummaryEach30SecondsAndOneRecovery() {
    upstream.down = new IOException("upstream answered 503 to " + SafeClientReviews.TOKEN_REVIEWS);
    // 1,000 agents, each with its own token, asking once every 10 s for 95 s: 9,500 failures.
    for (int second = 0; second < 95; second++) {
      for (int a = second % 10; a < 1000; a += 10) {
        String token = "secret-token-" + a;
        assertThatThrownBy(() -> gate.authenticate(token))
            .isInstanceOfSatisfying(
                StatusException.class, e -> assertThat(e.status().code()).isEqualTo(401));
      }
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(lines).extracting(Line::level).containsOnly("warn");
    assertThat(lines).hasSize(4); // at 0 s, then the first failure at or after 30, 60 and 90 s
    assertThat(lines.get(0).message())
        .isEqualTo(
            "relay: TokenReviews fail, their requests get 401: IOException: upstream answered 503"
                + " to /apis/authentication.k8s.io/v1/tokenreviews; a summary follows every 30.0 s"
                + " while they fail");
    assertThat(lines.get(1).message())
        .isEqualTo(
            "relay: TokenReviews still fail after 30.0 s: 3001 failed in all, 3000 since the last"
                + " line; the last: IOException: upstream answered 503 to"
                + " /apis/authentication.k8s.io/v1/tokenreviews");
    assertThat(lines.get(3).message()).startsWith("relay: TokenReviews still fail after 90.0 s:");

    upstream.down = null;
    for (int a = 0; a < 1000; a++) {
      assertThat(gate.authenticate("secret-token-" + a)).isEqualTo(ReviewGateTest.NODE);
    }
    // Answered, but within 30 s of the last failure: the outage is not over yet.
    assertThat(lines).hasSize(4);
    clock.advance(ReviewOutage.QUIET.minusSeconds(1));
    assertThat(gate.authenticate("secret-token-1000")).isEqualTo(ReviewGateTest.NODE);
    assertThat(lines).hasSize(5);
    assertThat(lines.get(4))
        .isEqualTo(
            new Line(
                "info",
                "relay: TokenReviews answered again, none failed for 30.0 s; 9500 failed over"
                    + " 94.0 s; the last: IOException: upstream answered 503 to"
                    + " /apis/authentication.k8s.io/v1/tokenreviews"));
    assertThat(lines).extracting(Line::message).noneMatch(m -> m.contains("secret-token"));
  }

  @Test
  void subjectAccessReviewsHaveTheirOwnOutageLinesWithThe500TheirRequestsGet() {
    RequestInfo list =
        RequestInfo.parse("GET", "/api/v1/pods", Query.parse("fieldSelector=spec.nodeName%3Dn1"));
    upstream.down = new IOException("upstream answered 500 to /x");
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> gate.authorize(ReviewGateTest.NODE, list))
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.status().code()).isEqualTo(500));
    }
    upstream.down = null;
    clock.advance(ReviewOutage.QUIET);
    gate.authorize(ReviewGateTest.NODE, list);
    gate.authorize(ReviewGateTest.NODE, list);
    assertThat(lines)
        .containsExactly(
            new Line(
                "warn",
                "relay: SubjectAccessReviews fail, their requests get 500: IOException: upstream"
                    + " answered 500 to /x; a summary follows every 30.0 s while they fail"),
            new Line(
                "info",
                "relay: SubjectAccessReviews answered again, none failed for 30.0 s; 3 failed"
                    + " over 0.0 s; the last: IOException: upstream answered 500 to /x"));
  }

  @Test
  void anOutageNoReviewSawEndIsClosedByTheNextFailureWhichStartsItsOwn() {
    upstream.down = new IOException("upstream answered 503 to /x");
    assertThatThrownBy(() -> gate.authenticate("secret-token-a"))
        .isInstanceOf(StatusException.class);
    // Two hours without a review (answers cached, watches open), then the next blip.
    clock.advance(Duration.ofHours(2));
    assertThatThrownBy(() -> gate.authenticate("secret-token-b"))
        .isInstanceOf(StatusException.class);
    assertThat(lines)
        .extracting(Line::level, Line::message)
        .containsExactly(
            Tuple.tuple(
                "warn",
                "relay: TokenReviews fail, their requests get 401: IOException: upstream answered"
                    + " 503 to /x; a summary follows every 30.0 s while they fail"),
            Tuple.tuple(
                "info",
                "relay: TokenReviews had no failure for 30.0 s before this one; 1 failed over 0.0 s;"
                    + " the last: IOException: upstream answered 503 to /x"),
            Tuple.tuple(
                "warn",
                "relay: TokenReviews fail, their requests get 401: IOException: upstream answered"
                    + " 503 to /x; a summary follows every 30.0 s while they fail"));
  }

  @Test
  void reviewsFailingAndAnsweredByTurnsAreOneOutage() {
    // A review client at its budget while agents start: every other review fails, for 95 s.
    IOException budget = new IOException("client-side budget 'qps' exhausted");
    for (int tenth = 0; tenth < 950; tenth++) {
      upstream.down = tenth % 2 == 0 ? budget : null;
      String token = "secret-token-" + tenth;
      if (tenth % 2 == 0) {
        assertThatThrownBy(() -> gate.authenticate(token)).isInstanceOf(StatusException.class);
      } else {
        assertThat(gate.authenticate(token)).isEqualTo(ReviewGateTest.NODE);
      }
      clock.advance(Duration.ofMillis(100));
    }
    // One WARN, a summary at 30, 60 and 90 s, and no INFO while failures keep coming.
    assertThat(lines).extracting(Line::level).containsExactly("warn", "warn", "warn", "warn");
    upstream.down = null;
    clock.advance(ReviewOutage.QUIET);
    assertThat(gate.authenticate("secret-token-950")).isEqualTo(ReviewGateTest.NODE);
    assertThat(lines).hasSize(5);
    assertThat(lines.get(4).message())
        .startsWith("relay: TokenReviews answered again, none failed for 30.0 s; 475 failed");
  }

  @Test
  void reviewsCutShortByTheRelayClosingAreDebugOnly() {
    gate.closing();
    upstream.down = new InterruptedIOException("interrupted");
    for (int a = 0; a < 71; a++) {
      String token = "secret-token-" + a;
      assertThatThrownBy(() -> gate.authenticate(token)).isInstanceOf(StatusException.class);
    }
    assertThat(lines).hasSize(71).extracting(Line::level).containsOnly("debug");
    assertThat(lines.get(0).message())
        .isEqualTo(
            "relay: a TokenReview ended by the relay closing, its request gets 401:"
                + " InterruptedIOException: interrupted");
  }

  /** A Logger that records each line written, all levels enabled. */
  private Logger capturing() {
    return (Logger)
        Proxy.newProxyInstance(
            Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
              String name = method.getName();
              if (name.startsWith("is") && name.endsWith("Enabled")) {
                return true;
              }
              if (name.equals("getName")) {
                return "capturing";
              }
              if (args != null && args.length > 0 && args[0] instanceof String pattern) {
                Object[] rest = Arrays.copyOfRange(args, 1, args.length);
                if (rest.length == 1 && rest[0] instanceof Object[] varargs) {
                  rest = varargs;
                }
                lines.add(new Line(name, MessageFormatter.arrayFormat(pattern, rest).getMessage()));
                return null;
              }
              throw new UnsupportedOperationException(name);
            });
  }
}
