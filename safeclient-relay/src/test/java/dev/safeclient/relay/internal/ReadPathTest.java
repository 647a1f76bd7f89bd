package dev.safeclient.relay.internal;

import static dev.safeclient.relay.internal.RelayHttp.name;
import static dev.safeclient.relay.internal.RelayHttp.pod;
import static dev.safeclient.relay.internal.RelayHttp.rv;
import static dev.safeclient.relay.internal.RelayHttp.summary;
import static dev.safeclient.relay.internal.RelayHttp.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import dev.safeclient.apiserver.ApiserverDefaults;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.relay.internal.RelayHttp.Answer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay's resourceVersion rules on the wire, with its cache told directly what its upstream
 * feed would tell it, and time virtual: every wait and every bookmark happens when the test moves
 * the clock.
 */
class ReadPathTest {
  static final ResourceSpec PODS = new ResourceSpec("", "v1", "pods", "Pod", true, "", "");

  /** Consistent reads are the other test's: this one's upstream is never asked. */
  static final class NoUpstream implements Upstream {
    @Override
    public long currentResourceVersion(ResourceSpec r) throws IOException {
      throw new IOException("no upstream in this test");
    }

    @Override
    public ListSnapshot consistentList(ResourceSpec r) throws IOException {
      throw new IOException("no upstream in this test");
    }
  }

  /**
   * An API server whose current RV the relay's cache has reached: the probe answers the cache's.
   */
  final class CacheReached implements Upstream {
    @Override
    public long currentResourceVersion(ResourceSpec r) {
      return server.relayed(PODS).cache.resourceVersion();
    }

    @Override
    public ListSnapshot consistentList(ResourceSpec r) throws IOException {
      throw new IOException("the cache has reached the API server: no list in this test");
    }
  }

  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private RelayServer server;
  private CacheFeed feed;
  private RelayHttp http;

  private void start(int maxEvents) throws Exception {
    start(maxEvents, new NoUpstream());
  }

