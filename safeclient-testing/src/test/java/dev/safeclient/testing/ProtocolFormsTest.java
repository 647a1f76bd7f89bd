package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request forms KubeSim reads through the protocol module as kube-apiserver reads them: the legacy
 * {@code /watch/} prefix, and the apiserver's own answers to list options it refuses.
 */
class ProtocolFormsTest {
  KubeSim sim;
  Wire wire;

  @BeforeEach
  void start() {
    sim = KubeSim.builder().namespaces("ns1").build();
    wire = new Wire(sim);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  /** KubeSim again, as a server of {@code version} (its feature gates' defaults). */
  private void restartAt(String version) {
    sim.close();
    sim = KubeSim.builder().namespaces("ns1").serverVersion(version).build();
    wire = new Wire(sim);
  }

  @Test
  void theLegacyWatchPrefixIsAWatch() throws Exception {
    ResourceType pods = ResourceType.BUILT_IN.get("v1/pods");
    sim.create(pods, Wire.pod("ns1", "before", null, null));
    String rv =
        wire.get("/api/v1/namespaces/ns1/pods")
            .json()
            .getAsJsonObject("metadata")
            .get("resourceVersion")
            .getAsString();
    try (Response w = wire.openWatch("/api/v1/watch/namespaces/ns1/pods?resourceVersion=" + rv)) {
      assertThat(w.code()).isEqualTo(200);
      sim.create(pods, Wire.pod("ns1", "after", null, null));
      JsonObject ev = WatchTest.next(w.body().source());
      assertThat(WatchTest.type(ev)).isEqualTo("ADDED");
      assertThat(WatchTest.name(ev)).isEqualTo("after");
    }
  }

  @Test
  void aWatchWithTimeoutSecondsZeroRunsTheDefaultSpan() throws Exception {
    ResourceType pods = ResourceType.BUILT_IN.get("v1/pods");
    sim.create(pods, Wire.pod("ns1", "before", null, null));
    String rv =
        wire.get("/api/v1/namespaces/ns1/pods")
            .json()
            .getAsJsonObject("metadata")
            .get("resourceVersion")
            .getAsString();
    // handlers/get.go handleWatch: a timeout of 0 is "none given", the random 30 to 60 minutes.
    try (Response w =
        wire.openWatch(
            "/api/v1/namespaces/ns1/pods?watch=true&timeoutSeconds=0&resourceVersion=" + rv)) {
      assertThat(w.code()).isEqualTo(200);
      sim.create(pods, Wire.pod("ns1", "after", null, null));
      JsonObject ev = WatchTest.next(w.body().source());
      assertThat(ev).isNotNull();
      assertThat(WatchTest.type(ev) + " " + WatchTest.name(ev)).isEqualTo("ADDED after");
    }
  }

  @Test
  void theLegacyWatchPrefixAloneIsValidatedAsAList() throws Exception {
    restartAt("1.34");
    // handlers/get.go listOpts validates by the decoded watch parameter, not by the route: a
    // streaming list asked for on the /watch/ prefix alone is refused as list options.
    Wire.Reply r =
        wire.get(
            "/api/v1/watch/namespaces/ns1/pods?sendInitialEvents=true"
                + "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
    assertThat(r.code).isEqualTo(422);
    assertThat(r.json().get("message").getAsString())
        .isEqualTo(
            "ListOptions.meta.k8s.io \"\" is invalid: [resourceVersionMatch: Forbidden:"
                + " resourceVersionMatch is forbidden unless resourceVersion is provided,"
                + " sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list]");
  }

  @Test
  void aStreamingListWithoutBookmarksIsServedWithoutTheEndBookmark() throws Exception {
    restartAt("1.34");
    ResourceType pods = ResourceType.BUILT_IN.get("v1/pods");
    sim.create(pods, Wire.pod("ns1", "before", null, null));
    // The apiserver refuses nothing here: isListWatchRequest only decides the end bookmark.
    try (Response w =
        wire.openWatch(
            "/api/v1/namespaces/ns1/pods?watch=true&sendInitialEvents=true"
                + "&resourceVersionMatch=NotOlderThan")) {
      assertThat(w.code()).isEqualTo(200);
      okio.BufferedSource s = w.body().source();
      JsonObject first = WatchTest.next(s);
      assertThat(WatchTest.type(first) + " " + WatchTest.name(first)).isEqualTo("ADDED before");
      sim.create(pods, Wire.pod("ns1", "after", null, null));
      JsonObject next = WatchTest.next(s);
      assertThat(WatchTest.type(next) + " " + WatchTest.name(next)).isEqualTo("ADDED after");
    }
  }

  @Test
  void aLegacyWatchIsAStreamingListWhereWatchListIsOn() throws Exception {
    restartAt("1.34");
    ResourceType pods = ResourceType.BUILT_IN.get("v1/pods");
    sim.create(pods, Wire.pod("ns1", "before", null, null));
    String q = "/api/v1/namespaces/ns1/pods?watch=true&allowWatchBookmarks=true";
    // SetListOptionsDefaults: RV unset, no sendInitialEvents, gate on (1.34+): the initial events
    // end with the annotated bookmark.
    try (Response w = wire.openWatch(q)) {
      okio.BufferedSource s = w.body().source();
      assertThat(WatchTest.name(WatchTest.next(s))).isEqualTo("before");
      JsonObject end = WatchTest.next(s);
      assertThat(WatchTest.type(end)).isEqualTo("BOOKMARK");
      assertThat(
              end.getAsJsonObject("object")
                  .getAsJsonObject("metadata")
                  .getAsJsonObject("annotations")
                  .get("k8s.io/initial-events-end")
                  .getAsString())
          .isEqualTo("true");
    }
    // 1.33 turned the gate off again: the legacy watch runs straight into the changes.
    restartAt("1.33");
    sim.create(pods, Wire.pod("ns1", "before", null, null));
    try (Response w = wire.openWatch(q)) {
      okio.BufferedSource s = w.body().source();
      assertThat(WatchTest.name(WatchTest.next(s))).isEqualTo("before");
      sim.create(pods, Wire.pod("ns1", "after", null, null));
      JsonObject next = WatchTest.next(s);
      assertThat(WatchTest.type(next) + " " + WatchTest.name(next)).isEqualTo("ADDED after");
    }
  }

  @Test
  void refusedListOptionsAreTheApiserversInvalidListOptions() throws Exception {
    Wire.Reply r = wire.get("/api/v1/namespaces/ns1/pods?resourceVersionMatch=Exact");
    assertThat(r.code).isEqualTo(422);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("Invalid");
    assertThat(r.json().get("message").getAsString())
        .isEqualTo(
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden:"
                + " resourceVersionMatch is forbidden unless resourceVersion is provided");
    JsonObject cause =
        r.json().getAsJsonObject("details").getAsJsonArray("causes").get(0).getAsJsonObject();
    assertThat(cause.get("field").getAsString()).isEqualTo("resourceVersionMatch");
    // sendInitialEvents belongs to watches.
    Wire.Reply list = wire.get("/api/v1/namespaces/ns1/pods?sendInitialEvents=true");
    assertThat(list.code).isEqualTo(422);
    assertThat(list.json().get("message").getAsString())
        .endsWith("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list");
  }

  @Test
  void aResourceVersionThatIsNoNumberIsTheStoresBadRequest() throws Exception {
    restartAt("1.34");
    // storage.ValidateListOptions, which the cache delegator runs first from 1.33.
    Wire.Reply r = wire.get("/api/v1/namespaces/ns1/pods?resourceVersion=abc");
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("BadRequest");
    assertThat(r.json().get("message").getAsString())
        .isEqualTo(
            "invalid resource version: resourceVersion: Invalid value: \"abc\":"
                + " strconv.ParseUint: parsing \"abc\": invalid syntax");
  }

  @Test
  void aContinueTokenThatIsNotOneIsTheStoresBadRequest() throws Exception {
    Wire.Reply r = wire.get("/api/v1/namespaces/ns1/pods?limit=1&continue=bm90LWpzb24");
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("BadRequest");
    assertThat(r.json().get("message").getAsString())
        .startsWith("invalid continue token: continue key is not valid");
  }
}
