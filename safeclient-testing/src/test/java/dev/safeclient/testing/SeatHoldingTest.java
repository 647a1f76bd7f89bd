package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * APF on KubeSim's clock: a priority level's max seats from its concurrency limit, seats held for
 * the modelled service time (never wall time) and seen by admission, and the size-based estimate
 * from the bytes etcd stores.
 */
class SeatHoldingTest {
  KubeSim sim;
  final OkHttpClient http = new OkHttpClient();

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  // apf_controller.go (cfgMeal.finishQueueSetReconfigsLocked): max(1, min(ceil(0.15 × nominal
  // concurrency), nominal concurrency / hand size)).
  @Test
  void aLevelsMaxSeatsFollowItsConcurrencyLimitAndHandSize() {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    assertThat(new PriorityLevel(600, 6, clock).maxSeats()).isEqualTo(90); // KubeSim's default
    assertThat(new PriorityLevel(245, 6, clock).maxSeats()).isEqualTo(37); // workload-low
    assertThat(new PriorityLevel(49, 6, clock).maxSeats()).isEqualTo(8); // global-default
    assertThat(new PriorityLevel(100, 8, clock).maxSeats()).isEqualTo(12);
    assertThat(new PriorityLevel(3, 6, clock).maxSeats()).isEqualTo(1);
  }

  // A clock that moves only by hand here, and that KubeSim treats as real time (its own waits do
  // not move it): on a virtual one the service time has already passed when a request is answered.
  @Test
  void heldSeatsComeFreeOnlyWhenTheModelledServiceTimeHasPassedOnTheClock() {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    PriorityLevel pl = new PriorityLevel(10, 6, clock.asJavaClock(), false);
    assertThat(pl.tryAcquire(8)).isTrue();
    pl.finish(8, millis(clock) + 3_000); // answered; it waited 3 s in the model
    assertThat(pl.inUse()).isEqualTo(8);
    assertThat(pl.tryAcquire(5)).isFalse();
    clock.advance(Duration.ofMillis(2_999));
    assertThat(pl.tryAcquire(5)).isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(pl.tryAcquire(5)).isTrue();
    assertThat(pl.inUse()).isEqualTo(5);
  }

  // queueSet.canAccommodateSeatsLocked: a request wider than the limit runs only alone.
  @Test
  void aRequestWiderThanTheLimitRunsOnlyWhenNothingElseDoes() {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    PriorityLevel pl = new PriorityLevel(4, 6, clock);
    assertThat(pl.tryAcquire(1)).isTrue();
    assertThat(pl.tryAcquire(6)).isFalse();
    pl.finish(1, millis(clock));
    assertThat(pl.tryAcquire(6)).isTrue();
    assertThat(pl.tryAcquire(1)).isFalse();
  }

