package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.apiserver.Query;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.core.SafeClient;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hung API server: it accepts the relay's review requests and never answers. Each review ends at
 * its deadline over real OkHttp, is not cached, and refuses its request as the apiserver's filters
 * refuse it when their authenticator or authorizer fails: 401 for a TokenReview, 500 for a
 * SubjectAccessReview.
 */
class ReviewDeadlineTest {
  private static final Duration DEADLINE = Duration.ofMillis(500);

  private ServerSocket hung;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private Thread acceptor;

  @BeforeEach
  void start() throws IOException {
    hung = new ServerSocket(0);
    acceptor =
        new Thread(
            () -> {
              try {
                while (true) {
                  held.add(hung.accept()); // read nothing, answer nothing
                  accepted.incrementAndGet();
                }
              } catch (IOException closed) {
                // the test is over
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stop() throws IOException {
    hung.close();
    for (Socket s : held) {
      s.close();
    }
  }

  @Test
  void aReviewThatGetsNoAnswerEndsAtItsDeadlineUncachedWith401Or500() {
    ApiClient api = new ApiClient().setBasePath("http://127.0.0.1:" + hung.getLocalPort());
    SafeClient safe = SafeClient.builder(api).userAgent("relay/1").nodeName(null).build();
    ReviewGate gate =
        new ReviewGate(
            new SafeClientReviews(safe, DEADLINE),
            "aud",
            Duration.ofMinutes(1),
            Duration.ofSeconds(10),
            VirtualTimeSource.manual());
    for (int i = 1; i <= 2; i++) {
      long before = System.nanoTime();
      assertThatThrownBy(() -> gate.authenticate("tok"))
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.status().code()).isEqualTo(401));
      // The deadline, not OkHttp's 10 s read timeout nor forever, ended it.
      assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(5));
      assertThat(gate.tokenReviews()).as("reviewed again: a failure is not cached").isEqualTo(i);
    }
    Identity who = new Identity("u", "", List.of("system:authenticated"), Map.of());
    RequestInfo list = RequestInfo.parse("GET", "/api/v1/pods", Query.parse(""));
    for (int i = 1; i <= 2; i++) {
      assertThatThrownBy(() -> gate.authorize(who, list))
          .isInstanceOfSatisfying(
              StatusException.class, e -> assertThat(e.status().code()).isEqualTo(500));
      assertThat(gate.subjectAccessReviews()).isEqualTo(i);
    }
    assertThat(accepted.get()).isPositive();
  }

  @Test
  void theDeadlineIsTheDelegatingAuthenticatorsAndAuthorizersClientTimeout() {
    assertThat(SafeClientReviews.REVIEW_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
  }
}
