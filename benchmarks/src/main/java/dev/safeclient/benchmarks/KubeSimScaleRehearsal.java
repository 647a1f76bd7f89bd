package dev.safeclient.benchmarks;

import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.KubeSimStats;
import dev.safeclient.testing.ResourceType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * KubeSim at fleet scale: 150,000 pods and 5,000 node-scoped watches in one JVM, then a burst of
 * pod writes fanned out to the watchers. Prints heap used and the fan-out rate. Run with {@code
 * java -Xmx3g -cp ... dev.safeclient.benchmarks.KubeSimScaleRehearsal [pods] [nodes] [events]}; the
 * figures go to benchmarks/results/kubesim.md.
 *
 * <p>The watchers are the JDK's HttpClient (NIO, no thread per stream), so client and server share
 * the same 2 cores: the rates are a lower bound for the server alone.
 */
public final class KubeSimScaleRehearsal {
  private KubeSimScaleRehearsal() {}

  public static void main(String[] args) throws Exception {
    int pods = args.length > 0 ? Integer.parseInt(args[0]) : 150_000;
    int nodes = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    int events = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    long heapBase = usedHeap();
    try (KubeSim sim = KubeSim.builder().serverVersion("1.30").build()) {
      ResourceType podType = sim.resource("v1", "pods");
      long t0 = System.nanoTime();
      for (int i = 0; i < pods; i++) {
        sim.create(podType, pod("ns-" + (i % 100), "pod-" + i, "node-" + (i % nodes), i));
      }
      double seedSeconds = (System.nanoTime() - t0) / 1e9;
      long heapPods = usedHeap();
      System.out.printf(
          "seeded %,d pods in %.1f s; heap %,d MB (%,d bytes/pod)%n",
          pods, seedSeconds, (heapPods - heapBase) >> 20, (heapPods - heapBase) / pods);

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      // A full RV=0 list from the cache, JSON then Protobuf, twice each (Protobuf messages are
      // built on first use, then reused).
      for (String accept :
          new String[] {
            "application/json",
            "application/json",
            "application/vnd.kubernetes.protobuf",
            "application/vnd.kubernetes.protobuf"
          }) {
        long l0 = System.nanoTime();
        HttpResponse<byte[]> list =
            http.send(
                HttpRequest.newBuilder(URI.create(sim.url() + "/api/v1/pods?resourceVersion=0"))
                    .header("Accept", accept)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        System.out.printf(
            "full list (%s): %,d bytes in %.2f s%n",
            accept, list.body().length, (System.nanoTime() - l0) / 1e9);
      }
      AtomicLong lines = new AtomicLong();
      List<CompletableFuture<HttpResponse<Void>>> watches = new ArrayList<>();
      long rv = sim.resourceVersion();
      t0 = System.nanoTime();
      for (int n = 0; n < nodes; n++) {
        HttpRequest req =
            HttpRequest.newBuilder(
                    URI.create(
                        sim.url()
                            + "/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=3600"
                            + "&fieldSelector=spec.nodeName%3Dnode-"
                            + n
                            + "&resourceVersion="
                            + rv))
                .build();
        watches.add(
            http.sendAsync(req, HttpResponse.BodyHandlers.fromLineSubscriber(new Counter(lines))));
        if (n % 500 == 499) {
          awaitOpen(sim, n + 1);
        }
      }
      awaitOpen(sim, nodes);
      double openSeconds = (System.nanoTime() - t0) / 1e9;
      long heapWatches = usedHeap();
      System.out.printf(
          "opened %,d node-scoped watches in %.1f s; heap +%,d MB (%,d bytes/watch)%n",
          nodes, openSeconds, (heapWatches - heapPods) >> 20, (heapWatches - heapPods) / nodes);

      // The burst: new pods spread over all nodes; each event goes to exactly one watcher.
      sim.resetStats();
      t0 = System.nanoTime();
      for (int i = 0; i < events; i++) {
        sim.create(podType, pod("ns-" + (i % 100), "burst-" + i, "node-" + (i % nodes), i));
      }
      double writeSeconds = (System.nanoTime() - t0) / 1e9;
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (lines.get() < events && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      double deliverSeconds = (System.nanoTime() - t0) / 1e9;
      KubeSimStats s = sim.stats();
      System.out.printf(
          "%,d events written in %.2f s (%,.0f/s); all %,d delivered after %.2f s (%,.0f events/s fanned out); %,d bytes sent%n",
          events,
          writeSeconds,
          events / writeSeconds,
          lines.get(),
          deliverSeconds,
          lines.get() / deliverSeconds,
          s.bytesSent());

      System.out.printf(
          "watches open: %d; heap used now %,d MB%n", s.watchesOpen(), usedHeap() >> 20);

      // Broadcast: cluster-wide watchers on top; every event goes to each of them, one shared
      // encoding per event.
      int broadcast = args.length > 3 ? Integer.parseInt(args[3]) : 50;
      int broadcastEvents = events / 5;
      AtomicLong wide = new AtomicLong();
      rv = sim.resourceVersion();
      for (int n = 0; n < broadcast; n++) {
        HttpRequest req =
            HttpRequest.newBuilder(
                    URI.create(
                        sim.url()
                            + "/api/v1/pods?watch=true&timeoutSeconds=3600&resourceVersion="
                            + rv))
                .build();
        watches.add(
            http.sendAsync(req, HttpResponse.BodyHandlers.fromLineSubscriber(new Counter(wide))));
      }
      awaitOpen(sim, nodes + broadcast);
      lines.set(0);
      sim.resetStats();
      t0 = System.nanoTime();
      for (int i = 0; i < broadcastEvents; i++) {
        sim.create(podType, pod("ns-" + (i % 100), "wide-" + i, "node-" + (i % nodes), i));
      }
      long expected = (long) broadcastEvents * broadcast;
      deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (wide.get() < expected && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      deliverSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "broadcast: %,d events to %d cluster-wide watchers (+ their node watcher): %,d deliveries in %.2f s (%,.0f deliveries/s, %,.0f MB/s)%n",
          broadcastEvents,
          broadcast,
          wide.get() + lines.get(),
          deliverSeconds,
          (wide.get() + lines.get()) / deliverSeconds,
          sim.stats().bytesSent() / deliverSeconds / (1 << 20));
      watches.forEach(w -> w.cancel(true));
    }
  }

  static String pod(String ns, String name, String node, int i) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\""
        + ns
        + "\",\"labels\":{\"app\":\"app-"
        + (i % 50)
        + "\",\"tier\":\"backend\"}},\"spec\":{\"nodeName\":\""
        + node
        + "\",\"containers\":[{\"name\":\"main\",\"image\":\"registry.example.com/app:1.2.3\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}}]},"
        + "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0."
        + (i % 250)
        + "."
        + (i % 200)
        + "\"}}";
  }

  static void awaitOpen(KubeSim sim, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (sim.stats().watchesOpen() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    if (sim.stats().watchesOpen() < n) {
      throw new IllegalStateException(
          "only " + sim.stats().watchesOpen() + " of " + n + " watches open");
    }
  }

  static long usedHeap() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  /** Counts watch lines (events and bookmarks) across all watchers. */
  static final class Counter implements Flow.Subscriber<String> {
    private final AtomicLong lines;

    Counter(AtomicLong lines) {
      this.lines = lines;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (!line.isEmpty() && !line.contains("\"BOOKMARK\"")) {
        lines.incrementAndGet();
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}
  }
}