  private void start(int maxEvents, Upstream upstream) throws Exception {
    server =
        new RelayServer(
            List.of(PODS), upstream, clock, RequestGate.OPEN, "127.0.0.1", 0, maxEvents, 1L << 30);
    server.start();
    feed = server.feed(PODS);
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

  /** Started with a window of 100 events, and the {@link #history}. */
  private void startWithHistory() throws Exception {
    start(100);
    history();
  }

  /** Waits until the relay serves {@code n} watches. */
  private void awaitWatchers(int n) {
    await().until(() -> server.health().get(0).watchers() == n);
  }

  /** a, b, c at RV 10; then a modified at 11, b deleted at 12, d added at 13. */
  private void history() {
    feed.replaced(
        List.of(
            pod("ns", "a", 5, "node-1", "web"),
            pod("ns", "b", 6, "node-2", "web"),
            pod("ns", "c", 7, "node-1", "db")),
        10);
    feed.modified(pod("ns", "a", 11, "node-1", "web"));
    feed.deleted(pod("ns", "b", 12, "node-2", "web"));
    feed.added(pod("ns", "d", 13, "node-2", "web"));
  }

  private int timers() {
    return clock.pendingTimers();
  }

  @Test
  void beforeItsFirstStateTheRelayAnswers429WithRetryAfterNeverAnEmptyList() throws Exception {
    start(100);
    for (String q : List.of("?resourceVersion=0", "", "?watch=1", "/ns/pods/a")) {
      String path = q.startsWith("/") ? "/api/v1/namespaces" + q : "/api/v1/pods" + q;
      Answer a = http.get(path);
      assertThat(a.code()).as(path).isEqualTo(429);
      assertThat(a.retryAfter()).isEqualTo("1");
      assertThat(a.json().get("reason").getAsString()).isEqualTo("TooManyRequests");
    }
    assertThat(http.get("/readyz").code()).isEqualTo(503);
    feed.replaced(List.of(pod("ns", "a", 5, "n", "web")), 10);
    assertThat(http.get("/api/v1/pods?resourceVersion=0").names()).containsExactly("a");
    assertThat(http.get("/readyz").code()).isEqualTo(200);
  }

  @Test
  void readsAtAReachedVersionAreServedFromTheCache() throws Exception {
    startWithHistory();
    Answer any = http.get("/api/v1/pods?resourceVersion=0&limit=1");
    // RV=0: the watch cache's one unpaged answer, limit ignored.
    assertThat(any.names()).containsExactly("a", "c", "d");
    assertThat(any.resourceVersion()).isEqualTo("13");
    assertThat(any.continueToken()).isNull();
    Answer notOlder = http.get("/api/v1/namespaces/ns/pods?resourceVersion=12");
    assertThat(notOlder.names()).containsExactly("a", "c", "d");
    assertThat(notOlder.resourceVersion()).isEqualTo("13");
    Answer one = http.get("/api/v1/namespaces/ns/pods/a?resourceVersion=11");
    assertThat(one.code()).isEqualTo(200);
    assertThat(one.json().getAsJsonObject("metadata").get("resourceVersion").getAsString())
        .isEqualTo("11");
    Answer gone = http.get("/api/v1/namespaces/ns/pods/b?resourceVersion=0");
    assertThat(gone.code()).isEqualTo(404);
    assertThat(gone.json().get("message").getAsString()).isEqualTo("pods \"b\" not found");
  }

  @Test
  void anExactReadAheadWaitsThreeSecondsThen504WithRetryAfterOneNeverStaleNor410()
      throws Exception {
    startWithHistory();
    // No state but the one at 20 serves it: the window's list, at whatever RV, cannot.
    String q = "/api/v1/pods?resourceVersion=20&resourceVersionMatch=Exact";
    int before = timers();
    CompletableFuture<Answer> answer = http.getAsync(q);
    await().until(() -> timers() == before + 1);
    clock.advance(Duration.ofMillis(2999));
    assertThat(answer).isNotDone();
    clock.advance(Duration.ofMillis(1));
    assertTooLarge(answer.get(10, TimeUnit.SECONDS));
  }

  static void assertTooLarge(Answer a) {
    assertThat(a.code()).isEqualTo(504);
    assertThat(a.retryAfter()).isEqualTo("1");
    JsonObject status = a.json();
    assertThat(status.get("reason").getAsString()).isEqualTo("Timeout");
    assertThat(
            status
                .getAsJsonObject("details")
                .getAsJsonArray("causes")
                .get(0)
                .getAsJsonObject()
                .get("reason")
                .getAsString())
        .isEqualTo("ResourceVersionTooLarge");
  }

  @Test
  void aVersionAheadThatTheApiServerCannotShowIs504AfterThreeSecondsAndOneReachedIsServed()
      throws Exception {
    startWithHistory();
    // The API server unreachable: the window's probe fails, and the reads wait out the 3 s.
    for (String q :
        List.of(
            "/api/v1/pods?resourceVersion=20&resourceVersionMatch=NotOlderThan",
            "/api/v1/pods?resourceVersion=20",
            "/api/v1/namespaces/ns/pods/a?resourceVersion=20")) {
      int before = timers();
      CompletableFuture<Answer> answer = http.getAsync(q);
      await().until(() -> timers() == before + 1);
      clock.advance(RelayServer.AHEAD_WAIT);
      await().until(() -> server.relayed(PODS).reads.joined() == 1);
      clock.advance(ConsistentReads.WINDOW);
      await().until(() -> server.relayed(PODS).cache.waiting() == 1);
      clock.advance(
          ApiserverDefaults.RESOURCE_VERSION_WAIT
              .minus(RelayServer.AHEAD_WAIT)
              .minus(ConsistentReads.WINDOW)
              .minusMillis(1));
      assertThat(answer).as(q).isNotDone();
      clock.advance(Duration.ofMillis(1));
      assertTooLarge(answer.get(10, TimeUnit.SECONDS));
    }

    // Reached before the window: served from the cache, at the version asked or newer.
    int before = timers();
    CompletableFuture<Answer> answer =
        http.getAsync("/api/v1/pods?resourceVersion=15&resourceVersionMatch=NotOlderThan");
    await().until(() -> timers() == before + 1);
    clock.advance(RelayServer.AHEAD_WAIT.dividedBy(2));
    feed.added(pod("ns", "e", 15, "node-1", "web"));
    Answer a = answer.get(10, TimeUnit.SECONDS);
    assertThat(a.code()).isEqualTo(200);
    assertThat(a.resourceVersion()).isEqualTo("15");
    assertThat(a.names()).containsExactly("a", "c", "d", "e");
    assertThat(server.relayed(PODS).reads.probes()).isEqualTo(3);
  }

  @Test
  void exactReadsComeFromTheSnapshotAtTheirVersionOr410NeverTheCurrentState() throws Exception {
    start(3);
    history();
    Answer at11 = http.get("/api/v1/pods?resourceVersion=11&resourceVersionMatch=Exact");
    assertThat(at11.names()).containsExactly("a", "b", "c");
    assertThat(at11.resourceVersion()).isEqualTo("11");
    Answer at12 = http.get("/api/v1/pods?resourceVersion=12&resourceVersionMatch=Exact");
    assertThat(at12.names()).containsExactly("a", "c");
    // The legacy form, a specific RV with a limit, reads exactly too.
    Answer legacy = http.get("/api/v1/pods?resourceVersion=10&limit=10");
    assertThat(legacy.names()).containsExactly("a", "b", "c");
    assertThat(legacy.resourceVersion()).isEqualTo("10");
    assertThat(
            legacy
                .json()
                .getAsJsonArray("items")
                .get(0)
                .getAsJsonObject()
                .getAsJsonObject("metadata")
                .get("resourceVersion")
                .getAsString())
        .isEqualTo("5");

    // The window holds three events; a fourth pushes RV 11 out: 10 is gone, 11 still rebuilt.
    feed.added(pod("ns", "e", 14, "node-1", "web"));
    Answer expired = http.get("/api/v1/pods?resourceVersion=10&resourceVersionMatch=Exact");
    assertThat(expired.code()).isEqualTo(410);
    assertThat(expired.json().get("reason").getAsString()).isEqualTo("Expired");
    assertThat(http.get("/api/v1/pods?resourceVersion=11&resourceVersionMatch=Exact").names())
        .containsExactly("a", "b", "c");
  }

  @Test
  void pagesOfASnapshotWhileWritesHappenHoldEveryObjectOnceAllAtTheSnapshotsVersion()
      throws Exception {
    start(1000);
    List<CachedObject> pods = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      pods.add(pod("ns", "p-" + i, i + 1, "node-" + (i % 2), "web"));
    }
    feed.replaced(pods, 20);
    List<String> seen = new ArrayList<>();
    Set<String> versions = new HashSet<>();
    Answer page = http.get("/api/v1/pods?resourceVersion=20&limit=3");
    long rv = 20;
    int round = 0;
    while (true) {
      assertThat(page.code()).isEqualTo(200);
      assertThat(page.resourceVersion()).isEqualTo("20");
      seen.addAll(page.names());
      for (var e : page.json().getAsJsonArray("items")) {
        versions.add(
            e.getAsJsonObject().getAsJsonObject("metadata").get("resourceVersion").getAsString());
      }
      // Writes between pages: a change, a deletion and a creation, all after the snapshot.
      feed.modified(pod("ns", "p-" + (9 - round), ++rv + 100, "node-0", "changed"));
      feed.deleted(pod("ns", "p-" + round, ++rv + 100, "node-0", "web"));
      feed.added(pod("ns", "new-" + round, ++rv + 100, "node-0", "web"));
      round++;
      if (page.continueToken() == null) {
        break;
      }
      page = http.get("/api/v1/pods?limit=3&continue=" + page.continueToken());
    }
    assertThat(seen)
        .containsExactly("p-0", "p-1", "p-2", "p-3", "p-4", "p-5", "p-6", "p-7", "p-8", "p-9");
    assertThat(versions)
        .containsExactlyInAnyOrder("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
  }

  @Test
  void aPageWithoutSelectorsSaysHowManyItemsRemainAsTheApiserverDoes() throws Exception {
    // storage.PrepareContinueToken: remainingItemCount only for an empty predicate, when more
    // items follow; the namespace is part of the key, not of the predicate.
    start(1000);
    List<CachedObject> pods = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      pods.add(pod(i < 5 ? "ns" : "other", "p-" + i, i + 1, "node-" + (i % 2), "web"));
    }
    feed.replaced(pods, 20);
    feed.deleted(pod("ns", "p-0", 21, "node-0", "web"));
    Answer first = http.get("/api/v1/pods?resourceVersion=20&limit=3");
    assertThat(first.names()).containsExactly("p-0", "p-1", "p-2");
    assertThat(first.json().getAsJsonObject("metadata").get("remainingItemCount").getAsLong())
        .isEqualTo(4);
    Answer second = http.get("/api/v1/pods?limit=3&continue=" + first.continueToken());
    assertThat(second.names()).containsExactly("p-3", "p-4", "p-5");
    assertThat(second.json().getAsJsonObject("metadata").get("remainingItemCount").getAsLong())
        .isEqualTo(1);
    Answer last = http.get("/api/v1/pods?limit=3&continue=" + second.continueToken());
    assertThat(last.names()).containsExactly("p-6");
    assertThat(last.json().getAsJsonObject("metadata").has("remainingItemCount")).isFalse();
    Answer inNamespace = http.get("/api/v1/namespaces/ns/pods?resourceVersion=21&limit=2");
    assertThat(inNamespace.names()).containsExactly("p-1", "p-2");
    assertThat(inNamespace.json().getAsJsonObject("metadata").get("remainingItemCount").getAsLong())
        .isEqualTo(2);
    Answer selected = http.get("/api/v1/pods?resourceVersion=21&limit=2&labelSelector=app%3Dweb");
    assertThat(selected.continueToken()).isNotNull();
    assertThat(selected.json().getAsJsonObject("metadata").has("remainingItemCount")).isFalse();
  }

