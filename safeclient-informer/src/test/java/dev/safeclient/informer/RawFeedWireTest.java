package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.errorEvent;
import static dev.safeclient.informer.K8sJson.event;
import static dev.safeclient.informer.K8sJson.lines;
import static dev.safeclient.informer.K8sJson.managedFields;
import static dev.safeclient.model.testing.ScriptedApiServer.apf429;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static dev.safeclient.model.testing.ScriptedApiServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testdata.KubeApiTestdata;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The raw feed on the wire, against a scripted server where a fault must be exact: the listener
 * gets the bytes the server sent, in the server's order, through the informer's own recovery.
 */
class RawFeedWireTest {
  private VirtualTimeSource clock;
  private InformerSleeps sleeps;
  private ScriptedApiServer api;
  private SafeClient safe;
  private SafeInformerFactory factory;
  private final RecordingRawListener listener = new RecordingRawListener();

  private void setUp() throws Exception {
    clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
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

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.stopAllRegisteredInformers();
    }
    if (api != null) {
      api.close();
    }
  }

  private RawFeed pods() {
    return factory.rawFeed(
        "",
        "v1",
        "pods",
        InformerOptions.builder().namespace("default").startJitter(Duration.ZERO).build(),
        listener);
  }

  /** A built-in list item as the API server writes it: no kind, no apiVersion. */
  static String item(String name, String uid, String rv) {
    return "{\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\"default\",\"uid\":\""
        + uid
        + "\",\"resourceVersion\":\""
        + rv
        + "\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
        + "\"image\":\"busybox\"}],\"nodeName\":\"node-1\"}}";
  }

  /** The same object in a watch event or a GET: Go writes TypeMeta first, kind first. */
  static String object(String name, String uid, String rv) {
    return "{\"kind\":\"Pod\",\"apiVersion\":\"v1\"," + item(name, uid, rv).substring(1);
  }

  static String list(String rv, String cont, String... items) {
    return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\""
        + rv
        + "\""
        + (cont == null ? "" : ",\"continue\":\"" + cont + "\"")
        + "},\"items\":["
        + String.join(",", items)
        + "]}\n";
  }

  static String bookmark(String rv) {
    return event(
        "BOOKMARK",
        "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\""
            + rv
            + "\",\"creationTimestamp\":null},\"spec\":{\"containers\":null},\"status\":{}}");
  }

  private static String text(RawObject o) {
    return new String(o.copyBytes(), StandardCharsets.UTF_8);
  }

  private static String watchQuery(String rv, ScriptedApiServer.Seen seen) {
    return "allowWatchBookmarks=true&resourceVersion="
        + rv
        + "&timeoutSeconds="
        + seen.param("timeoutSeconds")
        + "&watch=true";
  }

  @Test
  void aListAcrossPagesReachesTheListenerOnceWithEachItemsOwnBytes() throws Exception {
    setUp();
    String a = item("a", "uid-a", "9");
    String b = item("b", "uid-b", "11");
    api.then(json(200, list("12", "c1", a))).then(json(200, list("12", null, b)));
    RawFeed feed = pods();
    factory.startAllRegisteredInformers();

    ScriptedApiServer.Seen first = api.take();
    assertThat(first.query()).isEqualTo("limit=500&resourceVersion=0");
    assertThat(first.request().getHeaders().get("Accept")).isEqualTo("application/json");
    assertThat(api.take().query()).isEqualTo("continue=c1&limit=500");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.query()).isEqualTo(watchQuery("12", watch));
    assertThat(watch.request().getHeaders().get("Accept")).isEqualTo("application/json");

    Await.until("synced", feed::hasSynced);
    assertThat(listener.calls).containsExactly("replaced 12 [default/a@9, default/b@11]");
    List<RawObject> items = listener.lists.get(0);
    assertThat(items.stream().map(RawFeedWireTest::text)).containsExactly(a, b);
    RawObject first0 = items.get(0);
    assertThat(first0.namespace()).isEqualTo("default");
    assertThat(first0.name()).isEqualTo("a");
    assertThat(first0.uid()).isEqualTo("uid-a");
    assertThat(first0.labels()).containsExactly(java.util.Map.entry("app", "web"));
    assertThat(first0.contentType()).isEqualTo("application/json");
    assertThat(first0.hasTypeMeta()).isFalse();
    // The watch form of the same object, byte for byte as the server writes it.
    assertThat(text(first0.withTypeMeta("Pod", "v1"))).isEqualTo(object("a", "uid-a", "9"));
    assertThat(feed.lastSyncResourceVersion()).isEqualTo("12");
    assertThat(listener.threads).allMatch(t -> t.startsWith("safeclient-raw-feed v1/pods"));
    assertThat(factory.health()).anyMatch(h -> h.name().equals("v1/pods ns=default (raw)"));
  }

  @Test
  void eventsAndBookmarksArriveInTheServersOrderWithTheirResourceVersionsAndBytes()
      throws Exception {
    setUp();
    api.then(json(200, list("10", null, item("a", "uid-a", "9"))))
        .then(
            api.hold(
                lines(
                    event("ADDED", object("b", "uid-b", "11")),
                    event("MODIFIED", object("a", "uid-a", "12")),
                    bookmark("13"),
                    event("DELETED", object("b", "uid-b", "14")))));
    RawFeed feed = pods();
    factory.startAllRegisteredInformers();

    Await.until("the delete", () -> listener.calls.size() == 5);
    assertThat(listener.calls)
        .containsExactly(
            "replaced 10 [default/a@9]",
            "added default/b@11",
            "modified default/a@12",
            "progressed 13",
            "deleted default/b@14");
    assertThat(listener.objects.stream().map(RawFeedWireTest::text))
        .containsExactly(
            object("b", "uid-b", "11"), object("a", "uid-a", "12"), object("b", "uid-b", "14"));
    // The list-item form of a watched object, byte for byte as the server lists it.
    assertThat(text(listener.objects.get(1).withoutTypeMeta())).isEqualTo(item("a", "uid-a", "12"));
    assertThat(feed.lastSyncResourceVersion()).isEqualTo("14");
    assertThat(feed.health().watchConnected()).isTrue();
  }

  @Test
  void aWatchAnswered410IsFollowedByARelistAtTheLastResourceVersionAndAReplace() throws Exception {
    setUp();
    api.then(json(200, list("10", null, item("a", "uid-a", "9"))))
        .then(
            json(
                200, lines(event("ADDED", object("b", "uid-b", "11")), errorEvent(410, "Expired"))))
        .then(json(200, list("20", null, item("a", "uid-a", "15"), item("c", "uid-c", "19"))));
    pods();
    factory.startAllRegisteredInformers();

    api.take();
    api.take();
    // client-go's relist: not older than the last resourceVersion, from the watch cache.
    assertThat(api.take().query()).isEqualTo("resourceVersion=11");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.query()).isEqualTo(watchQuery("20", watch));
    Await.until("the relist", () -> listener.calls.size() == 3);
    assertThat(listener.calls)
        .containsExactly(
            "replaced 10 [default/a@9]",
            "added default/b@11",
            "replaced 20 [default/a@15, default/c@19]");
  }

  @Test
  void aMalformedEventIsNeitherLostNorDuplicated() throws Exception {
    setUp();
    api.then(json(200, list("10", null, item("a", "uid-a", "9"))))
        .then(
            json(
                200,
                lines(
                    event("ADDED", object("b", "uid-b", "11")),
                    "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"b\"}\n")))
        .then(api.hold(lines(event("MODIFIED", object("b", "uid-b", "12")))));
    pods();
    factory.startAllRegisteredInformers();

    api.take();
    api.take();
    ScriptedApiServer.Seen resumed = api.take();
    assertThat(resumed.query()).isEqualTo(watchQuery("11", resumed));
    Await.until("the modify", () -> listener.calls.size() == 3);
    assertThat(listener.calls)
        .containsExactly(
            "replaced 10 [default/a@9]", "added default/b@11", "modified default/b@12");
    // Backed off, as after any failure; no relist.
    assertThat(sleeps.sleeps()).isNotEmpty();
    assertThat(api.all()).hasSize(3);
  }

  @Test
  void aStreamCutInsideAnEventResumesAtTheLastWholeOne() throws Exception {
    setUp();
    api.then(json(200, list("10", null, item("a", "uid-a", "9"))))
        .then(
            json(
                200,
                event("ADDED", object("b", "uid-b", "11"))
                    + "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","))
        .then(api.hold(lines(event("MODIFIED", object("b", "uid-b", "12")))));
    pods();
    factory.startAllRegisteredInformers();

    api.take();
    api.take();
    ScriptedApiServer.Seen resumed = api.take();
    assertThat(resumed.query()).isEqualTo(watchQuery("11", resumed));
    Await.until("the modify", () -> listener.calls.size() == 3);
    assertThat(listener.calls)
        .containsExactly(
            "replaced 10 [default/a@9]", "added default/b@11", "modified default/b@12");
  }

  @Test
  void aMalformedOrTruncatedList429And500EndInOneReplace() throws Exception {
    setUp();
    api.then(json(200, "{\"kind\":\"PodList\",\"items\":[" + item("a", "uid-a", "9") + ",{\"me"))
        .then(json(200, "{\"kind\":\"PodList\",\"items\":[{\"metadata\":}]}"))
        .then(apf429(1))
        .then(status(500, "InternalError", "etcd leader changed", null, null, false))
        .then(json(200, list("10", null, item("a", "uid-a", "9"))));
    RawFeed feed = pods();
    factory.startAllRegisteredInformers();

    for (int i = 0; i < 5; i++) {
      assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
    }
    Await.until("synced", feed::hasSynced);
    assertThat(listener.calls).containsExactly("replaced 10 [default/a@9]");
    // Each failure went through the reflector's backoff; the 429's wait is its Retry-After.
    assertThat(sleeps.sleeps()).hasSizeGreaterThanOrEqualTo(4);
    assertThat(feed.health().relists()).isEqualTo(5);
  }

  @Test
  void managedFieldsAndFieldsTheModelsLackArriveByteForByte() throws Exception {
    setUp();
    // kubernetes/api's HEAD Pod fixture: a newer server than client-java 27's models, every field
    // set, indented as the fixture is. Listed as it is, watched compacted (one line).
    String fixture =
        new String(KubeApiTestdata.headBytes("core.v1.Pod.json"), StandardCharsets.UTF_8)
            .strip()
            .replace("\"namespace\": \"namespaceValue\"", "\"namespace\": \"default\"")
            .replace("\"resourceVersion\": \"resourceVersionValue\"", "\"resourceVersion\": \"9\"");
    String modified =
        JsonParser.parseString(
                fixture.replace("\"resourceVersion\": \"9\"", "\"resourceVersion\": \"11\""))
            .toString();
    String withFutureField =
        object("b", "uid-b", "12")
            .replace("\"spec\":{", "\"spec\":{\"futureField\":{\"x\":[1,2.50,true]},")
            .replace("\"labels\"", managedFields().substring(1) + ",\"labels\"");
    assertThat(fixture).contains("managedFields");
    api.then(json(200, list("10", null, fixture)))
        .then(api.hold(lines(event("MODIFIED", modified), event("ADDED", withFutureField))));
    pods();
    factory.startAllRegisteredInformers();

    Await.until("both events", () -> listener.calls.size() == 3);
    assertThat(listener.calls)
        .containsExactly(
            "replaced 10 [default/nameValue@9]",
            "modified default/nameValue@11",
            "added default/b@12");
    assertThat(text(listener.lists.get(0).get(0))).isEqualTo(fixture);
    assertThat(text(listener.objects.get(0))).isEqualTo(modified);
    assertThat(text(listener.objects.get(1)))
        .isEqualTo(withFutureField)
        .contains("futureField", "managedFields");
    assertThat(listener.objects.get(0).labels()).containsEntry("labelsKey", "labelsValue");
  }

  @Test
  void aStreamingListEndsInOneReplaceThenItsBookmark() throws Exception {
    setUp();
    api.then(
        api.hold(
            lines(
                event("ADDED", object("a", "uid-a", "9")),
                event("ADDED", object("b", "uid-b", "11")),
                K8sJson.initialEventsEnd("12"),
                event("MODIFIED", object("a", "uid-a", "13")))));
    RawFeed feed =
        factory.rawFeed(
            "",
            "v1",
            "pods",
            InformerOptions.builder()
                .namespace("default")
                .startJitter(Duration.ZERO)
                .watchList(true)
                .build(),
            listener);
    factory.startAllRegisteredInformers();

    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.param("sendInitialEvents")).isEqualTo("true");
    assertThat(watch.request().getHeaders().get("Accept")).isEqualTo("application/json");
    Await.until("the modify", () -> listener.calls.size() == 3);
    assertThat(listener.calls)
        .containsExactly(
            "replaced 12 [default/a@9, default/b@11]", "progressed 12", "modified default/a@13");
    // Initial events keep the watch form they came in.
    assertThat(text(listener.lists.get(0).get(1))).isEqualTo(object("b", "uid-b", "11"));
    assertThat(feed.hasSynced()).isTrue();
    assertThat(feed.lastSyncResourceVersion()).isEqualTo("13");
  }

  @Test
  void aTransformIsRefused() throws Exception {
    setUp();
    InformerOptions withTransform = InformerOptions.builder().transform((Object o) -> o).build();
    assertThatThrownBy(() -> factory.rawFeed("", "v1", "pods", withTransform, listener))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
