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
  void aContinueTokenThatIsNotOneIsTheStoresBadRequest() throws Exception {
    Wire.Reply r = wire.get("/api/v1/namespaces/ns1/pods?limit=1&continue=bm90LWpzb24");
    assertThat(r.code).isEqualTo(400);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("BadRequest");
    assertThat(r.json().get("message").getAsString())
        .startsWith("invalid continue token: continue key is not valid");
  }
}
