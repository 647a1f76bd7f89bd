package dev.safeclient.relay;

import static dev.safeclient.relay.RelayInformersTest.PODS;
import static dev.safeclient.relay.RelayInformersTest.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-identity fairness on the wire: real HTTP to the relay, authentication on as in {@link
 * RelayAuthTest} (KubeSim answers the TokenReviews and SubjectAccessReviews), two seats and queues
 * of two. Slow reads are lists at a resourceVersion ahead of the relay's cache: each waits, without
 * a seat, until the cache reaches that RV or the virtual clock passes the 3 s wait. How seats are
 * shared while requests hold them is {@code ReadPointSeatsTest}'s.
 */
class RelayFairnessTest {
  static final String AUDIENCE = RelayOverKubeSim.AUDIENCE;
  static final String FLOODER = "tok-flooder-6b1d";
  static final String AGENT = "tok-agent-93ce";
  static final String NOBODY = "tok-nobody-40aa";
  static final String TOO_MANY = "Too many requests, please try again later.\n";

  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private final ExecutorService callers = Executors.newCachedThreadPool();
  private final OkHttpClient http =
      new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30)).build();
  private KubeSim sim;
  private Relay relay;

  @BeforeEach
  void start() {
    sim =
        RelayOverKubeSim.sim()
            .user(FLOODER, "system:serviceaccount:agents:flooder")
            .tokenAudiences(FLOODER, AUDIENCE)
            .allow("system:serviceaccount:agents:flooder", "get,list,watch", "pods")
            .user(AGENT, "system:serviceaccount:agents:agent")
            .tokenAudiences(AGENT, AUDIENCE)
            .allow("system:serviceaccount:agents:agent", "get,list,watch", "pods")
            .user(NOBODY, "system:serviceaccount:agents:nobody")
            .tokenAudiences(NOBODY, AUDIENCE)
            .build();
    sim.create(PODS, pod("ns", "a", "node-1", "web"));
    relay =
        RelayOverKubeSim.started(
            RelayOverKubeSim.relay(sim, clock)
                .fairness(2, 2, Duration.ofSeconds(15))
                .watchesPerIdentity(2));
  }

  @AfterEach
  void stop() {
    relay.close();
    sim.close();
    callers.shutdownNow();
  }

  record Answer(int code, String retryAfter, String contentType, String body) {}

  private Answer get(String token, String pathAndQuery) throws IOException {
    Request.Builder b = new Request.Builder().url(relay.url() + pathAndQuery);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try (Response r = http.newCall(b.build()).execute()) {
      return new Answer(
          r.code(), r.header("Retry-After"), r.header("Content-Type"), r.body().string());
    }
  }

  private CompletableFuture<Answer> getAsync(String token, String pathAndQuery) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return get(token, pathAndQuery);
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        },
        callers);
  }

  private long rv() {
    return relay.health().resources().get(0).resourceVersion();
  }

  private static String listAt(long rv) {
    return "/api/v1/pods?resourceVersion=" + rv + "&resourceVersionMatch=NotOlderThan";
  }

  private RelayHealth.FlowControl flow() {
    return relay.health().flowControl();
  }

  private static void assertTooManyRequests(Answer a) {
    assertThat(a.code()).isEqualTo(429);
    assertThat(a.retryAfter()).isEqualTo("1");
    assertThat(a.contentType()).isEqualTo("text/plain; charset=utf-8");
    assertThat(a.body()).isEqualTo(TOO_MANY);
  }

  /** Advances the virtual clock a second at a time until every answer is in. */
  private void advanceUntilDone(List<CompletableFuture<Answer>> answers) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              if (answers.stream().allMatch(CompletableFuture::isDone)) {
                return true;
              }
              clock.advance(Duration.ofSeconds(1));
              return false;
            });
  }

  private static final String CONSISTENT_WATCH =
      "/api/v1/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
          + "&allowWatchBookmarks=true";

  @Test
  void anIdentitysReadsWaitingForTheirReadPointAreCappedAndTheOtherIdentityIsNeverRefused()
      throws Exception {
    long at = rv();
    // Reads waiting for the cache hold no seat: the flooder parks its queue length of them.
    List<CompletableFuture<Answer>> parked = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      parked.add(getAsync(FLOODER, listAt(at + 1000)));
      int n = i + 1;
      await().until(() -> flow().waitingReads() == n);
    }
    assertThat(flow().executingSeats()).isZero();
    // Beyond them, any read that would wait is refused as a full queue is: ahead of the cache, a
    // consistent list, a consistent streaming list (before its stream starts).
    assertTooManyRequests(get(FLOODER, listAt(at + 1000)));
    assertTooManyRequests(get(FLOODER, "/api/v1/pods"));
    assertTooManyRequests(get(FLOODER, CONSISTENT_WATCH));
    assertThat(flow().rejectedRequests()).isEqualTo(3);
    assertThat(flow().rejectedWatches()).isZero();
    // A read that does not wait is served on its seat as before.
    assertThat(get(FLOODER, "/api/v1/pods?resourceVersion=0").code()).isEqualTo(200);

    // The other identity waits for its own read points, and is served.
    CompletableFuture<Answer> nextWrite = getAsync(AGENT, listAt(at + 1));
    CompletableFuture<Answer> consistent = getAsync(AGENT, "/api/v1/pods");
    await().until(() -> flow().waitingReads() == 4);
    assertThat(get(AGENT, "/api/v1/namespaces/ns/pods?resourceVersion=0").code()).isEqualTo(200);
    sim.create(PODS, pod("ns", "b", "node-2", "web"));
    Answer afterWrite = nextWrite.get(30, TimeUnit.SECONDS);
    assertThat(afterWrite.code()).isEqualTo(200);
    assertThat(afterWrite.body()).contains("\"name\":\"b\"");
    clock.advance(Duration.ofMillis(100));
    Answer fresh = consistent.get(30, TimeUnit.SECONDS);
    assertThat(fresh.code()).isEqualTo(200);
    assertThat(fresh.body()).contains("\"name\":\"a\"").contains("\"name\":\"b\"");

    advanceUntilDone(parked);
    for (CompletableFuture<Answer> f : parked) {
      assertThat(f.get().code()).as("a list at an RV the cache never reaches").isEqualTo(504);
    }
    assertThat(flow().rejectedRequests()).isEqualTo(3);
    await().until(() -> flow().executingSeats() == 0 && flow().inqueueRequests() == 0);
    assertThat(flow().waitingReads()).isZero();
  }

  /** An open watch, its headers read. */
  private Response watch(String token, String query) throws IOException {
    Call c =
        http.newCall(
            new Request.Builder()
                .url(relay.url() + "/api/v1/pods?watch=true&" + query)
                .header("Authorization", "Bearer " + token)
                .build());
    return c.execute();
  }

  @Test
  void anIdentityMayHaveItsCapOfWatchesOpenAndOneEndedMakesRoom() throws Exception {
    try (Response w1 = watch(FLOODER, "resourceVersion=0&timeoutSeconds=5");
        Response w2 = watch(FLOODER, "resourceVersion=0&timeoutSeconds=600")) {
      assertThat(w1.code()).isEqualTo(200);
      assertThat(w2.code()).isEqualTo(200);
      await().until(() -> flow().executingSeats() == 0);
      Answer third = get(FLOODER, "/api/v1/pods?watch=true&resourceVersion=0");
      assertTooManyRequests(third);
      assertThat(flow().rejectedWatches()).isEqualTo(1);
      try (Response other = watch(AGENT, "resourceVersion=0")) {
        assertThat(other.code()).isEqualTo(200);
      }

      // The first watch times out: its end uncounts it, and the flooder may open one again.
      clock.advance(Duration.ofSeconds(5));
      BufferedReader lines =
          new BufferedReader(new InputStreamReader(w1.body().byteStream(), StandardCharsets.UTF_8));
      assertThat(lines.readLine()).contains("\"ADDED\"");
      assertThat(lines.readLine()).isNull();
      await()
          .until(
              () -> {
                try (Response again = watch(FLOODER, "resourceVersion=0")) {
                  return again.code() == 200;
                }
              });
    }
    assertThat(flow().rejectedWatches()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void noSeatLeaksOnAnyExitPath() throws Exception {
    long at = rv();
    for (int i = 0; i < 20; i++) {
      assertThat(get(null, "/api/v1/pods").code()).isEqualTo(401);
      assertThat(get("tok-unknown-" + i, "/api/v1/pods").code()).isEqualTo(401);
      assertThat(get(NOBODY, "/api/v1/pods").code()).isEqualTo(403);
      // Not relayed, and not the agent's to read: refused before the mux would say 404.
      assertThat(get(AGENT, "/api/v1/nothere").code()).isEqualTo(403);
      assertThat(get(AGENT, "/api/v1/pods?labelSelector=a%20in").code()).isEqualTo(400);
      assertThat(get(AGENT, "/api/v1/namespaces/ns/pods/zzz?resourceVersion=0").code())
          .isEqualTo(404);
    }
    // Watches refused before they start, and one whose start fails: an RV too old to resume is
    // an ERROR event in a 200.
    for (int i = 0; i < 5; i++) {
      try (Response w = watch(AGENT, "resourceVersion=0&sendInitialEvents=x")) {
        assertThat(w.code()).isEqualTo(422);
      }
      try (Response w = watch(AGENT, "resourceVersion=1")) {
        assertThat(w.code()).isEqualTo(200);
        assertThat(w.body().string()).contains("\"ERROR\"").contains("\"code\":410");
      }
    }
    // Clients that hang up while their reads wait for their read point: reads ahead of the cache,
    // a consistent list, a consistent streaming list.
    List<Call> hungUp = new ArrayList<>();
    List<String> waits =
        List.of(
            AGENT + " " + listAt(at + 1000),
            AGENT + " " + listAt(at + 1000),
            FLOODER + " /api/v1/pods",
            FLOODER + " " + CONSISTENT_WATCH);
    for (String w : waits) {
      String[] tokenAndPath = w.split(" ", 2);
      Call c =
          http.newCall(
              new Request.Builder()
                  .url(relay.url() + tokenAndPath[1])
                  .header("Authorization", "Bearer " + tokenAndPath[0])
                  .build());
      hungUp.add(c);
      callers.execute(
          () -> {
            try (Response r = c.execute()) {
              r.body().string();
            } catch (IOException expected) {
              // cancelled
            }
          });
    }
    await().until(() -> flow().waitingReads() == 4 && flow().executingSeats() == 0);
    hungUp.forEach(Call::cancel);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              if (flow().executingSeats() == 0
                  && flow().inqueueRequests() == 0
                  && flow().waitingReads() == 0) {
                return true;
              }
              clock.advance(Duration.ofSeconds(1));
              return false;
            });
    // Nothing is left counted: each identity parks its two waits again, and the flooder's
    // streaming list that hung up no longer counts against its watches.
    CompletableFuture<Answer> one = getAsync(AGENT, listAt(at + 1));
    CompletableFuture<Answer> two = getAsync(AGENT, listAt(at + 1));
    CompletableFuture<Answer> three = getAsync(FLOODER, listAt(at + 1));
    CompletableFuture<Answer> four = getAsync(FLOODER, listAt(at + 1));
    await().until(() -> flow().waitingReads() == 4);
    sim.create(PODS, pod("ns", "b", "node-2", "web"));
    for (CompletableFuture<Answer> f : List.of(one, two, three, four)) {
      assertThat(f.get(30, TimeUnit.SECONDS).code()).isEqualTo(200);
    }
    await()
        .until(
            () -> {
              try (Response w1 = watch(FLOODER, "resourceVersion=0");
                  Response w2 = watch(FLOODER, "resourceVersion=0")) {
                return w1.code() == 200 && w2.code() == 200;
              }
            });
    assertThat(flow().rejectedRequests()).isZero();
  }
}
