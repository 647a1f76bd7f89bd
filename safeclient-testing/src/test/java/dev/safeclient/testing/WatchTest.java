package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Response;
import okio.BufferedSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** WATCH rows of K8S-API-FACTS. */
class WatchTest {
  KubeSim sim;
  Wire wire;

  KubeSim start(KubeSim.Builder b) {
    sim = b.build();
    wire = new Wire(sim);
    return sim;
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  static JsonObject next(BufferedSource s) throws Exception {
    String line = s.readUtf8Line();
    return line == null ? null : JsonParser.parseString(line).getAsJsonObject();
  }

  static String type(JsonObject e) {
    return e.get("type").getAsString();
  }

  static String name(JsonObject e) {
    return e.getAsJsonObject("object").getAsJsonObject("metadata").get("name").getAsString();
  }

  static long rv(JsonObject e) {
    return Long.parseLong(
        e.getAsJsonObject("object")
            .getAsJsonObject("metadata")
            .get("resourceVersion")
            .getAsString());
  }

  // "The watch cache sends a bookmark about every 60 s on an idle watch" (scaled to 100 ms);
  // "BOOKMARK events carry only metadata.resourceVersion".
  @Test
  void watchFromAnRvDeliversLaterEventsThenBookmarks() throws Exception {
    start(KubeSim.builder().namespaces("ns1").bookmarkInterval(Duration.ofMillis(100)));
    sim.create("v1", "pods", Wire.pod("ns1", "before", null, null));
    long rv = sim.resourceVersion();
    try (Response w =
        wire.openWatch(
            "/api/v1/namespaces/ns1/pods?watch=true&resourceVersion="
                + rv
                + "&allowWatchBookmarks=true")) {
      BufferedSource s = w.body().source();
      wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "a", null, null));
      wire.mergePatch("/api/v1/namespaces/ns1/pods/a", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
      wire.delete("/api/v1/namespaces/ns1/pods/a");
      List<String> seen = new ArrayList<>();
      JsonObject e;
      long last = 0;
      while ((e = next(s)) != null) {
        if (type(e).equals("BOOKMARK")) {
          assertThat(e.getAsJsonObject("object").getAsJsonObject("metadata").keySet())
              .containsExactly("resourceVersion");
          assertThat(rv(e)).isGreaterThanOrEqualTo(last);
          break;
        }
        seen.add(type(e) + " " + name(e));
        assertThat(rv(e)).isGreaterThan(Math.max(rv, last));
        last = rv(e);
      }
      assertThat(seen).containsExactly("ADDED a", "MODIFIED a", "DELETED a");
    }
  }

  // "Only the watch cache sends bookmarks. A watch served from etcd ... gets none"; and
  // timeoutSeconds ends the stream.
  @Test
  void noBookmarksWithoutAllowWatchBookmarksOrWithoutACacheAndTimeoutSecondsEndsTheStream()
      throws Exception {
    start(
        KubeSim.builder()
            .namespaces("ns1")
            .bookmarkInterval(Duration.ofMillis(50))
            .watchCacheDisabled("configmaps"));
    for (String path :
        new String[] {
          "/api/v1/namespaces/ns1/pods?watch=true&resourceVersion=1&timeoutSeconds=1",
          "/api/v1/namespaces/ns1/configmaps?watch=true&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=1"
        }) {
      try (Response w = wire.openWatch(path)) {
        long start = System.nanoTime();
        String body = w.body().string(); // returns when the server ends the stream
        assertThat(body).doesNotContain("BOOKMARK");
        assertThat(System.nanoTime() - start)
            .isGreaterThanOrEqualTo(Duration.ofMillis(900).toNanos());
      }
    }
  }

