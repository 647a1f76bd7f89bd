package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bill: per request form (and where it was served) storage objects read, cache objects served,
 * seats and seat-seconds, 429s and bytes; and the bounded per-request log, read back from what went
 * over the wire.
 */
class BillTest {
  VirtualTimeSource clock = VirtualTimeSource.manual();
  KubeSim sim;
  final OkHttpClient http = new OkHttpClient();

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private Response call(String pathAndQuery, String accept) throws Exception {
    Request.Builder b =
        new Request.Builder()
            .url(sim.url() + pathAndQuery)
            .header("User-Agent", "node-agent/1.0")
            .header("Authorization", "Bearer s3cret-token");
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.newCall(b.build()).execute();
  }

  @Test
  void billsEachFormWhereItWasServedAndLogsEachRequest() throws Exception {
    sim =
        KubeSim.builder()
            .serverVersion("1.30")
            .clock(clock)
            .user("s3cret-token", "system:serviceaccount:kube-system:node-agent")
            .build();
    for (int i = 0; i < 150; i++) {
      sim.create("v1", "pods", Wire.pod("ns1", "p" + i, "node-" + (i % 3), null));
    }
    sim.resetStats();
    try (Response r = call("/api/v1/pods?resourceVersion=0", null)) {
      assertThat(r.code()).isEqualTo(200);
      r.body().bytes();
    }
    try (Response r =
        call("/api/v1/pods?limit=100", "application/vnd.kubernetes.protobuf, application/json")) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.header("Content-Type")).startsWith("application/vnd.kubernetes.protobuf");
      r.body().bytes();
    }
    try (Response r =
        call(
            "/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dnode-1&resourceVersion="
                + sim.resourceVersion()
                + "&allowWatchBookmarks=true&timeoutSeconds=1",
            null)) {
      sim.create("v1", "pods", Wire.pod("ns1", "late", "node-1", null));
      r.body().string(); // ends at timeoutSeconds
    }

    KubeSimStats s = sim.stats();
    assertThat(s.serverVersion()).isEqualTo("1.30");
    FormBill cache = s.byRequestForm().get("list rv=0 @ watch-cache");
    assertThat(cache.requests()).isEqualTo(1);
    assertThat(cache.cacheObjectsServed()).isEqualTo(150);
    assertThat(cache.storageObjectsRead()).isZero();
    assertThat(cache.seats()).isEqualTo(2); // 150 stored / 100 per seat (seatsBasedOnObjectCount)
    assertThat(cache.bytes()).isGreaterThan(150 * 100);
    FormBill etcd = s.byRequestForm().get("list rv=\"\" limit @ etcd"); // 1.30: consistent = etcd
    assertThat(etcd.storageObjectsRead()).isEqualTo(100);
    assertThat(etcd.seats()).isEqualTo(2); // 2 × 100 / 100
    assertThat(etcd.seatSeconds()).isGreaterThan(0);
    FormBill watch = s.byRequestForm().get("watch rv=N selector @ watch-cache");
    assertThat(watch.seats()).isEqualTo(1);

    List<RequestLogEntry> log = sim.requestLog();
    assertThat(log).hasSize(3);
    RequestLogEntry list = log.get(1);
    assertThat(list.requestLine()).isEqualTo("GET /api/v1/pods?limit=100");
    assertThat(list.accept()).startsWith("application/vnd.kubernetes.protobuf");
    assertThat(list.contentType()).startsWith("application/vnd.kubernetes.protobuf");
    assertThat(list.userAgent()).isEqualTo("node-agent/1.0");
    assertThat(list.identity()).isEqualTo("system:serviceaccount:kube-system:node-agent");
    assertThat(list.toString()).doesNotContain("s3cret");
    assertThat(list.servedFrom()).isEqualTo("etcd");
    assertThat(list.seats()).isEqualTo(2);
    assertThat(list.code()).isEqualTo(200);
    RequestLogEntry w = log.get(2);
    assertThat(w.form()).isEqualTo("watch rv=N selector");
    assertThat(w.servedFrom()).isEqualTo("watch-cache");
    assertThat(w.watchEvents()).isEqualTo(1); // the late pod on node-1
    assertThat(w.contentType()).isEqualTo("application/json");
  }

  // A request that waits 3 s for the cache holds its seats all that time: seat-seconds include
  // the wait (on KubeSim's clock, virtual here).
  @Test
  void seatSecondsIncludeTheFreshnessWait() throws Exception {
    sim = KubeSim.builder().serverVersion("1.30").clock(clock).build();
    sim.create("v1", "pods", Wire.pod("ns1", "p1", "node-a", null));
    sim.create("v1", "configmaps", "{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"c\"}}");
    sim.resetStats();
    try (Response r =
        call(
            "/api/v1/pods?resourceVersionMatch=NotOlderThan&resourceVersion="
                + sim.resourceVersion(),
            null)) {
      assertThat(r.code()).isEqualTo(504);
    }
    RequestLogEntry e = sim.requestLog().get(0);
    assertThat(e.waitMillis()).isEqualTo(3_000);
    assertThat(e.serviceMillis()).isGreaterThanOrEqualTo(3_000);
    assertThat(e.identity()).isEqualTo("unknown-bearer-token");
    assertThat(sim.stats().seatSeconds()).isGreaterThanOrEqualTo(3.0 * e.seats());
  }

  @Test
  void theLogIsBounded() throws Exception {
    sim = KubeSim.builder().clock(clock).requestLogCapacity(2).build();
    for (int i = 0; i < 5; i++) {
      try (Response r = call("/api/v1/namespaces/ns1/pods/p" + i, null)) {
        assertThat(r.code()).isEqualTo(404);
      }
    }
    List<RequestLogEntry> log = sim.requestLog();
    assertThat(log).hasSize(2);
    assertThat(log.get(1).requestLine()).isEqualTo("GET /api/v1/namespaces/ns1/pods/p4");
    assertThat(log.get(1).sequence()).isEqualTo(5);
    assertThat(sim.stats().byRequestForm().get("get rv=\"\" @ etcd").requests()).isEqualTo(5);
  }
}