  // A clock slowed a million times: a request's modelled service time (about 1 ms) outlasts the
  // test, so the seats of answered requests are still held when the next one is admitted.
  @Test
  void admissionSeesTheSeatsOfAnsweredRequestsUntilTheirServiceTimeHasPassed() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    sim = KubeSim.builder().clock(handMoved(clock)).apfConcurrencyLimit(3).build();
    sim.create("v1", "pods", Wire.pod("ns1", "p1", "node-1", null));
    for (int i = 0; i < 3; i++) {
      assertThat(code("/api/v1/namespaces/ns1/pods/p1")).isEqualTo(200);
    }
    assertThat(code("/api/v1/namespaces/ns1/pods/p1")).isEqualTo(429);
    // Watches are admitted too: they hold their seats while they initialise.
    assertThat(code("/api/v1/pods?watch=true&resourceVersion=1&timeoutSeconds=1")).isEqualTo(429);
    clock.advance(Duration.ofSeconds(1));
    assertThat(code("/api/v1/namespaces/ns1/pods/p1")).isEqualTo(200);
    assertThat(sim.stats().tooManyRequestsByReason()).containsEntry("apf", 2L);
    List<RequestLogEntry> log = sim.requestLog();
    RequestLogEntry get = log.get(0);
    assertThat(get.seats()).isEqualTo(1);
    // 1 ms per request, 2 µs per object from etcd, 10 ns per byte sent: the model's time, not
    // this machine's.
    assertThat(get.serviceMillis())
        .isCloseTo(
            (1_000 + 2.0 * get.storageObjectsRead() + 0.01 * get.bytes()) / 1_000,
            org.assertj.core.data.Offset.offset(1e-9));
  }

  // On a virtual clock an answer first waits out its service time on the clock (at once when
  // nothing else is in flight), so sequential requests never see each other's seats, and the
  // clock shows the time the server spent.
  @Test
  void onAVirtualClockEachAnswerWaitsOutItsServiceTime() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    sim = KubeSim.builder().clock(clock).apfConcurrencyLimit(1).build();
    sim.create("v1", "pods", Wire.pod("ns1", "p1", "node-1", null));
    long t0 = millis(clock);
    for (int i = 0; i < 5; i++) {
      assertThat(code("/api/v1/namespaces/ns1/pods/p1")).isEqualTo(200);
    }
    assertThat(sim.stats().tooManyRequestsByReason()).doesNotContainKey("apf");
    assertThat(millis(clock) - t0).isGreaterThanOrEqualTo(5);
  }

  @Test
  void kubeSimMovesAVirtualClockOnlyAhead() throws Exception {
    VirtualTimeSource virtual = VirtualTimeSource.manual();
    ClockWaits waits = new ClockWaits(virtual);
    long v0 = millis(virtual);
    waits.enter();
    // The only request in flight waits: the clock jumps to its deadline, with no real wait.
    waits.awaitUntil(v0 + 500);
    assertThat(millis(virtual)).isEqualTo(v0 + 500);
    virtual.advanceTo(java.time.Instant.ofEpochMilli(v0)); // never backwards
    assertThat(millis(virtual)).isEqualTo(v0 + 500);
  }

  private static long millis(TimeSource clock) {
    return clock.instant().toEpochMilli();
  }

  /** {@code v}'s time, moved only by the test: KubeSim's own waits leave it alone, as real time. */
  private static TimeSource handMoved(VirtualTimeSource v) {
    return new TimeSource() {
      @Override
      public long nanoTime() {
        return v.nanoTime();
      }

      @Override
      public java.time.Instant instant() {
        return v.instant();
      }

      @Override
      public void sleep(Duration d) throws InterruptedException {
        v.sleep(d);
      }

      @Override
      public Timer schedule(Duration delay, Runnable task) {
        return v.schedule(delay, task);
      }
    };
  }

  // "Size-based estimates use the bytes etcd stores: Protobuf for built-in types, JSON for CRDs."
  // An exact-RV list is estimated as an etcd read (seatsBasedOnObjectSize, not capped at 10 from
  // 1.34): stored × average stored size / 100 kB. The stored size of one object is what a
  // Protobuf GET of it carries (magic + runtime.Unknown), as etcd stores it.
  @Test
  void theSizeEstimateUsesProtobufBytesForBuiltInsAndJsonForCrds() throws Exception {
    sim = KubeSim.builder().serverVersion("1.34").build();
    for (int i = 0; i < 100; i++) { // every pod's resourceVersion then has 3 digits: one size
      sim.create(
          "v1", "configmaps", "{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"c" + i + "\"}}");
    }
    int n = 400;
    for (int i = 0; i < n; i++) {
      sim.create("v1", "pods", richPod(String.format("p%03d", i)));
    }
    long proto = bytes("/api/v1/namespaces/ns1/pods/p000", ProtobufEncoding.MEDIA_TYPE);
    long json = bytes("/api/v1/namespaces/ns1/pods/p000", "application/json");
    assertThat(proto).isLessThan(json * 3 / 4);
    long podSeats = exactListSeats("/api/v1/pods");
    assertThat(podSeats).isEqualTo(ceilDiv(n * proto, 100_000));
    assertThat(podSeats).isLessThan(ceilDiv(n * json, 100_000));

    ResourceType widgets = ResourceType.namespaced("example.com", "v1", "widgets", "Widget");
    sim.register(widgets);
    for (int i = 0; i < n; i++) {
      sim.create(
          widgets,
          "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"namespace\":"
              + "\"ns1\",\"name\":\""
              + String.format("w%03d", i)
              + "\"},\"spec\":{\"size\":\""
              + "x".repeat(1_000)
              + "\"}}");
    }
    long widgetJson =
        bytes("/apis/example.com/v1/namespaces/ns1/widgets/w000", ProtobufEncoding.MEDIA_TYPE);
    assertThat(exactListSeats("/apis/example.com/v1/widgets"))
        .isEqualTo(ceilDiv(n * widgetJson, 100_000)); // a CRD: JSON, whatever the Accept
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private long exactListSeats(String path) throws Exception {
    long before = sim.stats().seatsCharged();
    try (Response r =
        http.newCall(
                new Request.Builder()
                    .url(
                        sim.url()
                            + path
                            + "?resourceVersionMatch=Exact&resourceVersion="
                            + sim.resourceVersion())
                    .build())
            .execute()) {
      assertThat(r.code()).isEqualTo(200);
      r.body().bytes();
    }
    return sim.stats().seatsCharged() - before;
  }

  private long bytes(String path, String accept) throws Exception {
    try (Response r =
        http.newCall(new Request.Builder().url(sim.url() + path).header("Accept", accept).build())
            .execute()) {
      assertThat(r.code()).isEqualTo(200);
      return r.body().bytes().length;
    }
  }

  private int code(String path) throws Exception {
    try (Response r = http.newCall(new Request.Builder().url(sim.url() + path).build()).execute()) {
      r.body().bytes();
      return r.code();
    }
  }

  /** A pod with the fields a real one carries: JSON spends bytes on their names. */
  private static String richPod(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"ns1\",\"name\":\""
        + name
        + "\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"node-1\","
        + "\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
        + "\"dnsPolicy\":\"ClusterFirst\",\"schedulerName\":\"default-scheduler\","
        + "\"enableServiceLinks\":true,\"containers\":[{\"name\":\"web\",\"image\":\"nginx\","
        + "\"imagePullPolicy\":\"IfNotPresent\",\"terminationMessagePath\":\"/dev/termination-log\","
        + "\"terminationMessagePolicy\":\"File\",\"ports\":[{\"containerPort\":8080,"
        + "\"protocol\":\"TCP\"}],\"resources\":{\"requests\":{\"cpu\":\"100m\","
        + "\"memory\":\"128Mi\"}},\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\","
        + "\"port\":8080,\"scheme\":\"HTTP\"},\"initialDelaySeconds\":5,\"timeoutSeconds\":1,"
        + "\"periodSeconds\":10,\"successThreshold\":1,\"failureThreshold\":3}}]},"
        + "\"status\":{\"phase\":\"Running\",\"qosClass\":\"Burstable\"}}";
  }
}
