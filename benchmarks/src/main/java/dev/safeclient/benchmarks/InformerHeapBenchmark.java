package dev.safeclient.benchmarks;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Retained heap per cached pod, path by path, plain client-java's {@code SharedInformerFactory} and
 * {@code SafeInformerFactory} in the same JVM, one after the other: N realistic pods ({@link
 * RealisticPods}) served by KubeSim (1.34, so that the streaming list is served) on loopback.
 *
 * <p>Paths ({@code all} runs every one, in this order; the list paths share one seeded server, each
 * watch path fills a server of its own):
 *
 * <ul>
 *   <li>{@code plain-list}, {@code plain-watch}: client-java, JSON (it speaks nothing else, and has
 *       no streaming list);
 *   <li>{@code json-list}, {@code proto-list}: SafeInformerFactory's LIST with Protobuf off / on;
 *   <li>{@code json-watch}, {@code proto-watch}: the informer syncs on no pods, then N pods are
 *       created and arrive as ADDED events;
 *   <li>{@code json-streaming}, {@code proto-streaming}: a streaming list ({@code
 *       sendInitialEvents=true}), the initial state as ADDED events.
 * </ul>
 *
 * <p>Retained = used heap after forced GCs with the informer synced − the same after the informer
 * was stopped and dropped ("released"). KubeSim's memory (its store, its event window, the Protobuf
 * bytes it keeps per object once it answered in Protobuf) and the client's one-time tables (Gson
 * adapters, the union descriptor) are in both, so they cancel; the interner's weak table entries go
 * with the cache, so they count. For list paths the older figure (synced − before the start, after
 * warming KubeSim's Protobuf cache) is printed beside it as a cross-check.
 *
 * <pre>
 * java -Xmx6g -cp ... dev.safeclient.benchmarks.InformerHeapBenchmark all|path[,path...] [pods]
 * (-Dheap.histogram=true prints the class histograms synced and released)
 * </pre>
 */
public final class InformerHeapBenchmark {
  private InformerHeapBenchmark() {}

  static final List<String> PATHS =
      List.of(
          "plain-list",
          "json-list",
          "proto-list",
          "json-streaming",
          "proto-streaming",
          "plain-watch",
          "json-watch",
          "proto-watch");

  /** One run's figures. */
  record Result(String path, int pods, long retained, long sinceBefore, double fillSeconds) {
    long perPod() {
      return retained / pods;
    }
  }

  public static void main(String[] args) throws Exception {
    String which = args.length > 0 ? args[0] : "all";
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
    List<String> paths = which.equals("all") ? PATHS : List.of(which.split(","));
    Map<String, Result> results = new LinkedHashMap<>();
    KubeSim listSim = null;
    try {
      for (int i = 0; i < paths.size(); i++) {
        String path = paths.get(i);
        if (!PATHS.contains(path)) {
          throw new IllegalArgumentException("unknown path " + path + "; one of " + PATHS);
        }
        if (path.endsWith("-watch")) {
          try (KubeSim sim = sim()) {
            results.put(path, run(sim, path, n));
          }
          continue;
        }
        if (listSim == null) {
          listSim = seeded(n);
        }
        results.put(path, run(listSim, path, n));
        if (paths.subList(i + 1, paths.size()).stream().allMatch(p -> p.endsWith("-watch"))) {
          // The watch paths fill their own servers: this one's memory is not needed any more.
          listSim.close();
          listSim = null;
        }
      }
    } finally {
      if (listSim != null) {
        listSim.close();
      }
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%-16s %10s %10s %8s %10s%n",
        "path",
        "B/pod",
        "vs plain",
        "fill s",
        "cross B");
    for (Result r : results.values()) {
      Result plain = results.get(r.path().endsWith("-watch") ? "plain-watch" : "plain-list");
      System.out.printf(
          Locale.ROOT,
          "%-16s %,10d %10s %8.1f %,10d%n",
          r.path(),
          r.perPod(),
          plain == null
              ? "-"
              : String.format(Locale.ROOT, "%.3f×", r.perPod() / (double) plain.perPod()),
          r.fillSeconds(),
          r.sinceBefore() / n);
    }
    System.exit(0);
  }

  private static KubeSim sim() {
    return simBuilder().build();
  }

  private static KubeSim.Builder simBuilder() {
    return KubeSim.builder()
        .serverVersion("1.34")
        .cacheInitialization(Duration.ofMillis(1))
        .apfConcurrencyLimit(100_000);
  }

  static KubeSim seeded(int n) throws Exception {
    return seeded(n, UnaryOperator.identity());
  }

  /** A server holding {@code n} realistic pods, its builder given to {@code configure} first. */
  static KubeSim seeded(int n, UnaryOperator<KubeSim.Builder> configure) throws Exception {
    KubeSim sim = configure.apply(simBuilder()).build();
    ResourceType pods = sim.resource("v1", "pods");
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sim.create(pods, RealisticPods.json(RealisticPods.namespaceOf(i), "pod-" + i, i));
    }
    System.out.printf(
        Locale.ROOT, "seeded %,d pods in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    return sim;
  }

  /** One path on {@code sim}: fill the cache, measure, stop and drop the informer, measure. */
  static Result run(KubeSim sim, String path, int n) throws Exception {
    boolean plain = path.startsWith("plain");
    boolean watch = path.endsWith("-watch");
    boolean protobuf = path.startsWith("proto");
    ApiClient client = sim.apiClient();
    client.setUserAgent("heap-benchmark");
    warmUp(sim, client, plain, protobuf);
    Informer informer = plain ? plainInformer(client) : safeInformer(client, path, protobuf);
    String histogramBefore = histogram();
    long before = usedHeapAfterGc();
    long t0 = System.nanoTime();
    informer.start.run();
    if (watch) {
      while (!informer.informer.hasSynced()) {
        Thread.sleep(10);
      }
      t0 = System.nanoTime();
      ResourceType pods = sim.resource("v1", "pods");
      for (int i = 0; i < n; i++) {
        sim.create(pods, RealisticPods.json(RealisticPods.namespaceOf(i), "pod-" + i, i));
      }
    }
    while (!informer.informer.hasSynced() || informer.informer.getIndexer().list().size() < n) {
      Thread.sleep(10);
    }
    double fillSeconds = (System.nanoTime() - t0) / 1e9;
    Thread.sleep(1000);
    long synced = usedHeapAfterGc();
    String histogramSynced = histogram();
    V1Pod sample = informer.informer.getIndexer().getByKey(RealisticPods.namespaceOf(7) + "/pod-7");
    boolean managedFields =
        sample.getMetadata().getManagedFields() != null
            && !sample.getMetadata().getManagedFields().isEmpty();
    informer.stop.run();
    informer = null;
    sample = null;
    Thread.sleep(500);
    long released = usedHeapAfterGc();
    if (Boolean.getBoolean("heap.histogram")) {
      System.out.println(path + " histogram before:\n" + histogramBefore);
      System.out.println(path + " histogram synced:\n" + histogramSynced);
      System.out.println(path + " histogram released:\n" + histogram());
    }
    Result r = new Result(path, n, synced - released, synced - before, fillSeconds);
    System.out.printf(
        Locale.ROOT,
        "%s: %,d pods cached in %.1f s; retained %,d MB, %,d bytes per pod (synced − before: %,d"
            + " per pod; managedFields %s)%n",
        path,
        n,
        fillSeconds,
        r.retained() >> 20,
        r.perPod(),
        r.sinceBefore() / n,
        managedFields ? "cached" : "none cached");
    return r;
  }

  private record Informer(SharedIndexInformer<V1Pod> informer, Runnable start, Runnable stop) {}

  private static Informer plainInformer(ApiClient client) {
    CoreV1Api api = new CoreV1Api(client);
    SharedInformerFactory f = new SharedInformerFactory(client);
    SharedIndexInformer<V1Pod> informer =
        f.sharedIndexInformerFor(
            params ->
                api.listPodForAllNamespaces()
                    .resourceVersion(params.resourceVersion)
                    .timeoutSeconds(params.timeoutSeconds)
                    .watch(params.watch)
                    .buildCall(null),
            V1Pod.class,
            V1PodList.class);
    return new Informer(
        informer, f::startAllRegisteredInformers, () -> f.stopAllRegisteredInformers(true));
  }

  private static Informer safeInformer(ApiClient client, String path, boolean protobuf) {
    SafeInformerFactory f =
        new SafeInformerFactory(SafeClient.builder(client).protobuf(protobuf).build());
    SharedIndexInformer<V1Pod> informer =
        f.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder()
                .startJitter(Duration.ZERO)
                .watchList(path.endsWith("-streaming"))
                .build());
    return new Informer(informer, f::startAllRegisteredInformers, f::close);
  }

  /**
   * One-time costs that are not the cache's, paid before the "before" figure so that the
   * cross-check counts them neither: KubeSim encodes each stored object in Protobuf at its first
   * Protobuf answer and keeps the bytes, and the first decode builds the client's own tables.
   */
  private static void warmUp(KubeSim sim, ApiClient client, boolean plain, boolean protobuf)
      throws Exception {
    okhttp3.Request list =
        new okhttp3.Request.Builder()
            .url(sim.url() + "/api/v1/pods")
            .header("Accept", "application/vnd.kubernetes.protobuf")
            .build();
    try (okhttp3.Response r = client.getHttpClient().newCall(list).execute()) {
      if (r.body() == null) {
        throw new IllegalStateException("warm-up list answered no body");
      }
      r.body().bytes();
    }
    ApiClient reader =
        plain ? client : SafeClient.builder(client).protobuf(protobuf).build().apiClient();
    new CoreV1Api(reader).listNamespacedPod(RealisticPods.namespaceOf(7)).limit(1).execute();
  }

  private static String histogram() throws Exception {
    if (!Boolean.getBoolean("heap.histogram")) {
      return "";
    }
    return (String)
        ManagementFactory.getPlatformMBeanServer()
            .invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                "gcClassHistogram",
                new Object[] {null},
                new String[] {String[].class.getName()});
  }

  static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
