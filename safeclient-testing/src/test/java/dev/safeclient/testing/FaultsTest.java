package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.model.time.VirtualTimeSource;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Scripted faults, and their deterministic replay. */
class FaultsTest {
  VirtualTimeSource clock = VirtualTimeSource.manual();
  KubeSim sim;
  Wire wire;

  KubeSim start(FaultScript script) {
    sim = KubeSim.builder().namespaces("ns1").clock(clock).faults(script).build();
    wire = new Wire(sim);
    return sim;
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private static FaultScript replayScript() {
    return FaultScript.builder()
        .seed(42)
        .add(FaultRule.requests(3, 4).verb("list").inject(Fault.internalError()))
        .add(
            FaultRule.during(Duration.ofSeconds(5), Duration.ofSeconds(7))
                .verb("list")
                .inject(Fault.tooManyRequests(9)))
        .add(
            FaultRule.requests(1, 1000)
                .verb("create")
                .probability(0.3)
                .inject(Fault.serverTimeout(2, false)))
        .add(
            FaultRule.requests(1, 1000)
                .verb("get")
                .probability(0.2)
                .inject(Fault.tooManyRequests(3)))
        .build();
  }

  private List<Integer> drive() throws IOException {
    List<Integer> codes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofSeconds(1)); // simulated time: the 5-7 s window hits i = 4, 5
      codes.add(
          wire.post("/api/v1/namespaces/ns1/configmaps", "{\"metadata\":{\"name\":\"c" + i + "\"}}")
              .code);
      codes.add(wire.get("/api/v1/namespaces/ns1/configmaps/c" + i).code);
      codes.add(wire.get("/api/v1/namespaces/ns1/configmaps").code);
    }
    return codes;
  }

  @Test
  void aFaultScriptReplaysDeterministically() throws Exception {
    clock = VirtualTimeSource.manual();
    start(replayScript());
    List<Integer> first = drive();
    List<FaultEvent> firstLog = sim.faultLog();
    sim.close();
    clock = VirtualTimeSource.manual();
    start(replayScript());
    List<Integer> second = drive();
    assertThat(second).isEqualTo(first);
    assertThat(sim.faultLog()).isEqualTo(firstLog);
    assertThat(firstLog)
        .extracting(FaultEvent::fault)
        .contains("INTERNAL_ERROR", "SERVER_TIMEOUT(2s,not applied)", "TOO_MANY_REQUESTS(9s)");
    assertThat(firstLog.stream().filter(e -> e.verb().equals("list")))
        .extracting(e -> e.request() + " " + e.fault())
        .containsExactly(
            "9 INTERNAL_ERROR",
            "12 INTERNAL_ERROR",
            "15 TOO_MANY_REQUESTS(9s)",
            "18 TOO_MANY_REQUESTS(9s)");
  }

  @Test
  void internalErrorsAndTooManyRequestsWithRetryAfter() throws Exception {
    start(
        FaultScript.builder()
            .add(FaultRule.requests(1, 1).inject(Fault.internalError()))
            .add(FaultRule.requests(2, 3).inject(Fault.tooManyRequests(7)))
            .build());
    assertThat(wire.get("/api/v1/pods").code).isEqualTo(500);
    Wire.Reply r = wire.get("/api/v1/pods");
    assertThat(r.code).isEqualTo(429);
    assertThat(r.headers.get("Retry-After")).isEqualTo("7");
    assertThat(r.json().getAsJsonObject("details").get("retryAfterSeconds").getAsInt())
        .isEqualTo(7);
    wire.get("/api/v1/pods");
    assertThat(wire.get("/api/v1/pods").code).isEqualTo(200);
    assertThat(sim.stats().tooManyRequestsByReason()).containsEntry("fault", 2L);
  }

  // "Create, update and delete can answer 500 ServerTimeout with Retry-After ... The write may
  // or may not have happened."
  @Test
  void serverTimeoutsOnWritesMayOrMayNotApplyTheWrite() throws Exception {
    start(
        FaultScript.builder()
            .add(FaultRule.requests(1, 1).verb("create").inject(Fault.serverTimeout(5, true)))
            .add(FaultRule.requests(2, 2).verb("create").inject(Fault.serverTimeout(5, false)))
            .build());
    Wire.Reply applied =
        wire.post("/api/v1/namespaces/ns1/configmaps", "{\"metadata\":{\"name\":\"applied\"}}");
    Wire.Reply lost =
        wire.post("/api/v1/namespaces/ns1/configmaps", "{\"metadata\":{\"name\":\"lost\"}}");
    for (Wire.Reply r : List.of(applied, lost)) {
      assertThat(r.code).isEqualTo(500);
      assertThat(r.json().get("reason").getAsString()).isEqualTo("ServerTimeout");
      assertThat(r.headers.get("Retry-After")).isEqualTo("5");
    }
    assertThat(wire.get("/api/v1/namespaces/ns1/configmaps/applied").code).isEqualTo(200);
    assertThat(wire.get("/api/v1/namespaces/ns1/configmaps/lost").code).isEqualTo(404);
  }

  @Test
  void anyStatusAndWarningHeaders() throws Exception {
    start(
        FaultScript.builder()
            .add(FaultRule.requests(1, 1).inject(Fault.status(401, "Unauthorized")))
            .add(FaultRule.requests(2, 2).inject(Fault.warning("policy/v1beta1 is deprecated")))
            .build());
    Wire.Reply unauthorized = wire.get("/api/v1/pods");
    assertThat(unauthorized.code).isEqualTo(401);
    assertThat(unauthorized.json().get("reason").getAsString()).isEqualTo("Unauthorized");
    Wire.Reply warned = wire.get("/api/v1/pods");
    assertThat(warned.code).isEqualTo(200);
    assertThat(warned.headers.get("Warning")).isEqualTo("299 - \"policy/v1beta1 is deprecated\"");
    assertThat(wire.get("/api/v1/pods").headers.get("Warning")).isNull();
  }

  @Test
  void latencyDelaysTheAnswer() throws Exception {
    start(
        FaultScript.builder()
            .add(FaultRule.requests(1, 1).inject(Fault.latency(Duration.ofMillis(300))))
            .build());
    long t = System.nanoTime();
    assertThat(wire.get("/api/v1/pods").code).isEqualTo(200);
    assertThat(System.nanoTime() - t).isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
  }

  @Test
  void anEmptyWatchStreamEndsAtOnceWithNoEvent() throws Exception {
    start(
        FaultScript.builder()
            .add(FaultRule.requests(1, 1).verb("watch").inject(Fault.emptyWatch()))
            .build());
    try (Response w = wire.openWatch("/api/v1/pods?watch=true&resourceVersion=1")) {
      assertThat(w.code()).isEqualTo(200);
      assertThat(w.body().string()).isEmpty();
    }
  }

  @Test
  void droppedWatchConnectionsBreakTheStream() throws Exception {
    start(FaultScript.none());
    try (Response w = wire.openWatch("/api/v1/pods?watch=true&resourceVersion=1")) {
      assertThat(w.code()).isEqualTo(200);
      sim.dropWatches();
      assertThatThrownBy(() -> w.body().source().readUtf8Line()).isInstanceOf(IOException.class);
    }
    // A time window drops every watch opened in it.
    sim.play(
        FaultScript.builder()
            .add(
                FaultRule.during(Duration.ZERO, Duration.ofMinutes(1))
                    .verb("watch")
                    .inject(Fault.dropWatches()))
            .build());
    try (Response w = wire.openWatch("/api/v1/pods?watch=true&resourceVersion=1")) {
      assertThatThrownBy(() -> w.body().source().readUtf8Line()).isInstanceOf(IOException.class);
    } catch (IOException expectedToo) {
      // the drop can also hit before the headers are read
    }
  }

  @Test
  void expiredContinueTokensAreScriptable() throws Exception {
    start(
        FaultScript.builder()
            .add(
                FaultRule.during(Duration.ZERO, Duration.ofHours(1))
                    .verb("list")
                    .inject(Fault.expiredContinue()))
            .build());
    for (int i = 0; i < 5; i++) {
      sim.create(
          "v1", "configmaps", "{\"metadata\":{\"name\":\"c" + i + "\",\"namespace\":\"ns1\"}}");
    }
    Wire.Reply page1 = wire.get("/api/v1/configmaps?limit=2");
    assertThat(page1.code).isEqualTo(200);
    Wire.Reply page2 = wire.get("/api/v1/configmaps?limit=2&continue=" + page1.continueToken());
    assertThat(page2.code).isEqualTo(410);
    assertThat(ContinueToken.decode(page2.continueToken()).rv).isEqualTo(-1);
  }

  @Test
  void silentHalfOpenConnectionsNeverAnswer() throws Exception {
    start(
        FaultScript.builder()
            .add(FaultRule.requests(1, 1).verb("list").inject(Fault.silent()))
            .add(FaultRule.requests(1, 1).verb("watch").inject(Fault.silent()))
            .build());
    OkHttpClient impatient = Wire.HTTP.newBuilder().readTimeout(300, TimeUnit.MILLISECONDS).build();
    assertThatThrownBy(
            () ->
                impatient
                    .newCall(new Request.Builder().url(sim.url() + "/api/v1/pods").build())
                    .execute())
        .isInstanceOf(SocketTimeoutException.class);
    String rv =
        com.google.gson.JsonParser.parseString(
                sim.create("v1", "pods", Wire.pod("ns1", "a", null, null)))
            .getAsJsonObject()
            .getAsJsonObject("metadata")
            .get("resourceVersion")
            .getAsString();
    // From just before the pod: an answered watch would deliver its ADDED event at once.
    try (Response w =
        impatient
            .newCall(
                new Request.Builder()
                    .url(
                        sim.url()
                            + "/api/v1/pods?watch=true&resourceVersion="
                            + (Long.parseLong(rv) - 1)
                            + "&allowWatchBookmarks=true")
                    .build())
            .execute()) {
      assertThat(w.code()).isEqualTo(200);
      assertThatThrownBy(() -> w.body().source().readUtf8Line())
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aSilentWatchFromATooOldResourceVersionSaysNothingEither() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .clock(clock)
            .eventWindow(Duration.ofSeconds(75))
            .faults(
                FaultScript.builder()
                    .add(FaultRule.requests(1, 1).verb("watch").inject(Fault.silent()))
                    .build())
            .build();
    String rv =
        com.google.gson.JsonParser.parseString(
                sim.create("v1", "pods", Wire.pod("ns1", "a", null, null)))
            .getAsJsonObject()
            .getAsJsonObject("metadata")
            .get("resourceVersion")
            .getAsString();
    clock.advance(Duration.ofSeconds(80));
    sim.create("v1", "pods", Wire.pod("ns1", "b", null, null));
    OkHttpClient impatient = Wire.HTTP.newBuilder().readTimeout(300, TimeUnit.MILLISECONDS).build();
    // From before the event window: an answered watch would send its ERROR 410 and end at once.
    // A half-open connection sends neither the event nor the end of the stream.
    try (Response w =
        impatient
            .newCall(
                new Request.Builder()
                    .url(
                        sim.url()
                            + "/api/v1/pods?watch=true&resourceVersion="
                            + (Long.parseLong(rv) - 1))
                    .build())
            .execute()) {
      assertThat(w.code()).isEqualTo(200);
      assertThatThrownBy(() -> w.body().source().readUtf8Line())
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void anOutageRefusesConnectionsForItsWindow() throws Exception {
    start(FaultScript.none());
    OkHttpClient fresh =
        Wire.HTTP.newBuilder().connectionPool(new okhttp3.ConnectionPool()).build();
    sim.outage(true);
    assertThatThrownBy(
            () ->
                fresh
                    .newCall(new Request.Builder().url(sim.url() + "/api/v1/pods").build())
                    .execute())
        .isInstanceOf(ConnectException.class);
    sim.outage(false);
    assertThat(wire.get("/api/v1/pods").code).isEqualTo(200);

    sim.play(
        FaultScript.builder()
            .add(FaultRule.during(Duration.ZERO, Duration.ofSeconds(10)).inject(Fault.outage()))
            .build());
    OkHttpClient fresh2 =
        Wire.HTTP.newBuilder().connectionPool(new okhttp3.ConnectionPool()).build();
    assertThatThrownBy(
            () ->
                fresh2
                    .newCall(new Request.Builder().url(sim.url() + "/api/v1/pods").build())
                    .execute())
        .isInstanceOf(ConnectException.class);
    clock.advance(Duration.ofSeconds(11));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Integer code = null;
    while (code == null && System.nanoTime() < deadline) {
      try (Response r =
          fresh2.newCall(new Request.Builder().url(sim.url() + "/api/v1/pods").build()).execute()) {
        code = r.code();
      } catch (ConnectException stillDown) {
        Thread.sleep(20); // the ticker reopens the listener within 20 ms
      }
    }
    assertThat(code).isEqualTo(200);
    assertThat(sim.faultLog()).extracting(FaultEvent::fault).contains("OUTAGE");
  }

  /**
   * The ticker reads the running script every 20 ms. A tick that read the old script, and acted
   * after the new script's first tick, used to end the outage that tick had just begun: a scripted
   * outage must hold from the moment {@code play} returns, however the two interleave.
   */
  @Test
  void aScriptedOutageHoldsFromTheMomentItIsPlayed() throws Exception {
    start(FaultScript.none());
    FaultScript outage =
        FaultScript.builder()
            .add(FaultRule.during(Duration.ZERO, Duration.ofSeconds(10)).inject(Fault.outage()))
            .build();
    for (int i = 0; i < 150; i++) {
      sim.play(outage);
      // A stale tick acts within the ticker's period; a connect after it shows the outage held.
      Thread.sleep(1 + i % 25);
      OkHttpClient fresh =
          Wire.HTTP.newBuilder().connectionPool(new okhttp3.ConnectionPool()).build();
      int round = i;
      assertThatThrownBy(
              () ->
                  fresh
                      .newCall(new Request.Builder().url(sim.url() + "/api/v1/pods").build())
                      .execute()
                      .close(),
              "round %d",
              round)
          .isInstanceOf(ConnectException.class);
      sim.play(FaultScript.none());
    }
  }
}
