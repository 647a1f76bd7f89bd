package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.apiserver.ApiserverDefaults;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.relay.internal.RelayHttp.Answer;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Seats and read points on the wire: a read waiting for its read point holds no seat, and takes one
 * again in its identity's turn to answer. Identities come from a gate that names each request by
 * its bearer token (how TokenReview does that is {@code RelayAuthTest}'s): here what matters is
 * that they are distinct, and that a request can hold its seat for as long as the test says, which
 * a request labelled {@code hold} does in its authorization (seated work, like building an answer).
 */
class ReadPointSeatsTest {
  static final ResourceSpec SPEC = RelayServerOverKubeSim.SPEC;
  static final String RELAY_AGENT = "relay-seats-test/1";
  static final String HOLD = "labelSelector=hold";

  /** Who a request is: its bearer token. A {@code hold} request waits for a permit, seated. */
  static final class Gate implements RequestGate {
    final Semaphore permits = new Semaphore(0);
    final AtomicInteger holding = new AtomicInteger();

    @Override
    public Identity authenticate(String token) {
      if (token == null) {
        throw new StatusException(Status.unauthorized());
      }
      return new Identity(token, "", List.of(), Map.of());
    }

    @Override
    public void authorize(Identity who, RequestInfo request) {
      if ("hold".equals(request.labelSelector())) {
        holding.incrementAndGet();
        permits.acquireUninterruptibly();
        holding.decrementAndGet();
      }
    }
  }

  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private final Gate gate = new Gate();
  private final ExecutorService callers = Executors.newCachedThreadPool();
  private final OkHttpClient http =
      new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(60)).build();
  private RelayServerOverKubeSim relay;
  private KubeSim sim;
  private RelayServer server;

  private void start(FlowControl.Limits limits) throws Exception {
    relay = RelayServerOverKubeSim.start(RELAY_AGENT, clock, gate, limits);
    sim = relay.sim;
    server = relay.server;
  }

  @AfterEach
  void stop() {
    gate.permits.release(1000);
    if (relay != null) {
      relay.close();
    }
    callers.shutdownNow();
    http.connectionPool().evictAll();
  }

  private Answer get(String token, String pathAndQuery) throws IOException {
    Request r =
        new Request.Builder()
            .url(server.url() + pathAndQuery)
            .header("Authorization", "Bearer " + token)
            .build();
    try (Response a = http.newCall(r).execute()) {
      return new Answer(a.code(), a.header("Retry-After"), a.body().string());
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

  /** The relay's own requests to KubeSim since {@code from}, its feed's watches left out. */
  private List<String> relayRequestsSince(long from) {
    return relay.requestsSince(from).stream()
        .filter(e -> RELAY_AGENT.equals(e.userAgent()))
        .map(RequestLogEntry::requestLine)
        .toList();
  }

  private long mark() {
    return relay.mark();
  }

  private FlowControl flow() {
    return server.flowControl();
  }

  /**
   * 200 agents, not 1,000: each call is a real connection and a blocked client thread, and 200 is
   * already a hundred times the relay's seats, which is what made a held seat cost a probe per
   * seats' worth of reads.
   */
  @Test
  void consistentListsOfManyIdentitiesWithinOneWindowShareOneProbeWhateverTheSeats()
      throws Exception {
    // Two seats; queues long enough that the burst, all from one address, passes authentication.
    start(new FlowControl.Limits(2, 200, Duration.ofSeconds(15), 10));
    int agents = 200;
    long from = mark();
    List<CompletableFuture<Answer>> answers = new ArrayList<>();
    for (int i = 0; i < agents; i++) {
      answers.add(getAsync("agent-" + i, "/api/v1/pods"));
    }
    ConsistentReads reads = server.relayed(SPEC).reads;
    await().atMost(Duration.ofSeconds(60)).until(() -> reads.joined() == agents);
    // Every one of them waits for the probe, and none holds a seat for it.
    assertThat(flow().waitingReads()).isEqualTo(agents);
    assertThat(flow().executing()).isZero();
    assertThat(answers).noneMatch(CompletableFuture::isDone);

    clock.advance(ConsistentReads.WINDOW);
    relay.assertEachIsTheWholeListAtTheApiServersVersion(answers, Duration.ofSeconds(60));
    assertThat(relayRequestsSince(from)).containsExactly("GET /api/v1/pods?limit=1");
    assertThat(reads.probes()).isEqualTo(1);
    assertThat(reads.lists()).isZero();
    await().until(() -> flow().executing() == 0 && flow().queued() == 0);
    assertThat(flow().waitingReads()).isZero();
    assertThat(flow().rejectedRequests()).isZero();
  }

  /** Sends a request on a raw connection, as a client that will hang up before the answer. */
  private Socket openRead(String token, String pathAndQuery) throws IOException {
    Socket socket = new Socket(server.url().getHost(), server.url().getPort());
    socket
        .getOutputStream()
        .write(
            ("GET "
                    + pathAndQuery
                    + " HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer "
                    + token
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  @Test
  void aClientThatHangsUpWhileItsReadWaitsGivesItsWaitingSlotBackAtOnce() throws Exception {
    // One waiting read per identity.
    start(new FlowControl.Limits(2, 1, Duration.ofSeconds(15), 10));
    ResourceCache cache = server.relayed(SPEC).cache;
    long ahead = sim.resourceVersion() + 100;
    for (String q :
        List.of(
            "/api/v1/pods",
            "/api/v1/pods?resourceVersionMatch=NotOlderThan&resourceVersion=" + ahead,
            "/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                + "&allowWatchBookmarks=true",
            "/api/v1/pods?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan")) {
      int watchers = cache.watchers();
      try (Socket gone = openRead("agent", q)) {
        await().until(() -> flow().waitingReads() == 1);
        // The slot is taken: the identity's next read that must wait is refused.
        assertThat(get("agent", "/api/v1/pods").code()).as(q).isEqualTo(429);
      }
      // Hung up: the slot is free before the wait ends (no clock moved), and the next read waits.
      await(q).atMost(Duration.ofSeconds(10)).until(() -> flow().waitingReads() == 0);
      CompletableFuture<Answer> next = getAsync("agent", "/api/v1/pods");
      await().until(() -> flow().waitingReads() == 1);
      clock.advance(ConsistentReads.WINDOW);
      clock.advance(RelayServer.AHEAD_WAIT);
      assertThat(next.get(30, TimeUnit.SECONDS).code()).as(q).isEqualTo(200);
      await().until(() -> flow().executing() == 0 && flow().waitingReads() == 0);
      // Nothing of the client that hung up is left: no watcher.
      assertThat(cache.watchers()).isEqualTo(watchers);
      clock.advance(ApiserverDefaults.RESOURCE_VERSION_WAIT);
    }
  }

  @Test
  void aFlooderDelaysAnotherIdentitysReadByNoMoreThanOneTurnBeforeAndOneAfterItsReadPoint()
      throws Exception {
    start(new FlowControl.Limits(2, 2, Duration.ofSeconds(15), 10));
    // The flooder holds both seats and has two more requests queued.
    List<CompletableFuture<Answer>> flood = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      flood.add(getAsync("flooder", "/api/v1/pods?resourceVersion=0&" + HOLD));
      int n = i + 1;
      await().until(() -> flow().executing() + flow().queued() == n);
    }
    await().until(() -> gate.holding.get() == 2 && flow().queued() == 2);
    CompletableFuture<Answer> agent = getAsync("agent", "/api/v1/pods");
    await().until(() -> flow().queued() == 3);

    // A seat freed goes to the agent, which holds none, ahead of the flooder's queue; waiting for
    // the probe, the agent gives it back, to the flooder.
    gate.permits.release();
    ConsistentReads reads = server.relayed(SPEC).reads;
    await().until(() -> reads.joined() == 1 && flow().waitingReads() == 1);
    await().until(() -> gate.holding.get() == 2 && flow().queued() == 1);

    // The probe answers: the agent waits for a seat again, and again the first one freed is its.
    clock.advance(ConsistentReads.WINDOW);
    await().until(() -> flow().waitingReads() == 0 && flow().queued() == 2);
    assertThat(agent).isNotDone();
    gate.permits.release();
    Answer served = agent.get(30, TimeUnit.SECONDS);
    assertThat(served.code()).isEqualTo(200);
    assertThat(served.resourceVersion()).isEqualTo(Long.toString(sim.resourceVersion()));
    assertThat(served.names()).hasSize(5);
    // The flooder's last request is still waiting for its turn.
    await().until(() -> gate.holding.get() == 2);
    assertThat(flood.stream().filter(CompletableFuture::isDone)).hasSize(2);

    gate.permits.release(2);
    for (CompletableFuture<Answer> f : flood) {
      assertThat(f.get(30, TimeUnit.SECONDS).code()).isEqualTo(200);
    }
    await().until(() -> flow().executing() == 0 && flow().queued() == 0);
    assertThat(flow().rejectedRequests()).isZero();
  }
}
