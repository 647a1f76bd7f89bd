package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * K8S-API-FACTS, "Cache freshness is per resource": a resource's watch cache advances on its own
 * events and on etcd progress notifications. Up to 1.30 (or with an etcd without progress
 * requests), a NotOlderThan read at etcd's current revision of a resource with no recent writes
 * waits 3 s and gets 504; from 1.31 the cache requests progress (the cacher's
 * waitUntilFreshAndBlock with RequestWatchProgress) and answers at once. The waits run on KubeSim's
 * virtual clock.
 */
class CacheFreshnessTest {
  VirtualTimeSource clock = VirtualTimeSource.manual();
  KubeSim sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  /** Quiet pods, then writes to configmaps move etcd's revision on. */
  private Wire quietPods(KubeSim.Builder b) {
    sim = b.clock(clock).build();
    sim.create("v1", "pods", Wire.pod("ns1", "p1", "node-a", null));
    for (int i = 0; i < 5; i++) {
      sim.create(
          "v1", "configmaps", "{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"c" + i + "\"}}");
    }
    return new Wire(sim);
  }

  // On the virtual clock a request's answer also waits out its modelled service time (its APF seats
  // are held that long), so the clock moves by the service time, waits included.
  private long lastWaitMillis() {
    List<RequestLogEntry> log = sim.requestLog();
    return log.get(log.size() - 1).waitMillis();
  }

  private long lastServiceMillis() {
    List<RequestLogEntry> log = sim.requestLog();
    return (long) Math.ceil(log.get(log.size() - 1).serviceMillis());
  }

  private String notOlderThanNow() {
    return "/api/v1/pods?resourceVersion="
        + sim.resourceVersion()
        + "&resourceVersionMatch=NotOlderThan";
  }

  @Test
  void onA130ServerAQuietResourceWaitsThreeSecondsThen504() throws Exception {
    Wire w = quietPods(KubeSim.builder().serverVersion("1.30"));
    long podsRv = sim.apiserver(0).cacheResourceVersion(sim.resource("v1", "pods"));
    assertThat(podsRv).isLessThan(sim.resourceVersion());
    long before = clock.instant().toEpochMilli();
    Wire.Reply r = w.get(notOlderThanNow());
    assertThat(lastWaitMillis()).isEqualTo(3_000); // the cacher's 3 s, virtual
    assertThat(clock.instant().toEpochMilli() - before)
        .isEqualTo(lastServiceMillis()); // the wait included
    assertThat(r.code).isEqualTo(504);
    assertThat(r.json().get("reason").getAsString()).isEqualTo("Timeout");
    assertThat(r.causeReason()).isEqualTo("ResourceVersionTooLarge");
    assertThat(r.headers.get("Retry-After")).isEqualTo("1");
    assertThat(sim.stats().objectsReadFromStorage()).isZero();
  }

  @Test
  void onA130ServerALegacyRvUnsetWatchGetsTheCachesStateAtOnceAndReadsNoStorage() throws Exception {
    Wire w = quietPods(KubeSim.builder().serverVersion("1.30"));
    long podsRv = sim.apiserver(0).cacheResourceVersion(sim.resource("v1", "pods"));
    assertThat(podsRv).isLessThan(sim.resourceVersion());
    // cacher getWatchCacheResourceVersion's legacy case: the cache's current state, however far
    // behind etcd, with no freshness wait and no read of etcd.
    try (okhttp3.Response r = w.openWatch("/api/v1/pods?watch=true")) {
      JsonObject first = WatchTest.next(r.body().source());
      assertThat(WatchTest.type(first) + " " + WatchTest.name(first)).isEqualTo("ADDED p1");
      assertThat(WatchTest.rv(first)).isEqualTo(podsRv);
    }
    assertThat(sim.stats().objectsReadFromStorage()).isZero();
  }

  @Test
  void onA131ServerTheCacheRequestsProgressAndAnswersAtOnce() throws Exception {
    Wire w = quietPods(KubeSim.builder().serverVersion("1.31"));
    long before = clock.instant().toEpochMilli();
    Wire.Reply r = w.get(notOlderThanNow());
    assertThat(lastWaitMillis()).isZero();
    assertThat(clock.instant().toEpochMilli() - before)
        .isEqualTo(lastServiceMillis())
        .isLessThan(10);
    assertThat(r.code).isEqualTo(200);
    assertThat(r.names()).containsExactly("p1");
    assertThat(Long.parseLong(r.rv())).isEqualTo(sim.resourceVersion());
  }

  @Test
  void onA131ServerWithAnOldEtcdItBehavesAsOn130() throws Exception {
    Wire w = quietPods(KubeSim.builder().serverVersion("1.31").oldEtcd(true));
    long before = clock.instant().toEpochMilli();
    Wire.Reply r = w.get(notOlderThanNow());
    assertThat(lastWaitMillis()).isEqualTo(3_000);
    assertThat(clock.instant().toEpochMilli() - before).isEqualTo(lastServiceMillis());
    assertThat(r.code).isEqualTo(504);
    assertThat(r.causeReason()).isEqualTo("ResourceVersionTooLarge");
  }

  // etcd's progress notification (every 10 minutes by default) brings a quiet resource's cache to
  // etcd's revision without a write.
  @Test
  void aProgressNotificationBringsAQuietResourceUpToDate() throws Exception {
    Wire w =
        quietPods(
            KubeSim.builder().serverVersion("1.30").progressNotifyInterval(Duration.ofMinutes(10)));
    clock.advance(Duration.ofMinutes(10));
    Wire.Reply r = w.get(notOlderThanNow());
    assertThat(r.code).isEqualTo(200);
    assertThat(r.names()).containsExactly("p1");
  }

  // A resource's own write advances its cache on every version.
  @Test
  void aResourcesOwnWriteAdvancesItsCache() throws Exception {
    Wire w = quietPods(KubeSim.builder().serverVersion("1.30"));
    sim.create("v1", "pods", Wire.pod("ns1", "p2", "node-a", null));
    assertThat(w.get(notOlderThanNow()).code).isEqualTo(200);
  }
}