  // "An ERROR event with a 410 Status ... means your RV is gone from history" (bounded window).
  @Test
  void aWatchFromBeforeTheEventWindowGetsAnErrorEventWith410() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    start(KubeSim.builder().namespaces("ns1").clock(clock).eventWindow(Duration.ofSeconds(75)));
    sim.create("v1", "pods", Wire.pod("ns1", "a", null, null));
    long old = sim.resourceVersion();
    sim.create("v1", "pods", Wire.pod("ns1", "b", null, null));
    clock.advance(Duration.ofSeconds(80));
    sim.create("v1", "pods", Wire.pod("ns1", "c", null, null)); // the window drops b's event
    try (Response w = wire.openWatch("/api/v1/pods?watch=true&resourceVersion=" + old)) {
      assertThat(w.code()).isEqualTo(200);
      JsonObject e = next(w.body().source());
      assertThat(type(e)).isEqualTo("ERROR");
      assertThat(e.getAsJsonObject("object").get("code").getAsInt()).isEqualTo(410);
      assertThat(e.getAsJsonObject("object").get("reason").getAsString()).isEqualTo("Expired");
      assertThat(next(w.body().source())).isNull();
    }
    assertThat(sim.stats().watchesOpened()).isEqualTo(1);
    // Within the window it works.
    try (Response w =
        wire.openWatch(
            "/api/v1/pods?watch=true&timeoutSeconds=1&resourceVersion="
                + (sim.resourceVersion() - 1))) {
      assertThat(name(next(w.body().source()))).isEqualTo("c");
    }
  }

  // A watch served from etcd (cache disabled) reaches back to etcd's compaction (~5 min), not
  // to the cache's 75 s window.
  @Test
  void aWatchFromEtcdReachesBackToCompaction() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    start(KubeSim.builder().namespaces("ns1").clock(clock).watchCacheDisabled("configmaps"));
    long rv = sim.resourceVersion();
    sim.create("v1", "configmaps", "{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns1\"}}");
    clock.advance(Duration.ofSeconds(80));
    sim.create("v1", "configmaps", "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns1\"}}");
    try (Response w =
        wire.openWatch("/api/v1/configmaps?watch=true&timeoutSeconds=5&resourceVersion=" + rv)) {
      BufferedSource s = w.body().source();
      JsonObject a = next(s);
      JsonObject b = next(s);
      assertThat(type(a) + " " + name(a) + ", " + type(b) + " " + name(b))
          .isEqualTo("ADDED a, ADDED b");
      sim.create("v1", "configmaps", "{\"metadata\":{\"name\":\"c\",\"namespace\":\"ns1\"}}");
      JsonObject live = next(s);
      assertThat(type(live) + " " + name(live)).isEqualTo("ADDED c");
    }
    clock.advance(Duration.ofMinutes(6));
    sim.create("v1", "configmaps", "{\"metadata\":{\"name\":\"d\",\"namespace\":\"ns1\"}}");
    try (Response w = wire.openWatch("/api/v1/configmaps?watch=true&resourceVersion=" + rv)) {
      JsonObject e = next(w.body().source());
      assertThat(type(e)).isEqualTo("ERROR");
      assertThat(e.getAsJsonObject("object").get("code").getAsInt()).isEqualTo(410);
    }
  }

  // Streaming list: initial ADDED events, then a BOOKMARK annotated k8s.io/initial-events-end.
  // Gate: beta in 1.32, off again in 1.33, on from 1.34.
  @Test
  void streamingListEndsItsInitialEventsWithTheAnnotatedBookmark() throws Exception {
    start(KubeSim.builder().namespaces("ns1").serverVersion("1.34"));
    for (int i = 0; i < 5; i++) {
      sim.create("v1", "pods", Wire.pod("ns1", "p" + i, null, null));
    }
    String q =
        "/api/v1/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true";
    try (Response w = wire.openWatch(q)) {
      BufferedSource s = w.body().source();
      List<String> names = new ArrayList<>();
      JsonObject e;
      while (type(e = next(s)).equals("ADDED")) {
        names.add(name(e));
      }
      assertThat(names).containsExactlyInAnyOrder("p0", "p1", "p2", "p3", "p4");
      assertThat(type(e)).isEqualTo("BOOKMARK");
      assertThat(
              e.getAsJsonObject("object")
                  .getAsJsonObject("metadata")
                  .getAsJsonObject("annotations")
                  .get("k8s.io/initial-events-end")
                  .getAsString())
          .isEqualTo("true");
      assertThat(rv(e)).isEqualTo(sim.resourceVersion());
      wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "live", null, null));
      JsonObject live = next(s);
      assertThat(type(live) + " " + name(live)).isEqualTo("ADDED live");
    }
    sim.close();
    start(KubeSim.builder().namespaces("ns1").serverVersion("1.33"));
    assertThat(wire.get(q).code).isEqualTo(422);
  }

  // A watch at RV unset starts with synthetic ADDED events for what exists.
  @Test
  void aWatchWithoutRvStartsWithTheCurrentState() throws Exception {
    start(KubeSim.builder().namespaces("ns1"));
    sim.create("v1", "pods", Wire.pod("ns1", "a", null, null));
    try (Response w = wire.openWatch("/api/v1/pods?watch=true&timeoutSeconds=5")) {
      JsonObject e = next(w.body().source());
      assertThat(type(e) + " " + name(e)).isEqualTo("ADDED a");
    }
  }

  // "Node-scoped pod lists and watches (fieldSelector=spec.nodeName=X) use an index": the node's
  // watcher sees a pod arrive on its node as ADDED and leave as DELETED; others see nothing.
  @Test
  void aNodeScopedWatchSeesOnlyItsNodesPods() throws Exception {
    start(KubeSim.builder().namespaces("ns1"));
    long rv = sim.resourceVersion();
    try (Response a =
            wire.openWatch(
                "/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dnode-a&resourceVersion="
                    + rv);
        Response b =
            wire.openWatch(
                "/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dnode-b&resourceVersion="
                    + rv)) {
      // A pod's nodeName cannot change by update (ValidatePodUpdate): x arrives on node-a by its
      // create and leaves by its delete.
      wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "z", null, null)); // pending
      wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "x", "node-a", null));
      wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "y", "node-b", null));
      wire.delete("/api/v1/namespaces/ns1/pods/x", "{\"gracePeriodSeconds\":0}");
      JsonObject e1 = next(a.body().source());
      JsonObject e2 = next(a.body().source());
      assertThat(type(e1) + " " + name(e1)).isEqualTo("ADDED x");
      assertThat(type(e2) + " " + name(e2)).isEqualTo("DELETED x");
      JsonObject f1 = next(b.body().source());
      assertThat(type(f1) + " " + name(f1)).isEqualTo("ADDED y");
    }
    assertThat(sim.stats().watchesOpened()).isEqualTo(2);
  }
}
