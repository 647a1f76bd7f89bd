package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every LIST form of K8S-API-FACTS's LIST table on 1.30, 1.31 and 1.34: where it is served (etcd =
 * storage reads, cache = cache reads) and what it returns. 20 pods: 12 in ns1 (4 on node-a), 8 in
 * ns2.
 */
class ListFormsTest {
  VirtualTimeSource clock = VirtualTimeSource.manual();
  KubeSim sim;
  Wire wire;
  ResourceType pods;

  KubeSim start(String version, boolean cacheEnabled) {
    KubeSim.Builder b =
        KubeSim.builder().serverVersion(version).clock(clock).cacheWait(Duration.ofMillis(100));
    if (!cacheEnabled) {
      b.watchCacheDisabled("pods");
    }
    sim = b.build();
    wire = new Wire(sim);
    pods = sim.resource("v1", "pods");
    for (int i = 0; i < 12; i++) {
      sim.create(
          pods,
          Wire.pod(
              "ns1",
              String.format("p%02d", i),
              i < 4 ? "node-a" : "node-b",
              i < 2 ? "{\"app\":\"web\"}" : "{\"app\":\"db\"}"));
    }
    for (int i = 0; i < 8; i++) {
      sim.create(pods, Wire.pod("ns2", String.format("q%02d", i), "node-b", null));
    }
    sim.resetStats();
    return sim;
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  // Row "resourceVersion=0": from the cache, limit ignored, one unpaginated answer.
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.34"})
  void rv0IsServedFromTheCacheAndIgnoresLimit(String version) throws Exception {
    start(version, true);
    Wire.Reply r = wire.get("/api/v1/pods?resourceVersion=0&limit=5");
    assertThat(r.code).isEqualTo(200);
    assertThat(r.names()).hasSize(20);
    assertThat(r.continueToken()).isNull();
    assertThat(sim.stats().objectsReadFromStorage()).isZero();
    assertThat(sim.stats().objectsServedFromCache()).isEqualTo(20);
  }

  // Row "resourceVersion=0": etcd otherwise; the server then honours limit.
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.34"})
  void rv0WithTheCacheDisabledIsAnEtcdReadThatHonoursLimit(String version) throws Exception {
    start(version, false);
    Wire.Reply paged = wire.get("/api/v1/pods?resourceVersion=0&limit=5");
    assertThat(paged.names()).hasSize(5);
    assertThat(paged.continueToken()).isNotNull();
    assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(5);
    sim.resetStats();
    assertThat(wire.get("/api/v1/pods?resourceVersion=0").names()).hasSize(20); // full unpaged read
    assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(20);
  }

  // Row "RV unset": etcd up to 1.30, reading every object under the prefix even with selectors;
  // from 1.31 the cache after it confirms freshness.
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.34"})
  void rvUnsetIsAConsistentReadWhoseCostSelectorsDoNotReduce(String version) throws Exception {
    start(version, true);
    Wire.Reply r = wire.get("/api/v1/pods?labelSelector=app%3Dweb");
    assertThat(r.names()).containsExactly("p00", "p01");
    assertThat(r.rv()).isEqualTo(Long.toString(sim.resourceVersion()));
    if (version.equals("1.30")) {
      assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(20);
    } else {
      assertThat(sim.stats().objectsReadFromStorage()).isZero();
      assertThat(sim.stats().objectsServedFromCache()).isEqualTo(2);
    }
    sim.resetStats();
    wire.get("/api/v1/namespaces/ns1/pods?fieldSelector=spec.nodeName%3Dnode-a");
    // A namespaced list reads one namespace's prefix.
    assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(version.equals("1.30") ? 12 : 0);
  }

  // Row "RV unset + limit": 1.30 etcd page by page; 1.31–1.33 first page from the cache, then
  // etcd; 1.34 cache snapshots.
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.34"})
  void rvUnsetWithLimitIsPagedAndConsistent(String version) throws Exception {
    start(version, true);
    Wire.Reply page1 = wire.get("/api/v1/pods?limit=8");
    assertThat(page1.names()).hasSize(8);
    long storageAfterPage1 = sim.stats().objectsReadFromStorage();
    // A write between pages must not show up: the continuation reads at page 1's RV.
    sim.create(pods, Wire.pod("ns1", "p99", "node-a", null));
    Wire.Reply page2 = wire.get("/api/v1/pods?limit=8&continue=" + page1.continueToken());
    Wire.Reply page3 = wire.get("/api/v1/pods?limit=8&continue=" + page2.continueToken());
    assertThat(page3.continueToken()).isNull();
    assertThat(page1.names().size() + page2.names().size() + page3.names().size()).isEqualTo(20);
    assertThat(page3.names()).doesNotContain("p99");
    assertThat(page2.rv()).isEqualTo(page1.rv());
    long storage = sim.stats().objectsReadFromStorage();
    switch (version) {
      case "1.30":
        assertThat(storageAfterPage1).isEqualTo(8);
        assertThat(storage).isEqualTo(20);
        break;
      case "1.31":
        assertThat(storageAfterPage1).isZero();
        assertThat(storage).isEqualTo(12);
        break;
      default:
        assertThat(storage).isZero();
        assertThat(sim.stats().objectsServedFromCache()).isEqualTo(20);
    }
  }

  // Row "continue=TOKEN": expires; 410 Expired carrying a token for an inconsistent list (RV -1).
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.34"})
  void anExpiredContinueTokenGives410WithAnInconsistentContinueToken(String version)
      throws Exception {
    start(version, true);
    Wire.Reply page1 = wire.get("/api/v1/pods?limit=8");
    sim.create(pods, Wire.pod("ns2", "q50", null, null));
    clock.advance(Duration.ofMinutes(6)); // past the 5-minute compaction
    sim.create(pods, Wire.pod("ns2", "q51", null, null));
    Wire.Reply expired = wire.get("/api/v1/pods?limit=8&continue=" + page1.continueToken());
    assertThat(expired.code).isEqualTo(410);
    assertThat(expired.json().get("reason").getAsString()).isEqualTo("Expired");
    String fresh = expired.continueToken();
    assertThat(ContinueToken.decode(fresh).rv).isEqualTo(-1);
    Wire.Reply rest = wire.get("/api/v1/pods?limit=100&continue=" + fresh);
    assertThat(rest.code).isEqualTo(200);
    // Inconsistent: it sees objects written after page 1.
    assertThat(rest.names()).contains("q50", "q51").hasSize(14);
  }

  // Row "specific RV, no limit, match unset": the cache, not older than RV.
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.34"})
  void specificRvWithoutLimitIsANotOlderThanReadFromTheCache(String version) throws Exception {
    start(version, true);
    long rv = sim.resourceVersion();
    sim.create(pods, Wire.pod("ns1", "p99", null, null));
    Wire.Reply r = wire.get("/api/v1/pods?resourceVersion=" + rv);
    assertThat(r.names()).hasSize(21).contains("p99");
    assertThat(sim.stats().objectsReadFromStorage()).isZero();
  }

  // Row "specific RV + NotOlderThan": the cache; never 410; ahead of the cache → wait, then 504
  // ResourceVersionTooLarge with Retry-After: 1. Up to 1.30 adding limit sends it to etcd.
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.34"})
  void notOlderThan(String version) throws Exception {
    start(version, true);
    long rv = sim.resourceVersion();
    Wire.Reply r =
        wire.get("/api/v1/pods?resourceVersion=" + rv + "&resourceVersionMatch=NotOlderThan");
    assertThat(r.names()).hasSize(20);
    assertThat(sim.stats().objectsReadFromStorage()).isZero();

    Wire.Reply old = wire.get("/api/v1/pods?resourceVersion=2&resourceVersionMatch=NotOlderThan");
    assertThat(old.code).isEqualTo(200); // never 410

    sim.resetStats();
    Wire.Reply limited =
        wire.get(
            "/api/v1/pods?resourceVersion=" + rv + "&resourceVersionMatch=NotOlderThan&limit=5");
    switch (version) {
      case "1.30":
        assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(5);
        assertThat(limited.names()).hasSize(5);
        break;
      case "1.31":
        assertThat(sim.stats().objectsReadFromStorage()).isZero();
        assertThat(limited.names()).hasSize(20); // the cache ignores limit
        break;
      default:
        assertThat(sim.stats().objectsReadFromStorage()).isZero();
        assertThat(limited.names()).hasSize(5); // a paged cache snapshot
        assertThat(limited.continueToken()).isNotNull();
    }

    // The wait runs on KubeSim's virtual clock: it advances by the whole wait, in no real time.
    long before = clock.instant().toEpochMilli();
    Wire.Reply ahead =
        wire.get(
            "/api/v1/pods?resourceVersion=" + (rv + 100) + "&resourceVersionMatch=NotOlderThan");
    assertThat(clock.instant().toEpochMilli() - before).isGreaterThanOrEqualTo(100);
    assertThat(ahead.code).isEqualTo(504);
    assertThat(ahead.json().get("reason").getAsString()).isEqualTo("Timeout");
    assertThat(ahead.causeReason()).isEqualTo("ResourceVersionTooLarge");
    assertThat(ahead.headers.get("Retry-After")).isEqualTo("1");
  }

  // Row "specific RV + limit, match unset or Exact": etcd (cache snapshots from 1.34); Exact
  // needs the RV still in history, otherwise 410.
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.34"})
  void exactReadsTheStateAtThatResourceVersion(String version) throws Exception {
    start(version, true);
    long rv = sim.resourceVersion();
    sim.create(pods, Wire.pod("ns1", "p99", null, null));
    wire.delete("/api/v1/namespaces/ns1/pods/p00?gracePeriodSeconds=0");
    Wire.Reply exact =
        wire.get(
            "/api/v1/namespaces/ns1/pods?resourceVersion=" + rv + "&resourceVersionMatch=Exact");
    assertThat(exact.rv()).isEqualTo(Long.toString(rv));
    assertThat(exact.names()).hasSize(12).contains("p00").doesNotContain("p99");
    Wire.Reply unsetWithLimit =
        wire.get("/api/v1/namespaces/ns1/pods?resourceVersion=" + rv + "&limit=50");
    assertThat(unsetWithLimit.names()).isEqualTo(exact.names());
    if (version.equals("1.34")) {
      assertThat(sim.stats().objectsReadFromStorage()).isZero();
    } else {
      assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(24);
    }
    clock.advance(Duration.ofMinutes(6));
    sim.create(pods, Wire.pod("ns1", "p98", null, null));
    Wire.Reply gone =
        wire.get(
            "/api/v1/namespaces/ns1/pods?resourceVersion=" + rv + "&resourceVersionMatch=Exact");
    assertThat(gone.code).isEqualTo(410);
    assertThat(gone.json().get("reason").getAsString()).isEqualTo("Expired");
  }

  // "Node-scoped pod lists ... use an index in the watch cache"; other field selectors scan.
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.34"})
  void nodeNameIsIndexedInTheCacheOtherFieldsScanEveryObject(String version) throws Exception {
    start(version, true);
    Wire.Reply node =
        wire.get("/api/v1/pods?resourceVersion=0&fieldSelector=spec.nodeName%3Dnode-a");
    assertThat(node.names()).containsExactly("p00", "p01", "p02", "p03");
    assertThat(sim.stats().objectsScannedInCache()).isZero();
    Wire.Reply phase =
        wire.get("/api/v1/pods?resourceVersion=0&fieldSelector=status.phase%3DRunning");
    assertThat(phase.names()).hasSize(20);
    assertThat(sim.stats().objectsScannedInCache()).isEqualTo(20);
    Wire.Reply byName =
        wire.get("/api/v1/namespaces/ns2/pods?resourceVersion=0&fieldSelector=metadata.name%3Dq03");
    assertThat(byName.names()).containsExactly("q03");
    Wire.Reply notIn =
        wire.get("/api/v1/pods?resourceVersion=0&labelSelector=app%20notin%20(web),app");
    assertThat(notIn.names()).hasSize(10);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.30"})
  void malformedRequestsAre400Or422(String version) throws Exception {
    start(version, true);
    assertThat(wire.get("/api/v1/pods?continue=garbage").code).isEqualTo(400);
    assertThat(wire.get("/api/v1/pods?resourceVersionMatch=NotOlderThan").code).isEqualTo(422);
    assertThat(wire.get("/api/v1/pods?resourceVersion=0&resourceVersionMatch=Exact").code)
        .isEqualTo(422);
    assertThat(wire.get("/api/v1/pods?labelSelector=a%20in%20x").code).isEqualTo(400);
  }

  // Cacher.Get: a GET at a non-zero RV is answered by the watch cache, not etcd; RV unset reads
  // etcd. An RV ahead of the cache waits, then 504 ResourceVersionTooLarge.
  @ParameterizedTest
  @ValueSource(strings = {"1.30", "1.31", "1.34"})
  void aGetAtANonZeroRvIsServedFromTheCache(String version) throws Exception {
    start(version, true);
    long rv = sim.resourceVersion();
    Wire.Reply r = wire.get("/api/v1/namespaces/ns1/pods/p01?resourceVersion=" + rv);
    assertThat(r.code).isEqualTo(200);
    assertThat(sim.stats().objectsReadFromStorage()).isZero();
    assertThat(sim.stats().objectsServedFromCache()).isEqualTo(1);
    assertThat(wire.get("/api/v1/namespaces/ns1/pods/p01").code).isEqualTo(200);
    assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(1);
    Wire.Reply ahead = wire.get("/api/v1/namespaces/ns1/pods/p01?resourceVersion=" + (rv + 100));
    assertThat(ahead.code).isEqualTo(504);
    assertThat(ahead.body).contains("ResourceVersionTooLarge");
  }
}
