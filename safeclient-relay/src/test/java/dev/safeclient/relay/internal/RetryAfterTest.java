package dev.safeclient.relay.internal;

import static dev.safeclient.relay.internal.ReadPathTest.PODS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.relay.internal.RelayHttp.Answer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Retry-After of the relay's 429s grows as the apiserver's: flow control's as APF's
 * dropped-requests tracker (doubled under sustained rejection, down a second at a time after), and
 * the not-yet-synced answer's as the cacher's (with the time the cache has been unready). On the
 * wire, on a virtual clock.
 */
class RetryAfterTest {
  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private RelayServer server;
  private RelayHttp http;

  /** No watch allowed per identity: every watch is refused by flow control, at once. */
  private void start() throws Exception {
    server =
        new RelayServer(
            List.of(PODS),
            new ReadPathTest.NoUpstream(),
            clock,
            RequestGate.OPEN,
            "127.0.0.1",
            0,
            100,
            1L << 30,
            null,
            new FlowControl.Limits(4, 4, Duration.ofSeconds(15), 0));
    server.start();
    http = new RelayHttp(server.url().toString());
  }

  @AfterEach
  void tearDown() {
    if (http != null) {
      http.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private String refusedWatch() throws Exception {
    Answer a = http.get("/api/v1/pods?watch=true&resourceVersion=0");
    assertThat(a.code()).isEqualTo(429);
    assertThat(a.body()).isEqualTo(FlowControl.TOO_MANY_REQUESTS);
    return a.retryAfter();
  }

  private void advanceSeconds(int s) {
    clock.advance(Duration.ofSeconds(s));
  }

  @Test
  void flowControlsRetryAfterDoublesUnderSustainedRejectionAndComesBackDown() throws Exception {
    start();
    server.feed(PODS).replaced(List.of(), 10);
    for (int i = 0; i < 3; i++) {
      assertThat(refusedWatch()).as("the first second").isEqualTo("1");
    }
    advanceSeconds(1);
    // 3 × 1 rejections in the last second: doubled.
    assertThat(refusedWatch()).isEqualTo("2");
    for (int i = 0; i < 10; i++) {
      assertThat(refusedWatch()).as("not doubled twice within a second").isEqualTo("2");
    }
    advanceSeconds(2);
    // 11 ≥ 3 × 2 in the last 2 s, and 2 s since it doubled: doubled again.
    assertThat(refusedWatch()).isEqualTo("4");
    advanceSeconds(10);
    // Fewer than 4 in the last 4 s: down one second at a time, not back to 1 at once.
    assertThat(refusedWatch()).isEqualTo("3");
    advanceSeconds(1);
    assertThat(refusedWatch()).isEqualTo("2");
    assertThat(server.flowControl().rejectedWatches()).isEqualTo(17);
  }

  @Test
  void theNotYetSyncedRetryAfterGrowsWithTheTimeSinceTheRelayStarted() throws Exception {
    start();
    // {seconds since start, Retry-After}: e^(0.06 s), from 1 to at most 30.
    int[][] steps = {{0, 1}, {10, 1}, {14, 2}, {20, 3}, {30, 6}, {40, 11}, {540, 30}};
    int at = 0;
    for (int[] step : steps) {
      advanceSeconds(step[0] - at);
      at = step[0];
      for (String path : List.of("/api/v1/pods", "/api/v1/pods?watch=true&resourceVersion=0")) {
        Answer a = http.get(path);
        assertThat(a.code()).as(path).isEqualTo(429);
        assertThat(a.retryAfter())
            .as("%s after %d s", path, at)
            .isEqualTo(Integer.toString(step[1]));
        assertThat(a.json().get("message").getAsString()).isEqualTo("storage is (re)initializing");
        assertThat(a.json().getAsJsonObject("details").get("retryAfterSeconds").getAsInt())
            .isEqualTo(step[1]);
      }
    }
    server.feed(PODS).replaced(List.of(), 10);
    assertThat(http.get("/api/v1/pods?resourceVersion=0").code()).isEqualTo(200);
  }
}
