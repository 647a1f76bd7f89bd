package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.bookmark;
import static dev.safeclient.informer.K8sJson.event;
import static dev.safeclient.informer.K8sJson.initialEventsEnd;
import static dev.safeclient.informer.K8sJson.lines;
import static dev.safeclient.informer.K8sJson.pod;
import static dev.safeclient.informer.K8sJson.podList;
import static dev.safeclient.informer.K8sJson.status;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.informer.internal.Reflector;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Streaming list (KEP-3157, {@code sendInitialEvents=true}), and its fall back to LIST+WATCH. */
class StreamingListTest {
  private VirtualTimeSource clock;
  private ScriptedApiServer api;
  private SafeInformerFactory factory;

  private SharedIndexInformer<V1Pod> start(VirtualTimeSource c) throws Exception {
    clock = c;
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    SafeClient safe =
        SafeClient.builder(base).userAgent("informer-test/1").clock(clock).nodeName(null).build();
    factory =
        new SafeInformerFactory(
            safe,
            clock,
            new Random(3),
            WatchStreamFormat.jsonLines(ClientInternals.of(safe).tolerantJson()));
    return factory.sharedIndexInformerFor(
        V1Pod.class,
        V1PodList.class,
        "",
        "v1",
        "pods",
        0,
        InformerOptions.builder()
            .namespace("default")
            .startJitter(Duration.ZERO)
            .watchList(true)
            .build());
  }

  @AfterEach
  void tearDown() {
    factory.stopAllRegisteredInformers();
    api.close();
  }

  private static String streamingQuery(ScriptedApiServer.Seen s) {
    return "allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&timeoutSeconds="
        + s.param("timeoutSeconds")
        + "&watch=true";
  }

  @Test
  void theResumePointComesOnlyFromTheInitialEventsEndBookmark() throws Exception {
    SharedIndexInformer<V1Pod> informer =
        start(VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1)));
    RecordingHandler<V1Pod> handler = new RecordingHandler<>();
    informer.addEventHandler(handler);
    // Initial events out of resourceVersion order, as the server sends them.
    api.then(
        json(
            200,
            lines(
                event("ADDED", pod("b", "uid-b", "30")),
                event("ADDED", pod("a", "uid-a", "12")),
                initialEventsEnd("25"),
                event("MODIFIED", pod("a", "uid-a", "31")))));
    factory.startAllRegisteredInformers();

    ScriptedApiServer.Seen first = api.take();
    assertThat(first.query()).isEqualTo(streamingQuery(first));
    ScriptedApiServer.Seen next = api.take();
    assertThat(next.query())
        .isEqualTo(
            "allowWatchBookmarks=true&resourceVersion=31&timeoutSeconds="
                + next.param("timeoutSeconds")
                + "&watch=true");
    assertThat(informer.hasSynced()).isTrue();
    assertThat(informer.getIndexer().listKeys())
        .containsExactlyInAnyOrder("default/a", "default/b");
    ReflectorWireTest.await(
        "handler",
        () ->
            handler.events().contains("UPDATE default/a uid=uid-a rv=31")
                || handler.events().contains("ADD default/a uid=uid-a rv=31"));
    // Every event, or, if the handler was still behind when a was modified, a's add folded with
    // its update into an add of the latest: the same final state either way.
    assertThat(handler.events())
        .isIn(
            List.of(
                "ADD default/b uid=uid-b rv=30",
                "ADD default/a uid=uid-a rv=12",
                "UPDATE default/a uid=uid-a rv=31"),
            List.of("ADD default/b uid=uid-b rv=30", "ADD default/a uid=uid-a rv=31"));
    assertThat(handler.violations()).isEmpty();
    assertThat(factory.health(informer).orElseThrow().relists()).isEqualTo(1);
  }

  @Test
  void anEventStreamCutBeforeItsEndBookmarkNeverTouchesTheCache() throws Exception {
    SharedIndexInformer<V1Pod> informer =
        start(VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1)));
    api.then(json(500, status(500, "InternalError", "boom")))
        .then(json(200, lines(event("ADDED", pod("a", "uid-a", "12")), initialEventsEnd("20"))));
    factory.startAllRegisteredInformers();
    ScriptedApiServer.Seen first = api.take();
    assertThat(first.query()).isEqualTo(streamingQuery(first));
    ScriptedApiServer.Seen retry = api.take();
    assertThat(retry.query())
        .as("a 500 is a failure, not a sign of no support")
        .isEqualTo(streamingQuery(retry));
    ReflectorWireTest.await("synced", informer::hasSynced);
    assertThat(clock.sleeps()).hasSize(1);
  }

  @Test
  void aServerThatRefusesSendInitialEventsGetsListThenWatch() throws Exception {
    SharedIndexInformer<V1Pod> informer =
        start(VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1)));
    api.then(json(422, status(422, "Invalid", "sendInitialEvents is forbidden")))
        .then(json(200, podList("10", null, pod("a", "uid-a", "9"))));
    factory.startAllRegisteredInformers();
    api.take();
    assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.param("sendInitialEvents")).isNull();
    assertThat(watch.param("resourceVersion")).isEqualTo("10");
    ReflectorWireTest.await("synced", informer::hasSynced);
  }

  @Test
  void aServerThatIgnoresSendInitialEventsIsDetectedByItsPlainBookmark() throws Exception {
    SharedIndexInformer<V1Pod> informer =
        start(VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1)));
    // An older server: a plain watch from "now" with synthetic ADDED events, no end marker.
    api.then(json(200, lines(event("ADDED", pod("a", "uid-a", "12")), bookmark("40"))))
        .then(json(200, podList("41", null, pod("a", "uid-a", "12"))));
    factory.startAllRegisteredInformers();
    api.take();
    assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
    ScriptedApiServer.Seen watch = api.take();
    assertThat(watch.param("resourceVersion")).isEqualTo("41");
    assertThat(watch.param("sendInitialEvents")).isNull();
    assertThat(informer.getIndexer().listKeys()).containsExactly("default/a");
  }

  @Test
  void aServerThatIgnoresSendInitialEventsAndStaysSilentIsDetectedByTheClock() throws Exception {
    SharedIndexInformer<V1Pod> informer = start(VirtualTimeSource.manual());
    api.then(r -> api.hold("")).then(json(200, podList("41", null)));
    factory.startAllRegisteredInformers();
    api.take();
    ReflectorWireTest.await(
        "streaming", () -> factory.health(informer).orElseThrow().watchConnected());
    clock.advance(Reflector.WATCH_LIST_SILENCE.plusSeconds(1));
    assertThat(api.take().query()).isEqualTo("limit=500&resourceVersion=0");
    ReflectorWireTest.await("synced", informer::hasSynced);
  }
}
