package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.bookmark;
import static dev.safeclient.informer.K8sJson.errorEvent;
import static dev.safeclient.informer.K8sJson.event;
import static dev.safeclient.informer.K8sJson.lines;
import static dev.safeclient.informer.K8sJson.managedFields;
import static dev.safeclient.informer.K8sJson.pod;
import static dev.safeclient.informer.K8sJson.podList;
import static dev.safeclient.informer.K8sJson.status;
import static dev.safeclient.informer.K8sJson.tooLargeStatus;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.internal.protocol.ListChunks;
import dev.safeclient.informer.internal.RelistBackoff;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reflector's conversation with the server, asserted on what goes over the wire. */
class ReflectorWireTest {
  private VirtualTimeSource clock;
  // The informer's own sleeps on that timeline: the reflector's schedule, pinned to the nanosecond.
  private InformerSleeps sleeps;
  private ScriptedApiServer api;
  private SafeClient safe;
  private SafeInformerFactory factory;

  private void setUp(VirtualTimeSource c) throws Exception {
    clock = c;
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    // One timeline from the reflector down to the token bucket: the pipeline's waits (Retry-After
    // memory, retry backoff, the list-cost budget) are on the clock these tests pin.
    safe =
        SafeClient.builder(base).userAgent("informer-test/1").clock(clock).nodeName(null).build();
    sleeps = new InformerSleeps(clock);
    factory =
        new SafeInformerFactory(
            safe,
            sleeps,
            new Random(7),
            WatchStreamFormat.jsonLines(ClientInternals.of(safe).tolerantJson()));
  }

