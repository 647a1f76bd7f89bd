package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.relay.internal.RelayHttp.Answer;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Consistent reads (resourceVersion unset) through the relay, against KubeSim as the API server:
 * what the API server is asked is counted from its request log.
 */
class ConsistentReadsTest {
  static final ResourceType PODS = RelayServerOverKubeSim.PODS;
  static final ResourceSpec SPEC = RelayServerOverKubeSim.SPEC;
  static final String RELAY_AGENT = "relay-test/1";

  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private RelayServerOverKubeSim relay;
  private KubeSim sim;
  private RelayServer server;
  private RelayHttp http;

  static String pod(String name) {
    return RelayServerOverKubeSim.pod(name);
  }

  @BeforeEach
  void setUp() throws Exception {
    relay =
        RelayServerOverKubeSim.start(
            RELAY_AGENT, clock, RequestGate.OPEN, FlowControl.Limits.DEFAULTS);
    sim = relay.sim;
    server = relay.server;
    http = new RelayHttp(server.url().toString());
  }

  @AfterEach
  void tearDown() {
    if (http != null) {
      http.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  /**
   * A write elsewhere moves etcd's revision past the pods' last event: the probe's RV is then one
   * the pods' watch never reaches.
   */
  private void writeAnotherResource() {
    sim.create(
        "v1",
        "configmaps",
        "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":"
            + "{\"name\":\"cm\",\"namespace\":\"ns\"}}");
  }

  /** As {@link #writeAnotherResource}; returns etcd's RV, which the pods' cache is behind. */
  private long writeAnotherResourceThatThePodsCacheNeverSees() {
    writeAnotherResource();
    long etcd = sim.resourceVersion();
    assertThat(server.relayed(SPEC).cache.resourceVersion()).isLessThan(etcd);
    return etcd;
  }

  /**
   * Ends the reads' window: its probe finds the API server ahead of {@code cache} (a quiet
   * resource), and once the cache has had its catch-up time, one upstream list is made instead.
   */
  private void closeWindowOnAQuietCache(ResourceCache cache) {
    clock.advance(ConsistentReads.WINDOW);
    await().atMost(Duration.ofSeconds(30)).until(() -> cache.waiting() == 1);
    clock.advance(ConsistentReads.CATCH_UP);
  }

  private long mark() {
    return relay.mark();
  }

  /**
   * What KubeSim was asked since {@code from}, watches left out: only the relay talks to it here
   * (its consistent list goes out with the wrapped client's own User-Agent).
   */
  private List<String> relayRequestsSince(long from) {
    return relay.requestsSince(from).stream().map(RequestLogEntry::requestLine).toList();
  }

  private List<CompletableFuture<Answer>> consistentLists(int n, String query) {
    ConsistentReads reads = server.relayed(SPEC).reads;
    List<CompletableFuture<Answer>> answers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      answers.add(http.getAsync("/api/v1/pods" + query));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> reads.joined() == n);
    return answers;
  }

  @Test
  void concurrentConsistentListsWithinOneWindowCostTheApiServerOneLimitOneProbe() throws Exception {
    long from = mark();
    List<CompletableFuture<Answer>> answers = consistentLists(50, "");
    for (CompletableFuture<Answer> a : answers) {
      assertThat(a).isNotDone();
    }
    clock.advance(ConsistentReads.WINDOW);
    relay.assertEachIsTheWholeListAtTheApiServersVersion(answers, Duration.ofSeconds(30));
    assertThat(relayRequestsSince(from)).containsExactly("GET /api/v1/pods?limit=1");
    assertThat(server.relayed(SPEC).reads.probes()).isEqualTo(1);
    assertThat(server.relayed(SPEC).reads.lists()).isZero();
  }

  @Test
  void onAQuietResourceOneConsistentListServesTheWholeWindowPagedPerCaller() throws Exception {
    writeAnotherResource();
    long from = mark();
    ResourceCache cache = server.relayed(SPEC).cache;
    List<CompletableFuture<Answer>> answers = consistentLists(20, "?limit=2");
    closeWindowOnAQuietCache(cache);
    String token = null;
    for (CompletableFuture<Answer> f : answers) {
      Answer a = f.get(30, TimeUnit.SECONDS);
      assertThat(a.code()).isEqualTo(200);
      assertThat(Long.parseLong(a.resourceVersion())).isEqualTo(sim.resourceVersion());
      assertThat(a.names()).containsExactly("p-0", "p-1");
      token = a.continueToken();
    }
    assertThat(relayRequestsSince(from))
        .containsExactly("GET /api/v1/pods?limit=1", "GET /api/v1/pods");
    // The next pages come from the list kept for the window, at its version.
    Answer next = http.get("/api/v1/pods?limit=10&continue=" + token);
    assertThat(next.names()).containsExactly("p-2", "p-3", "p-4");
    assertThat(relayRequestsSince(from)).hasSize(2);
  }

  @Test
  void anInconsistentContinuationIsAConsistentReadFromItsKeyNeverTheCachesOlderState()
      throws Exception {
    // The token a 410 offers (RV -1): the cacher calls its continuation a consistent read
    // (ShouldDelegateContinue), served at the API server's current RV or newer.
    long etcd = writeAnotherResourceThatThePodsCacheNeverSees();
    ResourceCache cache = server.relayed(SPEC).cache;
    String token =
        dev.safeclient.apiserver.ContinueToken.after(
                dev.safeclient.apiserver.ContinueToken.INCONSISTENT, "ns/p-1")
            .encode();
    List<CompletableFuture<Answer>> answers = consistentLists(1, "?limit=2&continue=" + token);
    closeWindowOnAQuietCache(cache);
    Answer a = answers.get(0).get(30, TimeUnit.SECONDS);
    assertThat(a.code()).isEqualTo(200);
    assertThat(Long.parseLong(a.resourceVersion())).isGreaterThanOrEqualTo(etcd);
    assertThat(a.names()).containsExactly("p-2", "p-3");
    // Its next page reads the same snapshot.
    Answer next = http.get("/api/v1/pods?limit=2&continue=" + a.continueToken());
    assertThat(next.names()).containsExactly("p-4");
    assertThat(next.resourceVersion()).isEqualTo(a.resourceVersion());
  }

  @Test
  void aConsistentStreamingListOnAQuietResourceStartsFromTheListMadeForIt() throws Exception {
    long etcd = writeAnotherResourceThatThePodsCacheNeverSees();
    ResourceCache cache = server.relayed(SPEC).cache;
    CompletableFuture<List<com.google.gson.JsonObject>> events =
        CompletableFuture.supplyAsync(
            () -> {
              try (RelayHttp.Watch w =
                  http.watch(
                      "/api/v1/pods?watch=1&sendInitialEvents=true"
                          + "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")) {
                List<com.google.gson.JsonObject> out = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                  out.add(w.next());
                }
                return out;
              } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
              }
            });
    await().atMost(Duration.ofSeconds(30)).until(() -> server.relayed(SPEC).reads.joined() == 1);
    closeWindowOnAQuietCache(cache);
    List<com.google.gson.JsonObject> got = events.get(30, TimeUnit.SECONDS);
    for (int i = 0; i < 5; i++) {
      assertThat(RelayHttp.type(got.get(i))).isEqualTo("ADDED");
    }
    // The initial state is the API server's at the list's RV, not the cache's older one.
    assertThat(RelayHttp.type(got.get(5))).isEqualTo("BOOKMARK");
    assertThat(Long.parseLong(RelayHttp.rv(got.get(5)))).isGreaterThanOrEqualTo(etcd);
  }

  @Test
  void readsAtAVersionCommittedElsewhereAreServedPromptlyByOneWindowNotAfterThreeSeconds()
      throws Exception {
    // The API server's RV moved on through another resource: the pods' watch never reaches it.
    long elsewhere = writeAnotherResourceThatThePodsCacheNeverSees();
    ResourceCache cache = server.relayed(SPEC).cache;
    ConsistentReads reads = server.relayed(SPEC).reads;
    long from = mark();
    String at = "resourceVersion=" + elsewhere;
    List<CompletableFuture<Answer>> answers = new ArrayList<>();
    for (String q :
        List.of(
            "/api/v1/pods?" + at + "&resourceVersionMatch=NotOlderThan",
            "/api/v1/pods?" + at,
            "/api/v1/namespaces/ns/pods/p-1?" + at)) {
      answers.add(http.getAsync(q));
    }
    CompletableFuture<List<com.google.gson.JsonObject>> streamed =
        CompletableFuture.supplyAsync(
            () -> {
              try (RelayHttp.Watch w =
                  http.watch(
                      "/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch"
                          + "=NotOlderThan&allowWatchBookmarks=true&"
                          + at)) {
                List<com.google.gson.JsonObject> out = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                  out.add(w.next());
                }
                return out;
              } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
              }
            });
    // Each waits a moment for the cache, then all of them join one window.
    await().atMost(Duration.ofSeconds(30)).until(() -> cache.waiting() == 4);
    clock.advance(RelayServer.AHEAD_WAIT);
    await().atMost(Duration.ofSeconds(30)).until(() -> reads.joined() == 4);
    closeWindowOnAQuietCache(cache);

    Answer list = answers.get(0).get(30, TimeUnit.SECONDS);
    assertThat(list.code()).isEqualTo(200);
    assertThat(Long.parseLong(list.resourceVersion())).isGreaterThanOrEqualTo(elsewhere);
    assertThat(list.names()).containsExactly("p-0", "p-1", "p-2", "p-3", "p-4");
    Answer legacy = answers.get(1).get(30, TimeUnit.SECONDS);
    assertThat(legacy.code()).isEqualTo(200);
    assertThat(legacy.resourceVersion()).isEqualTo(list.resourceVersion());
    Answer get = answers.get(2).get(30, TimeUnit.SECONDS);
    assertThat(get.code()).isEqualTo(200);
    assertThat(get.json().getAsJsonObject("metadata").get("name").getAsString()).isEqualTo("p-1");
    List<com.google.gson.JsonObject> events = streamed.get(30, TimeUnit.SECONDS);
    for (int i = 0; i < 5; i++) {
      assertThat(RelayHttp.type(events.get(i))).isEqualTo("ADDED");
    }
    assertThat(RelayHttp.type(events.get(5))).isEqualTo("BOOKMARK");
    assertThat(RelayHttp.rv(events.get(5))).isEqualTo(list.resourceVersion());
    // One probe and one list for all four, at 300 ms of the 3 s.
    assertThat(relayRequestsSince(from))
        .containsExactly("GET /api/v1/pods?limit=1", "GET /api/v1/pods");
  }

  @Test
  void aVersionTheApiServerHasNotReachedIs504AfterThreeSecondsNeverAnOlderState() throws Exception {
    long ahead = sim.resourceVersion() + 100;
    ResourceCache cache = server.relayed(SPEC).cache;
    ConsistentReads reads = server.relayed(SPEC).reads;
    CompletableFuture<Answer> answer =
        http.getAsync("/api/v1/pods?resourceVersionMatch=NotOlderThan&resourceVersion=" + ahead);
    await().atMost(Duration.ofSeconds(30)).until(() -> cache.waiting() == 1);
    clock.advance(RelayServer.AHEAD_WAIT);
    await().atMost(Duration.ofSeconds(30)).until(() -> reads.joined() == 1);
    clock.advance(ConsistentReads.WINDOW);
    // The probe's RV is behind the one asked for: nothing the window has serves it.
    await().atMost(Duration.ofSeconds(30)).until(() -> reads.probes() == 1 && cache.waiting() == 1);
    clock.advance(Duration.ofMillis(2799));
    assertThat(answer).isNotDone();
    clock.advance(Duration.ofMillis(1));
    ReadPathTest.assertTooLarge(answer.get(30, TimeUnit.SECONDS));
    assertThat(reads.lists()).isZero();
  }

  @Test
  void withTheApiServerDownAConsistentReadIs503NeverTheCachedState() throws Exception {
    sim.outage(true);
    List<CompletableFuture<Answer>> answers = consistentLists(3, "");
    clock.advance(ConsistentReads.WINDOW);
    for (CompletableFuture<Answer> f : answers) {
      Answer a = f.get(60, TimeUnit.SECONDS);
      assertThat(a.code()).isEqualTo(503);
      assertThat(a.retryAfter()).isEqualTo("1");
    }
    // Reads that may be served from the cache still are.
    assertThat(http.get("/api/v1/pods?resourceVersion=0").names()).hasSize(5);
    assertThat(server.relayed(SPEC).reads.probes()).isEqualTo(1);
  }

  @Test
  void anAgentThatWroteDirectlyReadsItsWriteThroughTheRelay() throws Exception {
    CoreV1Api direct = new CoreV1Api(sim.apiClient());
    V1Pod written =
        direct
            .createNamespacedPod(
                "ns",
                new V1Pod()
                    .metadata(new V1ObjectMeta().name("mine").namespace("ns"))
                    .spec(
                        new io.kubernetes.client.openapi.models.V1PodSpec()
                            .addContainersItem(
                                new io.kubernetes.client.openapi.models.V1Container()
                                    .name("c")
                                    .image("busybox"))))
            .execute();
    String r = written.getMetadata().getResourceVersion();
    Answer notOlder =
        http.get("/api/v1/pods?resourceVersion=" + r + "&resourceVersionMatch=NotOlderThan");
    assertThat(notOlder.code()).isEqualTo(200);
    assertThat(notOlder.names()).contains("mine");
    assertThat(Long.parseLong(notOlder.resourceVersion()))
        .isGreaterThanOrEqualTo(Long.parseLong(r));

    direct.deleteNamespacedPod("mine", "ns").gracePeriodSeconds(0).execute();
    List<CompletableFuture<Answer>> consistent = consistentLists(1, "");
    clock.advance(ConsistentReads.WINDOW);
    Answer after = consistent.get(0).get(30, TimeUnit.SECONDS);
    assertThat(after.code()).isEqualTo(200);
    assertThat(after.names()).doesNotContain("mine");
  }
}
