package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.List;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several simulated apiservers, each with its own (lagging) watch cache. */
class HighAvailabilityTest {
  VirtualTimeSource clock = VirtualTimeSource.manual();
  KubeSim sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void apiserversAreChosenRoundRobinPerConnection() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").apiservers(2).build();
    for (int i = 0; i < 4; i++) {
      OkHttpClient own = Wire.HTTP.newBuilder().connectionPool(new ConnectionPool()).build();
      for (int j = 0; j < 3; j++) {
        try (Response r =
            own.newCall(new Request.Builder().url(sim.url() + "/api/v1/pods").build()).execute()) {
          assertThat(r.code()).isEqualTo(200);
        }
      }
    }
    // Each connection sticks to one apiserver; four connections alternate.
    assertThat(sim.stats().requestsByApiserver()).containsEntry(0, 6L).containsEntry(1, 6L);
  }

  // LIST row "resourceVersion=0": "Any data, possibly older than what this client saw before (in
  // HA, another apiserver's cache may lag)."
  @Test
  void anRv0ListCanGoBackInTimeOnALaggingApiserver() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .apiservers(2)
            .clock(clock)
            .cacheLag(1, Duration.ofSeconds(10))
            .build();
    Wire a = new Wire(sim).pin(0);
    Wire b = new Wire(sim).pin(1);
    assertThat(a.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "fresh", null, null)).code)
        .isEqualTo(201);
    assertThat(a.get("/api/v1/pods?resourceVersion=0").names()).containsExactly("fresh");
    Wire.Reply stale = b.get("/api/v1/pods?resourceVersion=0");
    assertThat(stale.names()).isEmpty(); // the write this client just made is missing
    assertThat(Long.parseLong(stale.rv())).isLessThan(sim.resourceVersion());
    // A consistent read (RV unset, 1.30: etcd) on the same lagging apiserver sees it.
    assertThat(b.get("/api/v1/pods").names()).containsExactly("fresh");
    clock.advance(Duration.ofSeconds(10));
    assertThat(b.get("/api/v1/pods?resourceVersion=0").names()).containsExactly("fresh");
  }

  // LIST row "specific RV + NotOlderThan": ahead of this apiserver's cache, it waits (3 s,
  // scaled), then 504 Timeout, cause ResourceVersionTooLarge, Retry-After: 1.
  @Test
  void notOlderThanAheadOfALaggingCacheWaitsThenAnswers504() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .apiservers(2)
            .clock(clock)
            .cacheWait(Duration.ofMillis(200))
            .build();
    sim.apiserver(1).pauseCache();
    Wire a = new Wire(sim).pin(0);
    Wire b = new Wire(sim).pin(1);
    a.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "fresh", null, null));
    // The probe of SC101: a consistent limit=1 list gives the current RV (1.30: from etcd).
    String rv = b.get("/api/v1/pods?limit=1").rv();
    long t = clock.instant().toEpochMilli();
    Wire.Reply r =
        b.get("/api/v1/pods?resourceVersion=" + rv + "&resourceVersionMatch=NotOlderThan");
    assertThat(clock.instant().toEpochMilli() - t)
        .isGreaterThanOrEqualTo(200); // KubeSim's virtual wait
    assertThat(r.code).isEqualTo(504);
    assertThat(r.causeReason()).isEqualTo("ResourceVersionTooLarge");
    assertThat(r.headers.get("Retry-After")).isEqualTo("1");
    // The fresh apiserver answers at once, never older than the probe.
    assertThat(
            a.get("/api/v1/pods?resourceVersion=" + rv + "&resourceVersionMatch=NotOlderThan")
                .names())
        .containsExactly("fresh");
    // Once the cache catches up within the wait, the lagging one answers too.
    sim.apiserver(1).resumeCache();
    assertThat(
            b.get("/api/v1/pods?resourceVersion=" + rv + "&resourceVersionMatch=NotOlderThan")
                .names())
        .containsExactly("fresh");
  }

  // LIST row "RV unset" from 1.31: the cache "after it confirms freshness with etcd ... if the
  // cache is not fresh within 3 s, etcd."
  @Test
  void aConsistentReadFromALaggingCacheFallsBackToEtcd() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .apiservers(2)
            .clock(clock)
            .serverVersion("1.31")
            .cacheWait(Duration.ofMillis(100))
            .build();
    sim.apiserver(1).pauseCache();
    Wire b = new Wire(sim).pin(1);
    new Wire(sim).pin(0).post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "fresh", null, null));
    assertThat(b.get("/api/v1/pods?resourceVersion=0").names()).isEmpty(); // stale cache
    sim.resetStats();
    assertThat(b.get("/api/v1/pods").names()).containsExactly("fresh"); // consistent: never stale
    assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(1);
    sim.apiserver(1).resumeCache();
    sim.resetStats();
    assertThat(b.get("/api/v1/pods").names()).containsExactly("fresh");
    assertThat(sim.stats().objectsReadFromStorage()).isZero();
  }

  // "After an apiserver restart, the watch cache is initialising for a while. LIST and WATCH
  // answer 429 ... storage is (re)initializing ... Retry-After of 1–30 s."
  @Test
  void aRestartedApiserverAnswers429WhileItsCacheInitialises() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .apiservers(2)
            .clock(clock)
            .serverVersion("1.31")
            .cacheInitialization(Duration.ofSeconds(10))
            .build();
    sim.create("v1", "pods", Wire.pod("ns1", "a", null, null));
    Wire b = new Wire(sim).pin(1);
    try (Response w =
        b.openWatch("/api/v1/pods?watch=true&resourceVersion=" + sim.resourceVersion())) {
      sim.apiserver(1).restart();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> w.body().source().readUtf8Line())
          .isInstanceOf(java.io.IOException.class); // its watches drop
    }
    Wire.Reply list = b.get("/api/v1/pods?resourceVersion=0");
    assertThat(list.code).isEqualTo(429);
    assertThat(list.json().get("message").getAsString()).contains("storage is (re)initializing");
    assertThat(list.headers.get("Retry-After")).isEqualTo("10");
    assertThat(b.get("/api/v1/pods?watch=true&resourceVersion=0").code).isEqualTo(429);
    // A consistent read needs the cache too (1.31+: it is served from it), so 429; only a
    // selector-free list with a limit goes to etcd (shouldDelegateListOnNotReadyCache).
    assertThat(b.get("/api/v1/pods").code).isEqualTo(429);
    assertThat(b.get("/api/v1/pods?limit=500").names()).containsExactly("a");
    // The other apiserver is unaffected.
    assertThat(new Wire(sim).pin(0).get("/api/v1/pods?resourceVersion=0").code).isEqualTo(200);
    sim.create("v1", "pods", Wire.pod("ns1", "b", null, null));
    clock.advance(Duration.ofSeconds(10));
    assertThat(b.get("/api/v1/pods?resourceVersion=0").names()).containsExactly("a", "b");
    assertThat(sim.stats().tooManyRequestsByReason()).containsEntry("cache-initializing", 3L);
  }

  // 1.30 (ResilientWatchCacheInitialization off): an RV "0" list goes to etcd while the cache
  // initialises; other cache reads wait for it (ready.wait), then are served, or get 503 at the
  // request timeout. KubeSim's virtual clock makes the wait.
  @Test
  void onA130ServerAnInitialisingCacheSendsRv0ToEtcdAndMakesOthersWait() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .clock(clock)
            .serverVersion("1.30")
            .cacheInitialization(Duration.ofSeconds(10))
            .build();
    sim.create("v1", "pods", Wire.pod("ns1", "a", null, null));
    Wire w = new Wire(sim);
    sim.apiserver(0).restart();
    long restartedAt = clock.instant().toEpochMilli();
    sim.resetStats();
    Wire.Reply rv0 = w.get("/api/v1/pods?resourceVersion=0");
    assertThat(rv0.names()).containsExactly("a");
    assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(1);
    long before = clock.instant().toEpochMilli();
    Wire.Reply waited = w.get("/api/v1/pods?resourceVersion=" + sim.resourceVersion());
    assertThat(waited.code).isEqualTo(200);
    // It waited until the cache was ready, 10 s after the restart (the clock also moved by the
    // first request's modelled service time, which the virtual clock lets pass before answering).
    List<RequestLogEntry> log = sim.requestLog();
    assertThat(before + log.get(log.size() - 1).waitMillis()).isEqualTo(restartedAt + 10_000);
    assertThat(sim.stats().tooManyRequests()).isZero();
    sim.close();
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .clock(clock)
            .serverVersion("1.30")
            .cacheInitialization(Duration.ofMinutes(5))
            .build();
    sim.apiserver(0).restart();
    Wire.Reply unavailable = new Wire(sim).get("/api/v1/pods?resourceVersion=1");
    assertThat(unavailable.code).isEqualTo(503);
  }
}