  /** Sleeps within an hour of virtual time return at once. */
  private void setUp() throws Exception {
    setUp(VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1)));
  }

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.stopAllRegisteredInformers();
    }
    if (api != null) {
      api.close();
    }
  }

  private static InformerOptions.Builder opts() {
    return InformerOptions.builder().namespace("default").startJitter(Duration.ZERO);
  }

  private SharedIndexInformer<V1Pod> pods(InformerOptions options) {
    return pods(options, 0);
  }

  private SharedIndexInformer<V1Pod> pods(InformerOptions options, long resyncMillis) {
    return factory.sharedIndexInformerFor(
        V1Pod.class, V1PodList.class, "", "v1", "pods", resyncMillis, options);
  }

  private InformerHealth health(SharedIndexInformer<?> informer) {
    return factory.health(informer).orElseThrow();
  }

  static void await(String what, BooleanSupplier condition) {
    Await.until(what, condition);
  }

  private static List<String> keys(SharedIndexInformer<V1Pod> informer) {
    return informer.getIndexer().listKeys().stream().sorted().toList();
  }

  private static String rv(SharedIndexInformer<V1Pod> informer, String key) {
    V1Pod p = informer.getIndexer().getByKey(key);
    return p == null ? null : p.getMetadata().getResourceVersion();
  }

  private static String watchQuery(String rv, ScriptedApiServer.Seen seen) {
    return "allowWatchBookmarks=true&resourceVersion="
        + rv
        + "&timeoutSeconds="
        + seen.param("timeoutSeconds")
        + "&watch=true";
  }

  // ------------------------------------------------------------------ first list and watch

  @Test
  void aListWhoseBodyOutlastsTheCallDeadlineStillFillsTheCache() throws Exception {
    clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    // A big collection on a slow link or a busy CPU: the body takes longer than the deadline
    // (about 2 s against 300 ms and its 250 ms sweep). client-java reads it whole; so must we.
    safe =
        SafeClient.builder(base)
            .userAgent("informer-test/1")
            .clock(clock)
            .nodeName(null)
            .callTimeout(Duration.ofMillis(300))
            .build();
    factory =
        new SafeInformerFactory(
            safe,
            clock,
            new Random(7),
            WatchStreamFormat.jsonLines(ClientInternals.of(safe).tolerantJson()));
    String body = podList("10", null, pod("a", "uid-a", "9"), pod("b", "uid-b", "8"));
    api.then(
        json(200, body)
            .newBuilder()
            .throttleBody(body.length() / 20, 100, TimeUnit.MILLISECONDS)
            .build());
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();

    await("synced", informer::hasSynced);
    assertThat(keys(informer)).containsExactly("default/a", "default/b");
    assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
  }

  @Test
  void firstListAndFirstWatchSendExactlyClientGosQuery() throws Exception {
    setUp();
    api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().labelSelector("app=web").build());
    factory.startAllRegisteredInformers();

    ScriptedApiServer.Seen list = api.take();
    assertThat(list.request().getMethod()).isEqualTo("GET");
    assertThat(list.path()).isEqualTo("/api/v1/namespaces/default/pods");
    assertThat(list.query()).isEqualTo("labelSelector=app%3Dweb&limit=500&resourceVersion=0");

    ScriptedApiServer.Seen watch = api.take();
    int timeout = Integer.parseInt(watch.param("timeoutSeconds"));
    assertThat(timeout).isBetween(300, 599);
    assertThat(watch.path()).isEqualTo("/api/v1/namespaces/default/pods");
    assertThat(watch.query())
        .isEqualTo(
            "allowWatchBookmarks=true&labelSelector=app%3Dweb&resourceVersion=10&timeoutSeconds="
                + timeout
                + "&watch=true");
    assertThat(watch.request().getHeaders().get("Accept")).isEqualTo("application/json");

    await("synced", informer::hasSynced);
    await("watch connected", () -> health(informer).watchConnected());
    assertThat(keys(informer)).containsExactly("default/a");
    assertThat(informer.lastSyncResourceVersion()).isEqualTo("10");
    assertThat(health(informer).relists()).isEqualTo(1);
    assertThat(health(informer).staleness()).isEqualTo(Duration.ZERO);
  }

  @Test
  void timeoutSecondsAreSpreadOverTheRange() throws Exception {
    setUp();
    api.then(json(200, podList("10", null)));
    api.otherwise(r -> json(200, lines(event("ADDED", pod("x", "u", "11")))));
    pods(opts().build());
    factory.startAllRegisteredInformers();
    api.take();
    List<Integer> timeouts = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      timeouts.add(Integer.parseInt(api.take().param("timeoutSeconds")));
    }
    assertThat(timeouts).allSatisfy(t -> assertThat(t).isBetween(300, 599));
    assertThat(timeouts.stream().distinct().count()).isGreaterThan(10);
  }

  @Test
  void aWatchOpenedOnAConnectionTheServerClosedIsSentAgainWithoutBackoff() throws Exception {
    setUp();
    // The list's connection is closed by the server after its answer, unannounced, as a
    // restarting server (or a load balancer's idle reset) does: it sits dead in the pool.
    api.then(
            json(200, podList("10", null, pod("a", "uid-a", "9")))
                .newBuilder()
                .onResponseEnd(new mockwebserver3.SocketEffect.CloseSocket())
                .build())
        .then(json(200, lines(event("ADDED", pod("b", "uid-b", "11")))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();

    assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.query()).isEqualTo(watchQuery("10", watch));
    await("the event", () -> "11".equals(rv(informer, "default/b")));

    // The dead connection was not the server failing: no reflector backoff, no relist.
    assertThat(sleeps.sleeps()).isEmpty();
    assertThat(health(informer).relists()).isEqualTo(1);
  }

  @Test
  void aPaginatedFirstListIsFollowedToTheEnd() throws Exception {
    setUp();
    api.then(json(200, podList("12", "c1", pod("a", "uid-a", "9"))))
        .then(json(200, podList("12", null, pod("b", "uid-b", "11"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();

    assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
    assertThat(api.take().query()).isEqualTo("continue=c1&limit=500");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.query()).isEqualTo(watchQuery("12", watch));
    await("synced", informer::hasSynced);
    assertThat(keys(informer)).containsExactly("default/a", "default/b");
    assertThat(health(informer).relists()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ resume

  @Test
  void aWatchThatEndsNormallyResumesAtItsLastResourceVersionWithoutRelisting() throws Exception {
    setUp();
    api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))))
        .then(
            json(
                200,
                lines(
                    event("ADDED", pod("b", "uid-b", "11")),
                    event("MODIFIED", pod("a", "uid-a", "12")))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();

    api.take();
    api.take();
    ScriptedApiServer.Seen second = api.take();
    assertThat(second.query()).isEqualTo(watchQuery("12", second));
    assertThat(api.all()).hasSize(3);
    assertThat(sleeps.sleeps()).as("no backoff for a watch that ended normally").isEmpty();
    assertThat(keys(informer)).containsExactly("default/a", "default/b");
    assertThat(rv(informer, "default/a")).isEqualTo("12");
    assertThat(health(informer).relists()).isEqualTo(1);
  }

  @Test
  void bookmarksAdvanceTheResumePoint() throws Exception {
    setUp();
    api.then(json(200, podList("10", null))).then(json(200, bookmark("50")));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    api.take();
    api.take();
    ScriptedApiServer.Seen next = api.take();
    assertThat(next.query()).isEqualTo(watchQuery("50", next));
    assertThat(health(informer).bookmarkSeen()).isTrue();
    assertThat(informer.lastSyncResourceVersion()).isEqualTo("50");
  }

  // ------------------------------------------------------------------ no hot loop

  @Test
  void emptyWatchStreamsAreRetriedNoFasterThanTheBackoffSchedule() throws Exception {
    Duration window = Duration.ofMinutes(10);
    setUp(VirtualTimeSource.autoAdvancingFor(window));
    api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))));
    api.otherwise(r -> json(200, ""));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();

    // The reflector runs on until its next wake-up would fall past the window.
    sleeps.awaitInformerAsleep();
    List<ScriptedApiServer.Seen> all = api.all();
    List<ScriptedApiServer.Seen> watches = all.subList(1, all.size());
    assertThat(watches).allSatisfy(w -> assertThat(w.query()).isEqualTo(watchQuery("10", w)));

    // The schedule: steps 0.8, 1.6, ... 30 s, each jittered into [d, 2d).
    List<Duration> slept = sleeps.sleeps();
    assertThat(slept).hasSize(watches.size());
    double step = 0.8;
    for (Duration s : slept) {
      assertThat(s.toNanos() / 1e9).isGreaterThanOrEqualTo(step).isLessThan(2 * step);
      step = Math.min(step * 2, 30);
    }
    int most = attemptsWithin(window, 1.0);
    int least = attemptsWithin(window, 2.0);
    assertThat(watches.size()).isBetween(least, most);
    assertThat(most).as("client-java sends ~6,850 in 2.5 s").isLessThan(30);
    assertThat(keys(informer)).as("the cache keeps serving").containsExactly("default/a");
    assertThat(health(informer).staleness()).isGreaterThan(Duration.ofMinutes(9));
  }

  /** Attempts that fit in {@code window} if every delay is {@code factor} times its step. */
  private static int attemptsWithin(Duration window, double factor) {
    double t = 0;
    double step = 0.8;
    int attempts = 0;
    while (t <= window.toSeconds()) {
      attempts++;
      t += factor * step;
      step = Math.min(step * 2, 30);
    }
    return attempts;
  }

  @Test
  void aShortWatchWithEventsResumesOnceAtOnceThenBacksOff() throws Exception {
    setUp();
    api.then(json(200, podList("10", null)));
    int[] rv = {10};
    api.otherwise(r -> json(200, event("ADDED", pod("p" + rv[0], "u" + rv[0], "" + ++rv[0]))));
    pods(opts().build());
    factory.startAllRegisteredInformers();
    for (int i = 0; i < 5; i++) {
      api.take();
    }
    // list, watch, watch (at once), then only after backoff steps.
    assertThat(sleeps.sleeps()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(sleeps.sleeps().get(0)).isGreaterThanOrEqualTo(RelistBackoff.INITIAL);
  }

  // ------------------------------------------------------------------ expired

  @Test
  void aWatchAnswering410RelistsAtTheLastResourceVersionWithoutLimit() throws Exception {
    setUp();
    api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))))
        .then(json(200, event("ADDED", pod("b", "uid-b", "11"))))
        .then(json(410, status(410, "Expired", "too old resource version: 11 (40)")))
        .then(json(200, podList("40", null, pod("b", "uid-b", "11"), pod("c", "uid-c", "39"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    RecordingHandler<V1Pod> handler = new RecordingHandler<>();
    informer.addEventHandler(handler);
    factory.startAllRegisteredInformers();

    api.take();
    api.take();
    api.take();
    ScriptedApiServer.Seen relist = api.take();
    assertThat(relist.path()).isEqualTo("/api/v1/namespaces/default/pods");
    assertThat(relist.query()).isEqualTo("resourceVersion=11");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.query()).isEqualTo(watchQuery("40", watch));
    await("relisted", () -> keys(informer).size() == 2);
    assertThat(keys(informer)).containsExactly("default/b", "default/c");
    assertThat(health(informer).relists()).isEqualTo(2);
    await("handler saw the relist", () -> handler.events().size() == 4);
    assertThat(handler.events())
        .containsExactly(
            "ADD default/a uid=uid-a rv=9",
            "ADD default/b uid=uid-b rv=11",
            "DELETE default/a uid=uid-a rv=9 (final state unknown)",
            "ADD default/c uid=uid-c rv=39");
    assertThat(handler.violations()).isEmpty();
  }

  @Test
  void anErrorEvent410RelistsAtTheLastResourceVersionWithoutLimit() throws Exception {
    setUp();
    api.then(json(200, podList("10", null)))
        .then(json(200, lines(event("ADDED", pod("b", "uid-b", "11")), errorEvent(410, "Expired"))))
        .then(json(200, podList("40", null, pod("b", "uid-b", "11"))));
    pods(opts().build());
    factory.startAllRegisteredInformers();
    api.take();
    api.take();
    assertThat(api.take().query()).isEqualTo("resourceVersion=11");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.query()).isEqualTo(watchQuery("40", watch));
  }

  @Test
  void aListAnsweringExpiredRelistsConsistentlyAndPaged() throws Exception {
    setUp();
    api.then(json(410, status(410, "Expired", "too old")))
        .then(json(200, podList("30", "c1", pod("a", "uid-a", "9"))))
        .then(json(200, podList("30", null, pod("b", "uid-b", "29"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
    assertThat(api.take().query()).isEqualTo("limit=500");
    assertThat(api.take().query()).isEqualTo("continue=c1&limit=500");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.query()).isEqualTo(watchQuery("30", watch));
    assertThat(keys(informer)).containsExactly("default/a", "default/b");
  }

  @Test
  void aRelistAnsweringResourceVersionTooLargeFallsBackToAConsistentPagedList() throws Exception {
    setUp();
    api.then(json(200, podList("10", null)))
        .then(json(410, status(410, "Expired", "too old")))
        .then(json(504, tooLargeStatus()))
        .then(json(200, podList("30", null, pod("a", "uid-a", "29"))));
    pods(opts().build());
    factory.startAllRegisteredInformers();
    api.take();
    api.take();
    assertThat(api.take().query()).isEqualTo("resourceVersion=10");
    assertThat(api.take().query()).isEqualTo("limit=500");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.query()).isEqualTo(watchQuery("30", watch));
  }

  @Test
  void anExpiredContinueTokenRestartsPagingConsistentlyAndBoundedly() throws Exception {
    setUp();
    MockResponse expired = json(410, status(410, "Expired", "continue token expired"));
    api.then(json(200, podList("12", "c1", pod("a", "uid-a", "9"))))
        .then(expired)
        .then(json(200, podList("20", "c2", pod("a", "uid-a", "9"))))
        .then(json(200, podList("20", null, pod("b", "uid-b", "19"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
    assertThat(api.take().query()).isEqualTo("continue=c1&limit=500");
    assertThat(api.take().query()).isEqualTo("limit=500");
    assertThat(api.take().query()).isEqualTo("continue=c2&limit=500");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.query()).isEqualTo(watchQuery("20", watch));
    assertThat(keys(informer)).containsExactly("default/a", "default/b");
  }

  @Test
  void continueTokensThatKeepExpiringEndTheAttemptInsteadOfPagingForever() throws Exception {
    setUp(VirtualTimeSource.manual());
    MockResponse expired = json(410, status(410, "Expired", "continue token expired"));
    api.otherwise(
        r ->
            r.getUrl().queryParameter("continue") != null
                ? expired
                : json(200, podList("12", "c", pod("a", "u", "1"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    sleeps.awaitInformerAsleep();
    // first page + (1 + MAX_RESTARTS) expired continues, each restart one first page.
    assertThat(api.all()).hasSize(2 * (1 + ListChunks.MAX_RESTARTS));
    assertThat(informer.hasSynced()).isFalse();
    assertThat(keys(informer)).isEmpty();
  }

  // ------------------------------------------------------------------ 429

  @Test
  void a429WithRetryAfterIsHonoured() throws Exception {
    setUp();
    api.then(
            new MockResponse.Builder()
                .code(429)
                .setHeader("Retry-After", "7")
                .setHeader("Content-Type", "application/json")
                .body(status(429, "TooManyRequests", "storage is (re)initializing"))
                .build())
        .then(json(200, podList("10", null)));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    ScriptedApiServer.Seen first = api.take();
    ScriptedApiServer.Seen retry = api.take();
    assertThat(retry.query()).isEqualTo(first.query()).isEqualTo("limit=500&resourceVersion=0");
    // The reflector waits the 7 s asked, exactly; the client's Retry-After memory then lets the
    // first caller of the window go after a jitter of at most a tenth of it (RetryAfterWindow).
    assertThat(sleeps.sleeps()).containsExactly(Duration.ofSeconds(7));
    assertThat(Duration.ofNanos(retry.atNanos() - first.atNanos()))
        .isBetween(Duration.ofSeconds(7), Duration.ofMillis(7_700));
    await("synced", informer::hasSynced);
  }

  // ------------------------------------------------------------------ watchdog

  @Test
  void theWatchdogRestartsASilentWatchAfterABookmarkWasSeen() throws Exception {
    setUp(VirtualTimeSource.manual());
    api.then(json(200, podList("10", null))).then(r -> api.hold(bookmark("11")));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    api.take();
    api.take();
    await(
        "bookmark seen",
        () -> health(informer).bookmarkSeen() && health(informer).watchConnected());

    clock.advance(InformerOptions.DEFAULT_WATCHDOG_TIMEOUT.minusSeconds(1));
    assertThat(api.poll(200)).as("still within the watchdog's limit").isNull();
    clock.advance(Duration.ofSeconds(2));
    sleeps.awaitInformerAsleep(); // the restart goes through the backoff
    assertThat(health(informer).watchConnected()).isFalse();
    clock.advance(Duration.ofSeconds(2));
    ScriptedApiServer.Seen restarted = api.take();
    assertThat(restarted.query()).isEqualTo(watchQuery("11", restarted));
    assertThat(api.all()).hasSize(3);
  }

  @Test
  void theWatchdogStaysUnarmedOnAServerThatSendsNoBookmarks() throws Exception {
    setUp(VirtualTimeSource.manual());
    api.then(json(200, podList("10", null)))
        .then(r -> api.hold(event("ADDED", pod("a", "u", "11"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    api.take();
    api.take();
    await("watching", () -> health(informer).watchConnected() && keys(informer).size() == 1);
    clock.advance(Duration.ofMinutes(9));
    assertThat(api.poll(300)).isNull();
    assertThat(health(informer).watchConnected()).isTrue();
    assertThat(health(informer).staleness()).isEqualTo(Duration.ZERO);
  }

  // ------------------------------------------------------------------ bad input

  @Test
  void aMalformedLineBacksOffAndResumesAfterTheLastGoodEvent() throws Exception {
    setUp();
    api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))))
        .then(
            json(
                200,
                event("ADDED", pod("b", "uid-b", "11"))
                    + "{\"type\":\"ADDED\",\"object\":{not json}\n"
                    + event("ADDED", pod("c", "uid-c", "12"))))
        .then(r -> api.hold(event("ADDED", pod("c", "uid-c", "12"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    api.take();
    api.take();
    ScriptedApiServer.Seen resumed = api.take();
    assertThat(resumed.query()).isEqualTo(watchQuery("11", resumed));
    assertThat(sleeps.sleeps()).hasSize(1);
    await("c arrives", () -> keys(informer).size() == 3);
  }

  @Test
  void aTruncatedFrameBacksOffAndResumes() throws Exception {
    setUp();
    api.then(json(200, podList("10", null)))
        .then(
            json(
                200,
                event("ADDED", pod("b", "uid-b", "11"))
                    + "{\"type\":\"ADDED\",\"object\":{\"meta"));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    api.take();
    api.take();
    ScriptedApiServer.Seen resumed = api.take();
    assertThat(resumed.query()).isEqualTo(watchQuery("11", resumed));
    assertThat(sleeps.sleeps()).hasSize(1);
    assertThat(keys(informer)).containsExactly("default/b");
  }

  // ------------------------------------------------------------------ transform

  @Test
  void theDefaultTransformStripsManagedFieldsAndAUserTransformRunsAfterIt() throws Exception {
    setUp();
    api.then(json(200, podList("10", null, pod("default", "a", "uid-a", "9", managedFields()))))
        .then(r -> api.hold(event("ADDED", pod("default", "b", "uid-b", "11", managedFields()))));
    UnaryOperator<V1Pod> label =
        p -> {
          p.getMetadata().putLabelsItem("seen-by", "transform");
          return p;
        };
    SharedIndexInformer<V1Pod> informer = pods(opts().transform(label).build());
    factory.startAllRegisteredInformers();
    await("both cached", () -> keys(informer).size() == 2);
    for (V1Pod p : informer.getIndexer().list()) {
      assertThat(p.getMetadata().getManagedFields()).isNull();
      assertThat(p.getMetadata().getLabels()).containsEntry("seen-by", "transform");
    }
  }

  @Test
  void strippingManagedFieldsCanBeTurnedOff() throws Exception {
    setUp();
    api.then(json(200, podList("10", null, pod("default", "a", "uid-a", "9", managedFields()))));
    SharedIndexInformer<V1Pod> informer = pods(opts().stripManagedFields(false).build());
    factory.startAllRegisteredInformers();
    await("synced", informer::hasSynced);
    assertThat(informer.getIndexer().getByKey("default/a").getMetadata().getManagedFields())
        .hasSize(1);
  }

  // ------------------------------------------------------------------ resync

  @Test
  void resyncReplaysTheCacheToHandlersAndSendsNoRequest() throws Exception {
    setUp(VirtualTimeSource.manual());
    api.then(json(200, podList("10", null, pod("a", "uid-a", "9"), pod("b", "uid-b", "8"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build(), 30_000);
    RecordingHandler<V1Pod> handler = new RecordingHandler<>();
    informer.addEventHandler(handler);
    factory.startAllRegisteredInformers();
    api.take();
    api.take();
    await("adds", () -> handler.events().size() == 2);

    clock.advance(Duration.ofSeconds(30));
    await("resync", () -> handler.events().size() == 4);
    assertThat(handler.events().subList(2, 4))
        .containsExactlyInAnyOrder(
            "UPDATE default/a uid=uid-a rv=9", "UPDATE default/b uid=uid-b rv=8");
    clock.advance(Duration.ofSeconds(30));
    await("second resync", () -> handler.events().size() == 6);
    assertThat(api.poll(200)).isNull();
    assertThat(api.all()).hasSize(2);
    assertThat(handler.violations()).isEmpty();
  }

  // ------------------------------------------------------------------ handlers

  @Test
  void aHandlerAddedAfterStartFirstHearsOfEveryCachedObject() throws Exception {
    setUp();
    api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))));
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    factory.startAllRegisteredInformers();
    await("synced", informer::hasSynced);
    RecordingHandler<V1Pod> late = new RecordingHandler<>();
    informer.addEventHandler(late);
    await("replayed", () -> late.events().size() == 1);
    assertThat(late.events()).containsExactly("ADD default/a uid=uid-a rv=9");
  }

  @Test
  void aNewIncarnationUnderTheSameNameIsADeleteThenAnAdd() throws Exception {
    setUp();
    RecordingHandler<V1Pod> handler = new RecordingHandler<>();
    api.then(json(200, podList("10", null, pod("a", "uid-1", "9"))))
        .then(
            r -> {
              // Once the handler has taken the first add: a handler that is behind would (rightly)
              // never hear of an object added and deleted before it got to it.
              await("first add delivered", () -> handler.events().size() == 1);
              return api.hold(event("ADDED", pod("a", "uid-2", "12")));
            });
    SharedIndexInformer<V1Pod> informer = pods(opts().build());
    informer.addEventHandler(handler);
    factory.startAllRegisteredInformers();
    await("events", () -> handler.events().size() == 3);
    assertThat(handler.events())
        .containsExactly(
            "ADD default/a uid=uid-1 rv=9",
            "DELETE default/a uid=uid-1 rv=9 (final state unknown)",
            "ADD default/a uid=uid-2 rv=12");
    assertThat(handler.violations()).isEmpty();
  }
}