  @Test
  void aNamespacedListsContinueTokenIsKeyedInsideItsNamespaceAsTheApiserversIs() throws Exception {
    // storage.EncodeContinue trims the request's key prefix (/registry/pods/ns/): a namespaced
    // list's token starts at the name. An agent's pager may carry a token between the relay and
    // the API server, so each must read the other's.
    start(1000);
    List<CachedObject> pods = new ArrayList<>();
    for (String ns : List.of("a", "ns", "z")) {
      for (int i = 0; i < 4; i++) {
        pods.add(pod(ns, "p-" + i, pods.size() + 1, "node-0", "web"));
      }
    }
    feed.replaced(pods, 20);
    Answer first = http.get("/api/v1/namespaces/ns/pods?resourceVersion=20&limit=2");
    assertThat(first.names()).containsExactly("p-0", "p-1");
    dev.safeclient.apiserver.ContinueToken token =
        dev.safeclient.apiserver.ContinueToken.decode(first.continueToken());
    assertThat(token.startKey()).isEqualTo("p-1\u0000");
    assertThat(token.resourceVersion()).isEqualTo(20);
    Answer rest = http.get("/api/v1/namespaces/ns/pods?limit=10&continue=" + first.continueToken());
    assertThat(rest.names()).containsExactly("p-2", "p-3");
    assertThat(rest.json().getAsJsonArray("items").size()).isEqualTo(2);
    // A cluster-wide list's token holds the namespace.
    Answer all = http.get("/api/v1/pods?resourceVersion=20&limit=5");
    assertThat(dev.safeclient.apiserver.ContinueToken.decode(all.continueToken()).startKey())
        .isEqualTo("ns/p-0\u0000");
  }

