package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** APF-like admission (K8S-API-FACTS, "API Priority and Fairness" and the APF list estimate). */
class AdmissionTest {
  SimClock clock = SimClock.manual();
  KubeSim sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  // The estimate, from the stored count, before execution: cache → stored; selected etcd →
  // stored + limit; unselected etcd → 2 × min(limit, stored). 100 objects a seat, at most 10.
  @ParameterizedTest
  @CsvSource({
    // fromCache, selected, limit, stored, seats
    "true, false, 0, 150000, 10",
    "true, false, 0, 450, 5",
    "false, false, 0, 450, 9",
    "false, false, 100, 450, 2",
    "false, false, 500, 150000, 10",
    "false, true, 100, 450, 6",
    "false, true, 0, 30, 1",
    "false, false, 1, 150000, 1",
  })
  void listWorkEstimate(boolean fromCache, boolean selected, long limit, long stored, int seats) {
    assertThat(Reads.seatsFor(fromCache, selected, limit, stored, 1000, 30)).isEqualTo(seats);
  }

  // From 1.34 by size: ~100 kB a seat, at most 100.
  @Test
  void sizeBasedEstimateFrom134() {
    assertThat(Reads.seatsFor(true, false, 0, 150_000, 4_000, 34)).isEqualTo(100);
    assertThat(Reads.seatsFor(true, false, 0, 450, 1_000, 34)).isEqualTo(5);
    assertThat(Reads.seatsFor(false, false, 1, 150_000, 4_000, 34)).isEqualTo(1);
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
    sim = KubeSim.builder().clock(clock).build();
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
    // "Watches at RV "" or "0" are charged like lists, for their initial events."
    long before = sim.stats().seatsCharged();
    try (okhttp3.Response r =
        w.openWatch("/api/v1/pods?watch=true&resourceVersion=0&timeoutSeconds=1")) {
      r.body().string();
    }
    assertThat(sim.stats().seatsCharged() - before).isEqualTo(5); // from the cache: 450
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
  // as long as a request runs (here stretched by a latency fault).
  @Test
  void pastTheSeatLimitRequestsGet429WithAGrowingRetryAfterAndPfHeaders() throws Exception {
    sim =
        KubeSim.builder()
            .clock(clock)
            .apfConcurrencyLimit(10)
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
                return new Wire(sim).get("/api/v1/pods"); // 10 seats, held 6 s
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (sim.stats().seatsCharged() < 10 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
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
    sim = KubeSim.builder().clock(clock).build();
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
