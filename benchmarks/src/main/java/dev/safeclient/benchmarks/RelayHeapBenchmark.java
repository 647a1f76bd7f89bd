package dev.safeclient.benchmarks;

import dev.safeclient.core.SafeClient;
import dev.safeclient.relay.Relay;
import dev.safeclient.relay.RelayHealth;
import dev.safeclient.relay.RelayedResource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import java.time.Duration;
import java.util.Locale;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Retained heap of a relay: per cached object, with and without the Protobuf message it transcodes
 * once per object version, and per event of its event window; beside plain client-java's informer
 * holding the same pods, in the same JVM. N realistic pods ({@link RealisticPods}, managedFields
 * included) in one KubeSim on loopback; the relay (plain HTTP, unauthenticated: neither holds
 * anything per object) relays all pods from it, as a deployed relay does, through its upstream
 * reflector.
 *
 * <p>Every figure is a difference of used heap after forced GCs ({@link
 * InformerHeapBenchmark#usedHeapAfterGc()}) taken with the same server state, so that KubeSim's own
 * memory cancels: with the relay up, minus after it was closed and dropped ("released").
 *
 * <ol>
 *   <li>{@code plain}: client-java's informer synced on the N pods, minus released ({@link
 *       InformerHeapBenchmark#run}, its {@code plain-list} path).
 *   <li>{@code json}: a relay synced on the N pods (it holds the JSON the API server sent), minus
 *       released.
 *   <li>{@code json+protobuf}: the same relay after one Protobuf LIST through it, which transcodes
 *       each object once and keeps the message, minus released.
 *   <li>{@code window}: a second relay, its window bounded at N events and unbounded in bytes,
 *       synced, then every pod updated once (both containers' restartCount 0 → 1: the same size),
 *       so that the window holds N MODIFIED events, each with the object before it; minus released,
 *       minus {@code json} (its cache holds N objects, as the first relay's did), per event.
 * </ol>
 *
 * <pre>
 * java -Xmx4g -cp ... dev.safeclient.benchmarks.RelayHeapBenchmark [pods]
 * </pre>
 */
public final class RelayHeapBenchmark {
  private RelayHeapBenchmark() {}

  /**
   * KubeSim's event window: longer than a run, so that the server trims nothing between a figure
   * and its released baseline (its default 75 s would free the seeding's events mid-run).
   */
  private static final Duration SIM_WINDOW = Duration.ofHours(1);

  /** One run's figures, in bytes per pod (per event for the window). */
  record Result(
      int pods,
      long plain,
      long json,
      long jsonAndProtobuf,
      long windowEvent,
      long jsonWire,
      long protobufWire,
      long windowCountedBytes) {

    long protobufCopy() {
      return jsonAndProtobuf - json;
    }
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    Result r;
    try (KubeSim sim = seeded(n)) {
      r = measure(sim, n);
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "%-44s %10s %10s%n", "figure (" + n + " pods)", "B", "vs plain");
    row("plain client-java informer, per pod", r.plain(), r.plain());
    row("relay, per cached object (JSON)", r.json(), r.plain());
    row("relay, per cached object (JSON + Protobuf)", r.jsonAndProtobuf(), r.plain());
    row("  of which the transcoded Protobuf copy", r.protobufCopy(), r.plain());
    row("relay event window, per MODIFIED event", r.windowEvent(), r.plain());
    row("JSON on the wire, per pod", r.jsonWire(), r.plain());
    row("Protobuf on the wire, per pod", r.protobufWire(), r.plain());
    row("window bytes counted per event (its bound)", r.windowCountedBytes(), r.plain());
    System.exit(0);
  }

  private static void row(String what, long bytes, long plain) {
    System.out.printf(Locale.ROOT, "%-44s %,10d %9.3f×%n", what, bytes, bytes / (double) plain);
  }

  static KubeSim seeded(int n) throws Exception {
    return InformerHeapBenchmark.seeded(n, b -> b.eventWindow(SIM_WINDOW));
  }

  /** Every figure on {@code sim}, which holds {@code n} realistic pods. */
  static Result measure(KubeSim sim, int n) throws Exception {
    long plain = InformerHeapBenchmark.run(sim, "plain-list", n).perPod();
    SafeClient upstream = upstream(sim);
    Cached cached = cached(sim, n, upstream);
    report("json", cached.json(), plain);
    report("json+protobuf", cached.jsonAndProtobuf(), plain);

    Relay windowed = relay(upstream, n, Long.MAX_VALUE);
    awaitSynced(windowed, n, sim.resourceVersion(), 0);
    ResourceType pods = sim.resource("v1", "pods");
    for (int i = 0; i < n; i++) {
      boolean updated =
          sim.update(
              pods,
              RealisticPods.namespaceOf(i),
              "pod-" + i,
              json -> json.replace("\"restartCount\":0", "\"restartCount\":1"));
      if (!updated) {
        throw new IllegalStateException("pod-" + i + " is not stored");
      }
    }
    RelayHealth.Resource full = awaitSynced(windowed, n, sim.resourceVersion(), n);
    long windowCounted = full.windowBytes() / n;
    long withWindow = InformerHeapBenchmark.usedHeapAfterGc();
    windowed.close();
    windowed = null;
    long releasedAfterUpdates = InformerHeapBenchmark.usedHeapAfterGc();
    long windowEvent = (withWindow - releasedAfterUpdates) / n - cached.json();
    report("window", windowEvent, plain);
    return new Result(
        n,
        plain,
        cached.json(),
        cached.jsonAndProtobuf(),
        windowEvent,
        cached.jsonWire(),
        cached.protobufWire(),
        windowCounted);
  }

  static SafeClient upstream(KubeSim sim) {
    return SafeClient.builder(sim.apiClient())
        .userAgent("relay-heap-benchmark/1.0")
        .nodeName(null)
        .build();
  }

  /** A relay's figures per cached object, and the objects' sizes on the wire; bytes per pod. */
  record Cached(long json, long jsonAndProtobuf, long jsonWire, long protobufWire) {}

  /**
   * A relay synced on {@code sim}'s {@code n} pods: retained per object, then again after one
   * Protobuf LIST made it keep each object's transcoded message; each minus after it was closed.
   */
  static Cached cached(KubeSim sim, int n, SafeClient upstream) throws Exception {
    // A list of every pod is written whole: on a loaded machine with a full heap it can take longer
    // than OkHttp's default 10 s to start; nothing here is timed.
    OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofMinutes(5)).build();
    Relay relay = relay(upstream, Relay.DEFAULT_WINDOW_EVENTS, Relay.DEFAULT_WINDOW_BYTES);
    awaitSynced(relay, n, sim.resourceVersion(), 0);
    long jsonWire = list(http, relay, "application/json") / n;
    long synced = InformerHeapBenchmark.usedHeapAfterGc();
    long protobufWire = list(http, relay, "application/vnd.kubernetes.protobuf") / n;
    long transcoded = InformerHeapBenchmark.usedHeapAfterGc();
    relay.close();
    relay = null;
    long released = InformerHeapBenchmark.usedHeapAfterGc();
    return new Cached((synced - released) / n, (transcoded - released) / n, jsonWire, protobufWire);
  }

  private static void report(String what, long perPod, long plain) {
    System.out.printf(
        Locale.ROOT,
        "relay %s: %,d bytes per pod (plain client-java %,d: %.3f×)%n",
        what,
        perPod,
        plain,
        perPod / (double) plain);
  }

  private static Relay relay(SafeClient upstream, int windowEvents, long windowBytes) {
    return Relay.builder(upstream)
        .resource(RelayedResource.pods())
        .plainHttpForTests(true)
        .unauthenticatedForTests(true)
        .eventWindow(windowEvents, windowBytes)
        .build()
        .start();
  }

  /** Waits until the relay holds {@code n} pods at {@code rv}, {@code events} in its window. */
  private static RelayHealth.Resource awaitSynced(Relay relay, int n, long rv, int events)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      RelayHealth.Resource h = relay.health().resources().get(0);
      if (h.synced()
          && h.objects() == n
          && h.resourceVersion() >= rv
          && h.windowEvents() == events) {
        return h;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the relay did not reach " + n + " pods at RV " + rv);
  }

  /** One LIST of all pods through the relay in {@code accept}; returns its body's size. */
  private static long list(OkHttpClient http, Relay relay, String accept) throws Exception {
    Request list =
        new Request.Builder().url(relay.url() + "/api/v1/pods").header("Accept", accept).build();
    try (Response r = http.newCall(list).execute()) {
      if (r.code() != 200 || r.body() == null) {
        throw new IllegalStateException(
            "the relay answered " + r.code() + " to a " + accept + " list");
      }
      String type = r.header("Content-Type", "");
      if (!type.startsWith(accept)) {
        throw new IllegalStateException("asked for " + accept + ", got " + type);
      }
      return r.body().bytes().length;
    }
  }
}