  @Test
  void aContinueTokenOutsideTheWindowGets410WithTheApiserversMessage() throws Exception {
    start(2, new CacheReached());
    List<CachedObject> pods = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      pods.add(pod("ns", "p-" + i, i + 1, "node-0", "web"));
    }
    feed.replaced(pods, 20);
    Answer first = http.get("/api/v1/pods?resourceVersion=20&limit=2");
    String token = first.continueToken();
    assertThat(token).isNotNull();
    feed.modified(pod("ns", "p-4", 21, "node-0", "x"));
    feed.modified(pod("ns", "p-4", 22, "node-0", "y"));
    feed.modified(pod("ns", "p-4", 23, "node-0", "z"));
    Answer expired = http.get("/api/v1/pods?limit=2&continue=" + token);
    assertThat(expired.code()).isEqualTo(410);
    assertThat(expired.json().get("message").getAsString())
        .startsWith("The provided continue parameter is too old to display a consistent list");
    // It offers a token that continues at the current state from the same key: a consistent read.
    String fresh = expired.json().getAsJsonObject("metadata").get("continue").getAsString();
    CompletableFuture<Answer> continued = http.getAsync("/api/v1/pods?limit=10&continue=" + fresh);
    await().until(() -> server.relayed(PODS).reads.joined() == 1);
    clock.advance(ConsistentReads.WINDOW);
    Answer rest = continued.get(10, TimeUnit.SECONDS);
    assertThat(rest.names()).containsExactly("p-2", "p-3", "p-4");
    assertThat(rest.resourceVersion()).isEqualTo("23");
  }

  @Test
  void aWatchResumesInsideTheWindowAndGetsAn410ErrorEventOutsideIt() throws Exception {
    start(3);
    history();
    try (RelayHttp.Watch w = http.watch("/api/v1/pods?watch=1&resourceVersion=11")) {
      assertThat(w.response.code()).isEqualTo(200);
      assertThat(summary(w.next())).isEqualTo("DELETED b 12");
      assertThat(summary(w.next())).isEqualTo("ADDED d 13");
      feed.modified(pod("ns", "c", 14, "node-1", "db"));
      assertThat(summary(w.next())).isEqualTo("MODIFIED c 14");
    }
    // The window now starts after 11: a watch from 10 has missed events it cannot be given.
    try (RelayHttp.Watch w = http.watch("/api/v1/pods?watch=1&resourceVersion=10")) {
      assertThat(w.response.code()).isEqualTo(200);
      JsonObject error = w.next();
      assertThat(type(error)).isEqualTo("ERROR");
      assertThat(error.getAsJsonObject("object").get("code").getAsInt()).isEqualTo(410);
      assertThat(error.getAsJsonObject("object").get("reason").getAsString()).isEqualTo("Expired");
      assertThat(w.next()).isNull();
    }
  }

  @Test
  void aWatchAheadOfTheCacheIsAcceptedAndGetsOnlyLaterEvents() throws Exception {
    startWithHistory();
    try (RelayHttp.Watch w = http.watch("/api/v1/pods?watch=1&resourceVersion=15")) {
      assertThat(w.response.code()).isEqualTo(200);
      feed.added(pod("ns", "e", 15, "node-1", "web"));
      feed.added(pod("ns", "f", 16, "node-1", "web"));
      assertThat(summary(w.next())).isEqualTo("ADDED f 16");
    }
  }

  @Test
  void aWatchFromNowStartsAtTheApiServersCurrentVersionNotTheCachesOlderOne() throws Exception {
    // The cache is at 13; the API server is at 20: its changes up to 20 happened before the watch
    // and are on their way to the cache. As the cacher starts such a watch at storage's current RV,
    // the watch waits for the window's probe and sends only what comes after 20.
    AtomicLong apiServer = new AtomicLong(20);
    start(
        100,
        new Upstream() {
          @Override
          public long currentResourceVersion(ResourceSpec r) {
            return apiServer.get();
          }

          @Override
          public ListSnapshot consistentList(ResourceSpec r) throws IOException {
            throw new IOException("a watch from now needs no list");
          }
        });
    history();
    CompletableFuture<RelayHttp.Watch> opened =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return http.watch(
                    "/api/v1/pods?watch=1&sendInitialEvents=false"
                        + "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    await().until(() -> server.relayed(PODS).reads.joined() == 1);
    clock.advance(ConsistentReads.WINDOW);
    try (RelayHttp.Watch w = opened.get(10, TimeUnit.SECONDS)) {
      await().until(() -> server.relayed(PODS).cache.watchers() == 1);
      feed.added(pod("ns", "before", 18, "node-1", "web"));
      feed.added(pod("ns", "after", 21, "node-1", "web"));
      assertThat(summary(w.next())).isEqualTo("ADDED after 21");
    }
    assertThat(server.relayed(PODS).reads.probes()).isEqualTo(1);
    assertThat(server.relayed(PODS).reads.lists()).isZero();
  }

  @Test
  void aWatchFromAnyVersionStartsAtTheCachesVersionWithoutAskingTheApiServer() throws Exception {
    // resourceVersion=0 with sendInitialEvents=false: the cacher starts it at its own RV
    // (watchCache.getAllEventsSinceLocked), never asking storage; so does the relay, whose API
    // server is unreachable here, and whose clock never moves: no window, no probe, no 503.
    startWithHistory();
    try (RelayHttp.Watch w =
        http.watch(
            "/api/v1/pods?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan"
                + "&resourceVersion=0")) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> server.relayed(PODS).cache.watchers() == 1);
      assertThat(server.relayed(PODS).reads.joined()).isZero();
      feed.added(pod("ns", "e", 14, "node-1", "web"));
      assertThat(summary(w.next())).isEqualTo("ADDED e 14");
    }
    assertThat(server.relayed(PODS).reads.probes()).isZero();
  }

  @Test
  void bookmarksAboutEveryMinuteOnlyWhenAsked() throws Exception {
    startWithHistory();
    try (RelayHttp.Watch with =
            http.watch("/api/v1/pods?watch=1&resourceVersion=13&allowWatchBookmarks=true");
        RelayHttp.Watch without = http.watch("/api/v1/pods?watch=1&resourceVersion=13")) {
      awaitWatchers(2);
      feed.progressed(20);
      clock.advance(dev.safeclient.apiserver.ApiserverDefaults.BOOKMARK_INTERVAL);
      JsonObject b = with.next();
      assertThat(type(b)).isEqualTo("BOOKMARK");
      assertThat(rv(b)).isEqualTo("20");
      assertThat(b.getAsJsonObject("object").get("kind").getAsString()).isEqualTo("Pod");
      feed.added(pod("ns", "e", 21, "node-1", "web"));
      JsonObject first = without.next();
      assertThat(type(first) + " " + name(first)).isEqualTo("ADDED e");
      assertThat(type(with.next())).isEqualTo("ADDED");
    }
  }

  @Test
  void aSelectiveWatcherGetsItsBookmarkWhenOnlyOtherObjectsChanged() throws Exception {
    // The cacher sends every bookmark watcher the bookmark at its latest RV, whatever its filter
    // let through: that is how a node's agent moves its resume point while other nodes' pods churn.
    startWithHistory();
    try (RelayHttp.Watch w =
        http.watch(
            "/api/v1/pods?watch=1&resourceVersion=13&allowWatchBookmarks=true"
                + "&fieldSelector=spec.nodeName%3Dnode-1")) {
      awaitWatchers(1);
      feed.added(pod("ns", "e", 14, "node-2", "web"));
      feed.modified(pod("ns", "d", 15, "node-2", "db"));
      clock.advance(dev.safeclient.apiserver.ApiserverDefaults.BOOKMARK_INTERVAL);
      JsonObject b = nextWithin(w);
      assertThat(type(b) + " " + rv(b)).isEqualTo("BOOKMARK 15");
      // Its own node's change still comes, after the bookmark.
      feed.added(pod("ns", "f", 16, "node-1", "web"));
      assertThat(summary(w.next())).isEqualTo("ADDED f 16");
    }
  }

  @Test
  void aBookmarkWatcherGetsABookmarkTwoSecondsBeforeItsTimeout() throws Exception {
    // cacheWatcher.nextBookmarkTime: right before the deadline (2 s), so that the client resumes
    // from as close to now as possible.
    startWithHistory();
    try (RelayHttp.Watch w =
        http.watch(
            "/api/v1/pods?watch=1&resourceVersion=13&allowWatchBookmarks=true&timeoutSeconds=10"
                + "&fieldSelector=spec.nodeName%3Dnode-1")) {
      awaitWatchers(1);
      feed.added(pod("ns", "e", 14, "node-2", "web"));
      clock.advance(Duration.ofSeconds(8));
      JsonObject b = nextWithin(w);
      assertThat(type(b) + " " + rv(b)).isEqualTo("BOOKMARK 14");
      clock.advance(Duration.ofSeconds(2));
      assertThat(w.next()).isNull();
    }
  }

  /** The next event, or a failure if none comes within 10 s (a read never waits the minute). */
  private static JsonObject nextWithin(RelayHttp.Watch w) throws Exception {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return w.next();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            })
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void timeoutSecondsEndsTheWatchCleanly() throws Exception {
    startWithHistory();
    try (RelayHttp.Watch w =
        http.watch("/api/v1/pods?watch=1&resourceVersion=13&timeoutSeconds=5")) {
      awaitWatchers(1);
      clock.advance(Duration.ofSeconds(5));
      assertThat(w.next()).isNull();
    }
    awaitWatchers(0);
  }

  @Test
  void sendInitialEventsGivesTheStateThenTheInitialEventsEndBookmark() throws Exception {
    startWithHistory();
    try (RelayHttp.Watch w =
        http.watch(
            "/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                + "&allowWatchBookmarks=true&resourceVersion=12")) {
      Set<String> added = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        JsonObject e = w.next();
        assertThat(type(e)).isEqualTo("ADDED");
        added.add(name(e));
      }
      assertThat(added).containsExactlyInAnyOrder("a", "c", "d");
      JsonObject end = w.next();
      assertThat(type(end)).isEqualTo("BOOKMARK");
      assertThat(rv(end)).isEqualTo("13");
      assertThat(
              end.getAsJsonObject("object")
                  .getAsJsonObject("metadata")
                  .getAsJsonObject("annotations")
                  .get("k8s.io/initial-events-end")
                  .getAsString())
          .isEqualTo("true");
      feed.added(pod("ns", "e", 14, "node-1", "web"));
      assertThat(name(w.next())).isEqualTo("e");
    }
    // Ahead of the cache, and the API server unreachable: the streaming list waits 3 s, then its
    // one event is the 504.
    int before = timers();
    try (RelayHttp.Watch w =
        http.watch(
            "/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                + "&allowWatchBookmarks=true&resourceVersion=99")) {
      await().until(() -> timers() >= before + 2);
      clock.advance(RelayServer.AHEAD_WAIT);
      await().until(() -> server.relayed(PODS).reads.joined() == 1);
      clock.advance(ConsistentReads.WINDOW);
      await().until(() -> server.relayed(PODS).cache.waiting() == 1);
      clock.advance(Duration.ofSeconds(3));
      JsonObject error = w.next();
      assertThat(type(error)).isEqualTo("ERROR");
      assertThat(error.getAsJsonObject("object").get("code").getAsInt()).isEqualTo(504);
      assertThat(w.next()).isNull();
    }
  }

  @Test
  void anUnselectiveStreamingListOf150kObjectsReachesAnAgentWholeThenItsBookmark()
      throws Exception {
    start(100);
    int objects = WatchReplayTest.OBJECTS;
    List<CachedObject> state = new ArrayList<>(objects);
    for (int i = 0; i < objects; i++) {
      state.add(pod("ns", "p-" + i, 5, "node-" + (i % 100), "web"));
    }
    feed.replaced(state, 10);
    try (RelayHttp.Watch w =
        http.watch(
            "/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                + "&allowWatchBookmarks=true&resourceVersion=10")) {
      Set<String> added = new HashSet<>();
      JsonObject e;
      while ((e = w.next()) != null && type(e).equals("ADDED")) {
        added.add(name(e));
      }
      assertThat(added).hasSize(objects);
      assertThat(e).isNotNull();
      assertThat(type(e)).isEqualTo("BOOKMARK");
      assertThat(rv(e)).isEqualTo("10");
      assertThat(
              e.getAsJsonObject("object")
                  .getAsJsonObject("metadata")
                  .getAsJsonObject("annotations")
                  .get("k8s.io/initial-events-end")
                  .getAsString())
          .isEqualTo("true");
      feed.added(pod("ns", "late", 11, "node-1", "web"));
      assertThat(name(w.next())).isEqualTo("late");
    }
  }

  @Test
  void aLegacyWatchFromZeroOrUnsetIsDefaultedToAStreamingListAsWithTheWatchListGateOn()
      throws Exception {
    // handlers/get.go listOpts: SetListOptionsDefaults makes watch=1 with RV "0" or unset (and
    // neither sendInitialEvents nor resourceVersionMatch) sendInitialEvents=true, NotOlderThan.
    start(100, new CacheReached());
    history();
    try (RelayHttp.Watch w =
        http.watch("/api/v1/pods?watch=1&resourceVersion=0&allowWatchBookmarks=true")) {
      Set<String> added = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        JsonObject e = w.next();
        assertThat(type(e)).isEqualTo("ADDED");
        added.add(name(e));
      }
      assertThat(added).containsExactlyInAnyOrder("a", "c", "d");
      JsonObject end = w.next();
      assertThat(type(end) + " " + rv(end)).isEqualTo("BOOKMARK 13");
      assertThat(
              end.getAsJsonObject("object")
                  .getAsJsonObject("metadata")
                  .getAsJsonObject("annotations")
                  .get("k8s.io/initial-events-end")
                  .getAsString())
          .isEqualTo("true");
    }
    // RV unset: a consistent streaming list, so it waits for the window's probe; never the cache's
    // state at once.
    CompletableFuture<List<JsonObject>> events =
        CompletableFuture.supplyAsync(
            () -> {
              try (RelayHttp.Watch w = http.watch("/api/v1/pods?watch=1")) {
                List<JsonObject> out = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                  out.add(w.next());
                }
                return out;
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    await().until(() -> server.relayed(PODS).reads.joined() == 1);
    assertThat(events).isNotDone();
    clock.advance(ConsistentReads.WINDOW);
    for (JsonObject e : events.get(10, TimeUnit.SECONDS)) {
      assertThat(type(e)).isEqualTo("ADDED");
    }
    assertThat(server.relayed(PODS).reads.probes()).isEqualTo(1);
  }

  @Test
  void selectorsUseTheIndexesOrFilterInMemoryAndAnUnsupportedFieldIs400() throws Exception {
    start(100);
    feed.replaced(
        List.of(
            pod("ns", "a", 1, "node-1", "web", "Running"),
            pod("ns", "b", 2, "node-2", "web", "Pending"),
            pod("other", "c", 3, "node-1", "db", "Running")),
        10);
    assertThat(
            http.get("/api/v1/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1").names())
        .containsExactly("a", "c");
    assertThat(
            http.get(
                    "/api/v1/namespaces/ns/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1")
                .names())
        .containsExactly("a");
    assertThat(http.get("/api/v1/pods?resourceVersion=0&labelSelector=app%20in%20(db)").names())
        .containsExactly("c");
    assertThat(
            http.get("/api/v1/pods?resourceVersion=0&fieldSelector=status.phase%3DPending").names())
        .containsExactly("b");
    assertThat(http.get("/api/v1/pods?resourceVersion=0&fieldSelector=metadata.name%3Dc").names())
        .containsExactly("c");
    Answer unsupported = http.get("/api/v1/pods?resourceVersion=0&fieldSelector=spec.image%3Dx");
    assertThat(unsupported.code()).isEqualTo(400);
    assertThat(unsupported.json().get("message").getAsString())
        .contains("field label not supported");
    assertThat(http.get("/api/v1/pods?resourceVersion=0&labelSelector=%3D%3Dx").code())
        .isEqualTo(400);

    // The initial state of a node's watch: that node's pods, from the node index.
    try (RelayHttp.Watch w =
        http.watch("/api/v1/pods?watch=1&resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1")) {
      Set<String> initial = new HashSet<>();
      initial.add(name(w.next()));
      initial.add(name(w.next()));
      assertThat(initial).containsExactlyInAnyOrder("a", "c");
      feed.added(pod("ns", "z", 11, "node-1", "web"));
      assertThat(summary(w.next())).isEqualTo("ADDED z 11");
      feed.deleted(pod("ns", "z", 12, "node-1", "web"));
      assertThat(type(w.next())).isEqualTo("DELETED");
    }

    // A watch by node: a pod that moves onto the node is ADDED for it, one that leaves DELETED,
    // at the event's version (the cacher's rule), so the watcher's version never goes back.
    try (RelayHttp.Watch w =
        http.watch(
            "/api/v1/pods?watch=1&resourceVersion=12&fieldSelector=spec.nodeName%3Dnode-2")) {
      feed.modified(pod("ns", "a", 13, "node-2", "web"));
      feed.modified(pod("ns", "b", 14, "node-3", "web"));
      feed.modified(pod("other", "c", 15, "node-1", "x"));
      feed.modified(pod("ns", "a", 16, "node-2", "web2"));
      assertThat(summary(w.next())).isEqualTo("ADDED a 13");
      assertThat(summary(w.next())).isEqualTo("DELETED b 14");
      assertThat(summary(w.next())).isEqualTo("MODIFIED a 16");
    }
  }

  @Test
  void anEmptyNodeNameSelectorReadsTheUnscheduledPodsInListsSnapshotsAndInitialStates()
      throws Exception {
    // spec.nodeName= is how a scheduler asks for unscheduled pods; they have no node to index by.
    start(100);
    CachedObject pending =
        CachedObject.of(
            dev.safeclient.informer.RawObject.ofJson(
                ("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"pending\","
                        + "\"namespace\":\"ns\",\"uid\":\"uid-pending\",\"resourceVersion\":\"8\"},"
                        + "\"spec\":{},\"status\":{\"phase\":\"Pending\"}}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            "Pod",
            "v1",
            true);
    feed.replaced(List.of(pod("ns", "a", 5, "node-1", "web"), pending), 10);
    feed.modified(pod("ns", "a", 11, "node-2", "web"));
    String unscheduled = "fieldSelector=spec.nodeName%3D";
    assertThat(http.get("/api/v1/pods?resourceVersion=0&" + unscheduled).names())
        .containsExactly("pending");
    assertThat(
            http.get("/api/v1/pods?resourceVersion=10&resourceVersionMatch=Exact&" + unscheduled)
                .names())
        .containsExactly("pending");
    try (RelayHttp.Watch w = http.watch("/api/v1/pods?watch=1&resourceVersion=0&" + unscheduled)) {
      JsonObject e = w.next();
      assertThat(type(e) + " " + name(e)).isEqualTo("ADDED pending");
    }
  }

  @Test
  void aRelistEndsEveryWatchAndTimeNeverGoesBack() throws Exception {
    startWithHistory();
    try (RelayHttp.Watch w = http.watch("/api/v1/pods?watch=1&resourceVersion=13")) {
      awaitWatchers(1);
      feed.replaced(List.of(pod("ns", "a", 11, "node-1", "web"), pod("ns", "z", 18, "n", "x")), 20);
      // Ended cleanly, as the cacher ends its watchers when its reflector relists.
      assertThat(w.next()).isNull();
    }
    // Resuming from before the relist would miss what changed unseen: 410, and relist here.
    try (RelayHttp.Watch w = http.watch("/api/v1/pods?watch=1&resourceVersion=13")) {
      JsonObject e = w.next();
      assertThat(type(e)).isEqualTo("ERROR");
      assertThat(e.getAsJsonObject("object").get("code").getAsInt()).isEqualTo(410);
    }
    assertThat(http.get("/api/v1/pods?resourceVersion=13").names()).containsExactly("a", "z");
    // An older full state never replaces a newer one.
    feed.replaced(List.of(pod("ns", "old", 3, "n", "x")), 15);
    Answer now = http.get("/api/v1/pods?resourceVersion=0");
    assertThat(now.resourceVersion()).isEqualTo("20");
    assertThat(now.names()).containsExactly("a", "z");
    try (RelayHttp.Watch w = http.watch("/api/v1/pods?watch=1&resourceVersion=20")) {
      feed.added(pod("ns", "y", 21, "n", "x"));
      assertThat(rv(w.next())).isEqualTo("21");
    }
  }

  @Test
  void onlyReadsOfRelayedResourcesAndTheApiserversAnswersToBadQueries() throws Exception {
    startWithHistory();
    assertThat(http.post("/api/v1/namespaces/ns/pods").code()).isEqualTo(405);
    assertThat(http.get("/api/v1/configmaps").code()).isEqualTo(404);
    assertThat(http.get("/api/v1/secrets").code()).isEqualTo(404);
    assertThat(http.get("/api/v1/namespaces/ns/pods/a/log").code()).isEqualTo(404);
    Answer badLimit = http.get("/api/v1/pods?limit=x");
    assertThat(badLimit.code()).isEqualTo(400);
    assertThat(badLimit.json().get("reason").getAsString()).isEqualTo("BadRequest");
    Answer exactZero = http.get("/api/v1/pods?resourceVersion=0&resourceVersionMatch=Exact");
    assertThat(exactZero.code()).isEqualTo(422);
    assertThat(http.get("/api/v1/pods?continue=not-a-token").code()).isEqualTo(400);
    assertThat(http.get("/api/v1/pods?resourceVersion=x").code()).isEqualTo(400);
  }
}
