package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** APF-like admission (K8S-API-FACTS, "API Priority and Fairness" and the APF list estimate). */
class AdmissionTest {
  VirtualTimeSource clock = VirtualTimeSource.manual();
  KubeSim sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  // The estimate's formulas per version are tested in safeclient-api-model (ReadServingTest); here
  // KubeSim charges them over the wire. On 1.34 (SizeBasedListCostEstimate) a cache-served list is
  // min(stored × avg size, 1 MB) / 100 kB, so at most 10 seats, while an etcd read of the same
  // resource takes more (listWorkEstimator.seatsBasedOnObjectSize).
  @Test
  void cacheServedListsStayWithinTenSeatsOn134() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").clock(clock).serverVersion("1.34").build();
    String padding = "x".repeat(5_000);
    for (int i = 0; i < 300; i++) {
      sim.create(
          "v1",
          "configmaps",
          "{\"metadata\":{\"namespace\":\"ns\",\"name\":\"c"
              + i
              + "\"},\"data\":{\"k\":\""
              + padding
              + "\"}}");
    }
    Wire w = new Wire(sim);
    assertThat(seatsFor(w, "/api/v1/configmaps")).isEqualTo(10); // consistent, from the cache
    assertThat(seatsFor(w, "/api/v1/configmaps?resourceVersion=0")).isEqualTo(10);
    assertThat(seatsFor(w, "/api/v1/configmaps?limit=1")).isEqualTo(1); // the cheap RV probe
    long rv = sim.resourceVersion();
    // An exact read is estimated as an etcd read: 300 × ~5.1 kB / 100 kB, beyond 10.
    assertThat(
            seatsFor(w, "/api/v1/configmaps?resourceVersion=" + rv + "&resourceVersionMatch=Exact"))
        .isEqualTo(16);
  }

  // The same limit=1 probe costs like a full list on 1.31–1.33: the count-based estimate of a
  // cache-served list ignores limit.
  @Test
  void aLimitOneProbeCostsLikeAFullListOn133() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").clock(clock).serverVersion("1.33").build();
    for (int i = 0; i < 450; i++) {
      sim.create("v1", "pods", Wire.pod("ns" + (i % 3), "p" + i, "node-" + (i % 15), null));
    }
    Wire w = new Wire(sim);
    assertThat(seatsFor(w, "/api/v1/pods?limit=1")).isEqualTo(5); // 450 / 100
    sim.close();
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .clock(clock)
            .serverVersion("1.33")
            .oldEtcd(true)
            .build();
    for (int i = 0; i < 450; i++) {
      sim.create("v1", "pods", Wire.pod("ns" + (i % 3), "p" + i, "node-" + (i % 15), null));
    }
    // Without progress requests the probe is an etcd read again: 2 × 1.
    assertThat(seatsFor(new Wire(sim), "/api/v1/pods?limit=1")).isEqualTo(1);
  }

  // Watches at RV "" / "0" are charged like lists only from 1.35 (list_work_estimator.go). The
  // pods carry labels enough that their stored (Protobuf) size makes the estimate exceed 1 seat.
  @Test
  void legacyWatchesAreChargedLikeListsFrom135() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").clock(clock).serverVersion("1.35").build();
    StringBuilder labels = new StringBuilder("{");
    for (int l = 0; l < 8; l++) {
      labels.append(l == 0 ? "" : ",").append("\"l").append(l).append("\":\"");
      labels.append("x".repeat(60)).append('"');
    }
    labels.append('}');
    for (int i = 0; i < 450; i++) {
      sim.create(
          "v1", "pods", Wire.pod("ns" + (i % 3), "p" + i, "node-" + (i % 15), labels.toString()));
    }
    Wire w = new Wire(sim);
    long before = sim.stats().seatsCharged();
    try (okhttp3.Response r =
        w.openWatch("/api/v1/pods?watch=true&resourceVersion=0&timeoutSeconds=1")) {
      r.body().string();
    }
    // Size-based, from the cache: 450 × the pods' average stored size, at most 1 MB.
    assertThat(sim.stats().seatsCharged() - before).isBetween(2L, 10L);
  }

  private long seatsFor(Wire w, String query) throws Exception {
    long before = sim.stats().seatsCharged();
    assertThat(w.get(query).code).isEqualTo(200);
    return sim.stats().seatsCharged() - before;
  }

  // End to end: selected and unselected, paged and unpaged, as charged on 1.30. "A node-scoped
  // list of 30 pods in a cluster of 150k pods is charged like a full list."
  @Test
  void listsAreChargedFromTheStoredCountNotTheReturnedOne() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").clock(clock).build();
    for (int i = 0; i < 450; i++) {
      sim.create("v1", "pods", Wire.pod("ns" + (i % 3), "p" + i, "node-" + (i % 15), null));
    }
    Wire w = new Wire(sim);
    assertThat(seatsFor(w, "/api/v1/pods")).isEqualTo(9); // 2 × 450
    assertThat(seatsFor(w, "/api/v1/pods?limit=100")).isEqualTo(2); // 2 × 100
    assertThat(seatsFor(w, "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1"))
        .isEqualTo(9); // 450 + 450
    assertThat(seatsFor(w, "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&limit=100"))
        .isEqualTo(6); // 450 + 100
    assertThat(seatsFor(w, "/api/v1/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-1"))
        .isEqualTo(5); // cache: 450
    assertThat(seatsFor(w, "/api/v1/namespaces/ns1/pods/p1")).isEqualTo(1);
    assertThat(seatsFor(w, "/api/v1/pods?limit=1")).isEqualTo(1); // the cheap RV probe
    // Up to 1.34 a watch at RV "0" takes the minimum: only sendInitialEvents is charged like a
    // list there (from 1.35 the legacy watch is too, see below).
    long before = sim.stats().seatsCharged();
    try (okhttp3.Response r =
        w.openWatch("/api/v1/pods?watch=true&resourceVersion=0&timeoutSeconds=1")) {
      r.body().string();
    }
    assertThat(sim.stats().seatsCharged() - before).isEqualTo(1);
    before = sim.stats().seatsCharged();
    try (okhttp3.Response r =
        w.openWatch(
            "/api/v1/pods?watch=true&resourceVersion="
                + sim.resourceVersion()
                + "&timeoutSeconds=1")) {
      r.body().string();
    }
    assertThat(sim.stats().seatsCharged() - before).isEqualTo(1);
  }

  @Test
  void retryAfterStartsAt1DoublesUnderSustainedDropsAndIsCappedAt32() {
    PriorityLevel pl = new PriorityLevel(1, clock);
    List<Integer> seen = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int retryAfter = pl.drop();
      seen.add(retryAfter);
      clock.advance(Duration.ofSeconds(retryAfter)); // the client obeys, and is dropped again
    }
    assertThat(seen).containsExactly(1, 2, 4, 8, 16, 32, 32, 32);
    clock.advance(Duration.ofSeconds(65)); // drops stopped
    assertThat(pl.drop()).isEqualTo(1);
  }

  // Past the limit: 429 with Retry-After and the X-Kubernetes-PF-* headers; seats are held for
  // as long as a request runs (here stretched by a latency fault). A level of 1 seat: one list
  // fills it (a level's max seats are max(1, min(ceil(0.15 × limit), limit / hand size)), so at a
  // limit of 10 a list takes 1 seat of 10).
  @Test
  void pastTheSeatLimitRequestsGet429WithAGrowingRetryAfterAndPfHeaders() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .clock(clock)
            .apfConcurrencyLimit(1)
            .faults(
                FaultScript.builder()
                    .add(
                        FaultRule.requests(1, 1)
                            .verb("list")
                            .inject(Fault.latency(Duration.ofSeconds(6))))
                    .build())
            .build();
    for (int i = 0; i < 1000; i++) {
      sim.create("v1", "pods", Wire.pod("ns1", "p" + i, null, null));
    }
    Wire w = new Wire(sim);
    CompletableFuture<Wire.Reply> heavy =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new Wire(sim).get("/api/v1/pods"); // the level's 1 seat, held 6 s
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    await("the heavy list's seat")
        .atMost(Duration.ofSeconds(5))
        .until(() -> sim.stats().seatsCharged() >= 1);
    List<String> retryAfter = new ArrayList<>();
    for (int s : new int[] {1, 2, 4}) {
      Wire.Reply r = w.get("/api/v1/namespaces/ns1/pods/p1");
      assertThat(r.code).isEqualTo(429);
      assertThat(r.headers.get("X-Kubernetes-PF-FlowSchema-UID")).isNotBlank();
      assertThat(r.headers.get("X-Kubernetes-PF-PriorityLevel-UID")).isNotBlank();
      retryAfter.add(r.headers.get("Retry-After"));
      clock.advance(Duration.ofSeconds(s));
    }
    assertThat(retryAfter).containsExactly("1", "2", "4");
    assertThat(heavy.get().code).isEqualTo(200);
    assertThat(w.get("/api/v1/namespaces/ns1/pods/p1").code).isEqualTo(200); // seats released
    assertThat(sim.stats().tooManyRequestsByReason()).containsEntry("apf", 3L);
  }

  // "A PDB-blocked eviction also answers 429 (cause DisruptionBudget). It is not overload."
  @Test
  void aPdbBlockedEvictionIs429WithCauseDisruptionBudget() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").clock(clock).build();
    Wire w = new Wire(sim);
    w.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "db-0", "node-1", "{\"app\":\"db\"}"));
    w.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "web-0", "node-1", "{\"app\":\"web\"}"));
    w.post(
        "/apis/policy/v1/namespaces/ns1/poddisruptionbudgets",
        "{\"metadata\":{\"name\":\"db\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"db\"}}},\"status\":{\"disruptionsAllowed\":0}}");
    String eviction =
        "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns1\"}}";
    Wire.Reply blocked =
        w.post("/api/v1/namespaces/ns1/pods/db-0/eviction", String.format(eviction, "db-0"));
    assertThat(blocked.code).isEqualTo(429);
    assertThat(blocked.causeReason()).isEqualTo("DisruptionBudget");
    assertThat(
            w.post("/api/v1/namespaces/ns1/pods/web-0/eviction", String.format(eviction, "web-0"))
                .code)
        .isEqualTo(201);
    assertThat(sim.stats().tooManyRequestsByReason()).containsEntry("disruption-budget", 1L);
  }
}
