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
import java.util.Locale;

/**
 * Retained heap per cached pod: N realistic pods ({@link RealisticPods}) served by KubeSim on
 * loopback, cached by one informer, plain client-java's {@code SharedInformerFactory} or {@code
 * SafeInformerFactory} (one side per JVM, so neither sees the other's interned values). The figure
 * is (used heap after a forced GC with the informer synced − the same before it started) / N.
 *
 * <pre>
 * java -Xmx5g -cp ... dev.safeclient.benchmarks.InformerHeapBenchmark plain|plain-stripped|safe|safe-json [pods]
 * (-Dheap.histogram=true prints the class histogram before and after)
 * </pre>
 */
public final class InformerHeapBenchmark {
  private InformerHeapBenchmark() {}

  public static void main(String[] args) throws Exception {
    String side = args.length > 0 ? args[0] : "safe";
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
    try (KubeSim sim =
        KubeSim.builder()
            .cacheInitialization(Duration.ofMillis(1))
            .apfConcurrencyLimit(100_000)
            .build()) {
      ResourceType pods = sim.resource("v1", "pods");
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sim.create(pods, RealisticPods.json(RealisticPods.namespaceOf(i), "pod-" + i, i));
      }
      System.out.printf(
          Locale.ROOT, "seeded %,d pods in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
      ApiClient client = sim.apiClient();
      client.setUserAgent("heap-benchmark");
      // Everything but the cache itself exists before the baseline: client, factory, informer.
      SharedIndexInformer<V1Pod> informer;
      Runnable start;
      if (side.startsWith("plain")) {
        CoreV1Api api = new CoreV1Api(client);
        SharedInformerFactory f = new SharedInformerFactory(client);
        informer =
            f.sharedIndexInformerFor(
                params ->
                    api.listPodForAllNamespaces()
                        .resourceVersion(params.resourceVersion)
                        .timeoutSeconds(params.timeoutSeconds)
                        .watch(params.watch)
                        .buildCall(null),
                V1Pod.class,
                V1PodList.class);
        if (side.equals("plain-stripped")) {
          // The fair baseline: client-java with managedFields dropped by its own TransformFunc.
          informer.setTransform(
              o -> {
                o.getMetadata().setManagedFields(null);
                return o;
              });
        }
        start = f::startAllRegisteredInformers;
      } else {
        SafeInformerFactory f =
            new SafeInformerFactory(
                SafeClient.builder(client).protobuf(!side.equals("safe-json")).build());
        informer =
            f.sharedIndexInformerFor(
                V1Pod.class,
                V1PodList.class,
                "",
                "v1",
                "pods",
                0,
                InformerOptions.builder().startJitter(Duration.ZERO).build());
        start = f::startAllRegisteredInformers;
      }
      warmUp(sim, side, client);
      String histogramBefore = histogram();
      long before = usedHeapAfterGc();
      t0 = System.nanoTime();
      start.run();
      while (!informer.hasSynced() || informer.getIndexer().list().size() < n) {
        Thread.sleep(100);
      }
      double syncSeconds = (System.nanoTime() - t0) / 1e9;
      Thread.sleep(2000);
      long after = usedHeapAfterGc();
      if (Boolean.getBoolean("heap.histogram")) {
        System.out.println("histogram before:\n" + histogramBefore);
        System.out.println("histogram after:\n" + histogram());
      }
      V1Pod sample = informer.getIndexer().getByKey(RealisticPods.namespaceOf(7) + "/pod-7");
      System.out.printf(
          Locale.ROOT,
          "%s: %,d pods cached in %.1f s; retained %,d MB, %,d bytes per pod (managedFields %s)%n",
          side,
          informer.getIndexer().list().size(),
          syncSeconds,
          (after - before) >> 20,
          (after - before) / n,
          sample.getMetadata().getManagedFields() == null
                  || sample.getMetadata().getManagedFields().isEmpty()
              ? "none cached"
              : "cached");
    }
    System.exit(0);
  }

  /**
   * One-time costs that are not the cache's, paid before the baseline so they do not count per pod:
   * KubeSim encodes each stored object in Protobuf at its first Protobuf answer and keeps the bytes
   * (about 3 KB a pod, in the server's memory, not the client's), and the first decode builds the
   * client's own tables (Gson adapters; for Protobuf, the union descriptor).
   */
  private static void warmUp(KubeSim sim, String side, ApiClient client) throws Exception {
    okhttp3.Request list =
        new okhttp3.Request.Builder()
            .url(sim.url() + "/api/v1/pods")
            .header("Accept", "application/vnd.kubernetes.protobuf")
            .build();
    try (okhttp3.Response r = client.getHttpClient().newCall(list).execute()) {
      if (r.body() == null || r.body().bytes().length == 0) {
        throw new IllegalStateException("warm-up list answered no body");
      }
    }
    ApiClient reader =
        side.startsWith("plain")
            ? client
            : SafeClient.builder(client).protobuf(!side.equals("safe-json")).build().apiClient();
    new CoreV1Api(reader).readNamespacedPod("pod-7", RealisticPods.namespaceOf(7)).execute();
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
