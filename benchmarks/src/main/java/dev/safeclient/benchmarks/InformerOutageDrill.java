package dev.safeclient.benchmarks;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.testing.Fault;
import dev.safeclient.testing.FaultRule;
import dev.safeclient.testing.FaultScript;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;
import okhttp3.Call;
import okhttp3.EventListener;

/**
 * The outage drill: N informers with their own {@code SafeClient} (as N processes would be) and N
 * plain client-java {@code SharedInformerFactory} informers watch pods through one KubeSim on
 * loopback, in one run. The server goes away for the outage, then comes back; the drill counts
 * every request each side starts (an OkHttp {@link EventListener}, so refused connections count
 * too), per second, and every log line and byte each side writes.
 *
 * <pre>
 * java -Xmx3g -cp ... dev.safeclient.benchmarks.InformerOutageDrill refused|500|empty [informers] [outageSeconds]
 * </pre>
 *
 * With {@code -Ddrill.perClient=20}, the safeclient informers come 20 to a {@code SafeClient} (a
 * controller's informers in one process; each informer its own factory, so 20 distinct informers),
 * and {@code -Ddrill.pullForward=false} turns off bringing their retries forward after a recovery.
 * client-java's side is unchanged ({@code -Ddrill.sides=safe-only} leaves it out).
 *
 * <p>Results: {@code benchmarks/results/informer.md}.
 */
public final class InformerOutageDrill {
  /** Before the outage: every watch open and quiet, so the baseline rate is visible. */
  static final int WARM_SECONDS = 15;

  /** How long after recovery the drill waits for every cache to see the marker pod. */
  static final int RECOVERY_LIMIT_SECONDS = 150;

  static final String NAMESPACE = "drill";

  private InformerOutageDrill() {}

  public static void main(String[] args) {
    PrintStream realErr = System.err;
    try {
      drill(args);
    } catch (Throwable t) {
      t.printStackTrace(realErr);
      System.out.println("drill failed: " + t);
      Runtime.getRuntime().halt(1);
    }
    // Stopping 2N informers and the server takes minutes of joins; the figures are out.
    Runtime.getRuntime().halt(0);
  }

  static void drill(String[] args) throws Exception {
    String scenario = args.length > 0 ? args[0] : "refused";
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int outageSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 120;
    boolean plainOn = !"safe-only".equals(System.getProperty("drill.sides"));
    int perClient = Integer.getInteger("drill.perClient", 1);
    boolean pullForward = !"false".equals(System.getProperty("drill.pullForward"));

    LogCounter logs = new LogCounter(System.err);
    System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
    System.setProperty("org.slf4j.simpleLogger.cacheOutputStream", "false");

    int totalSeconds = WARM_SECONDS + outageSeconds + RECOVERY_LIMIT_SECONDS + 120;
    Side safe = new Side("safeclient", totalSeconds);
    Side plain = new Side("client-java", totalSeconds);

    // The watch cache is ready at once: the drill measures the outage, not a cold start.
    try (KubeSim sim =
        KubeSim.builder().maxThreads(64).cacheInitialization(Duration.ofMillis(1)).build()) {
      ResourceType pods = sim.resource("v1", "pods");
      for (int i = 0; i < 20; i++) {
        sim.create(pods, RealisticPods.json(NAMESPACE, "pod-" + i, i));
      }
      List<SafeInformerFactory> safeFactories = new ArrayList<>();
      List<SharedIndexInformer<V1Pod>> safeInformers = new ArrayList<>();
      List<SharedInformerFactory> plainFactories = new ArrayList<>();
      List<SharedIndexInformer<V1Pod>> plainInformers = new ArrayList<>();
      long t0 = System.nanoTime();
      safe.t0 = t0;
      plain.t0 = t0;
      SafeClient shared = null;
      for (int i = 0; i < n; i++) {
        if (i % perClient == 0) {
          ApiClient base = client(sim, safe, "drill-safe/" + i / perClient);
          shared = SafeClient.builder(base).build();
        }
        SafeInformerFactory f = new SafeInformerFactory(shared);
        safeInformers.add(
            f.sharedIndexInformerFor(
                V1Pod.class,
                V1PodList.class,
                "",
                "v1",
                "pods",
                0,
                InformerOptions.builder()
                    .namespace(NAMESPACE)
                    .startJitter(Duration.ZERO)
                    .recoveryPullForward(pullForward)
                    .build()));
        safeFactories.add(f);
        if (plainOn) {
          ApiClient pc = client(sim, plain, "drill-plain/" + i);
          CoreV1Api api = new CoreV1Api(pc);
          SharedInformerFactory pf = new SharedInformerFactory(pc);
          plainInformers.add(
              pf.sharedIndexInformerFor(
                  params ->
                      api.listNamespacedPod(NAMESPACE)
                          .resourceVersion(params.resourceVersion)
                          .timeoutSeconds(params.timeoutSeconds)
                          .watch(params.watch)
                          .buildCall(null),
                  V1Pod.class,
                  V1PodList.class));
          plainFactories.add(pf);
        }
      }
      // client-java's Gson is global: build its pod adapters once, not in 2N threads at once.
      new CoreV1Api(sim.apiClient()).listNamespacedPod(NAMESPACE).execute();
      safeFactories.forEach(SafeInformerFactory::startAllRegisteredInformers);
      plainFactories.forEach(SharedInformerFactory::startAllRegisteredInformers);
      waitSynced(safeInformers, plainInformers, Duration.ofMinutes(10));
      out(
          "%d + %d informers synced after %.1f s",
          safeInformers.size(), plainInformers.size(), (System.nanoTime() - t0) / 1e9);
      Thread.sleep(WARM_SECONDS * 1000L);

      // ---------------------------------------------------------------- outage
      long outageStart = System.nanoTime();
      logs.mark("outage");
      out("outage (%s) for %d s", scenario, outageSeconds);
      switch (scenario) {
        case "refused" -> sim.outage(true);
        case "500" -> {
          sim.play(
              FaultScript.builder()
                  .add(
                      FaultRule.during(Duration.ZERO, Duration.ofSeconds(outageSeconds))
                          .inject(Fault.internalError()))
                  .build());
          sim.dropWatches();
        }
        case "empty" -> {
          sim.play(
              FaultScript.builder()
                  .add(
                      FaultRule.during(Duration.ZERO, Duration.ofSeconds(outageSeconds))
                          .verb("watch")
                          .inject(Fault.emptyWatch()))
                  .build());
          sim.closeWatches();
        }
        default -> throw new IllegalArgumentException("scenario: refused, 500 or empty");
      }
      sleepUntil(outageStart + Duration.ofSeconds(outageSeconds).toNanos());
      if (scenario.equals("refused")) {
        sim.outage(false);
      }
      long recovery = System.nanoTime();
      logs.mark("recovery");
      out("server back after %.1f s", (recovery - outageStart) / 1e9);
      sim.create(pods, RealisticPods.json(NAMESPACE, "marker", 999));
      double safeSynced = Double.NaN;
      double plainSynced = plainOn ? Double.NaN : 0;
      long deadline = recovery + Duration.ofSeconds(RECOVERY_LIMIT_SECONDS).toNanos();
      while (System.nanoTime() < deadline
          && (Double.isNaN(safeSynced) || Double.isNaN(plainSynced))) {
        Thread.sleep(250);
        double t = (System.nanoTime() - recovery) / 1e9;
        if (Double.isNaN(safeSynced) && allHaveMarker(safeInformers)) {
          safeSynced = t;
        }
        if (Double.isNaN(plainSynced) && allHaveMarker(plainInformers)) {
          plainSynced = t;
        }
      }
      long end = System.nanoTime();
      logs.mark("end");

      // ---------------------------------------------------------------- report
      int oStart = safe.second(outageStart);
      int rec = safe.second(recovery);
      out("");
      out(
          "scenario %s, %d informers per side, outage %d s; safeclient: %d informer(s) per client,"
              + " pull-forward %s",
          scenario, n, outageSeconds, perClient, pullForward ? "on" : "off");
      out("| | safeclient | client-java | ratio |");
      out("|---|---|---|---|");
      double sMin2 = perInformerPerMinute(safe, oStart + 60, oStart + 120, n);
      double pMin2 = perInformerPerMinute(plain, oStart + 60, oStart + 120, n);
      out(
          "| requests/informer/min, 2nd minute of the outage | %.2f | %.1f | %s |",
          sMin2, pMin2, ratio(pMin2, sMin2));
      double sWhole = perInformerPerMinute(safe, oStart, rec, n);
      double pWhole = perInformerPerMinute(plain, oStart, rec, n);
      out(
          "| requests/informer/min, whole outage | %.2f | %.1f | %s |",
          sWhole, pWhole, ratio(pWhole, sWhole));
      double sAfter = perInformerPerMinute(safe, rec, rec + 60, n);
      double pAfter = perInformerPerMinute(plain, rec, rec + 60, n);
      out(
          "| requests/informer/min, the minute after recovery | %.2f | %.1f | %s |",
          sAfter, pAfter, ratio(pAfter, sAfter));
      long sPeak = safe.peak(rec, rec + 10);
      long pPeak = plain.peak(rec, rec + 10);
      out(
          "| peak requests/s in the 10 s after recovery | %d | %d | %s |",
          sPeak, pPeak, ratio(pPeak, sPeak));
      out(
          "| peak requests/s in the 60 s after recovery | %d | %d | |",
          safe.peak(rec, rec + 60), plain.peak(rec, rec + 60));
      out(
          "| requests in the 10 s after recovery | %d | %d | |",
          safe.sum(rec, rec + 10), plain.sum(rec, rec + 10));
      out(
          "| all caches hold the marker pod after | %s | %s | |",
          secs(safeSynced), secs(plainSynced));
      out(
          "| log lines during outage+recovery | %d | %d | |",
          logs.lines("safe"), logs.lines("plain"));
      out(
          "| log bytes during outage+recovery | %,d | %,d | |",
          logs.bytes("safe"), logs.bytes("plain"));
      out(
          "| log lines per informer during outage+recovery | %.3f | %.1f | |",
          logs.lines("safe") / (double) n, logs.lines("plain") / (double) n);
      out("| stack traces | %d | %d | |", logs.traces("safe"), logs.traces("plain"));
      out("(other log lines: %d; elapsed %.0f s)", logs.lines("other"), (end - t0) / 1e9);
      out(
          "requests per second, safeclient, from the outage: %s",
          safe.series(oStart - 2, safe.second(end)));
      out(
          "requests per second, client-java, from the outage: %s",
          plain.series(oStart - 2, plain.second(end)));
      out("first safeclient log lines:");
      logs.samples().forEach(l -> out("    %s", l));
    }
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static ApiClient client(KubeSim sim, Side side, String userAgent) {
    ApiClient c = sim.apiClient();
    c.setHttpClient(
        c.getHttpClient().newBuilder().eventListenerFactory(call -> side.listener).build());
    c.setUserAgent(userAgent);
    return c;
  }

  private static boolean allHaveMarker(List<SharedIndexInformer<V1Pod>> informers) {
    for (SharedIndexInformer<V1Pod> i : informers) {
      if (i.getIndexer().getByKey(NAMESPACE + "/marker") == null) {
        return false;
      }
    }
    return true;
  }

  private static void waitSynced(
      List<SharedIndexInformer<V1Pod>> a, List<SharedIndexInformer<V1Pod>> b, Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    long report = 0;
    while (System.nanoTime() < deadline) {
      long sa = a.stream().filter(SharedIndexInformer::hasSynced).count();
      long sb = b.stream().filter(SharedIndexInformer::hasSynced).count();
      if (sa == a.size() && sb == b.size()) {
        return;
      }
      if (System.nanoTime() > report) {
        out("synced so far: safeclient %d/%d, client-java %d/%d", sa, a.size(), sb, b.size());
        report = System.nanoTime() + 15_000_000_000L;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("informers did not sync within " + limit);
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long left;
    while ((left = nanos - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, Math.min(1000, left / 1_000_000)));
    }
  }

  private static double perInformerPerMinute(Side s, int from, int to, int n) {
    return s.sum(from, to) / (double) n / ((to - from) / 60.0);
  }

  private static String ratio(double plain, double safe) {
    return safe == 0
        ? (plain == 0 ? "-" : "∞ (safeclient 0)")
        : String.format(Locale.ROOT, "%.0f×", plain / safe);
  }

  private static String secs(double s) {
    return Double.isNaN(s)
        ? "not within " + RECOVERY_LIMIT_SECONDS + " s"
        : String.format(Locale.ROOT, "%.1f s", s);
  }

  static void out(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }

  /** One side's requests started, per second since the start. */
  static final class Side {
    final String name;
    final AtomicLongArray perSecond;
    volatile long t0;
    final EventListener listener =
        new EventListener() {
          @Override
          public void callStart(Call call) {
            int s = second(System.nanoTime());
            if (s >= 0 && s < perSecond.length()) {
              perSecond.incrementAndGet(s);
            }
          }
        };

    Side(String name, int seconds) {
      this.name = name;
      this.perSecond = new AtomicLongArray(seconds + 600);
    }

    int second(long nanos) {
      return (int) ((nanos - t0) / 1_000_000_000L);
    }

    long sum(int from, int to) {
      long s = 0;
      for (int i = Math.max(0, from); i < Math.min(to, perSecond.length()); i++) {
        s += perSecond.get(i);
      }
      return s;
    }

    long peak(int from, int to) {
      long p = 0;
      for (int i = Math.max(0, from); i < Math.min(to, perSecond.length()); i++) {
        p = Math.max(p, perSecond.get(i));
      }
      return p;
    }

    String series(int from, int to) {
      StringBuilder b = new StringBuilder();
      for (int i = Math.max(0, from); i <= Math.min(to, perSecond.length() - 1); i++) {
        b.append(perSecond.get(i)).append(' ');
      }
      return b.toString().trim();
    }
  }

  /**
   * Counts the lines and bytes each side's loggers write (slf4j-simple, logger names shown), from
   * the outage on. A stack trace's lines count with the record that carries it.
   */
  static final class LogCounter extends OutputStream {
    private static final java.util.regex.Pattern RECORD =
        java.util.regex.Pattern.compile("\\d{4}-\\d\\d-\\d\\dT");
    private final PrintStream echo;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    private final java.util.Map<String, long[]> counts = new java.util.HashMap<>();
    private final List<String> samples = new ArrayList<>();
    private volatile boolean counting;
    private String owner = "other";

    LogCounter(PrintStream echo) {
      this.echo = echo;
    }

    synchronized void mark(String phase) {
      counting = !phase.equals("end");
    }

    @Override
    public synchronized void write(int b) {
      line.write(b);
      if (b == '\n') {
        flushLine();
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }

    private void flushLine() {
      String l = line.toString(StandardCharsets.UTF_8);
      int bytes = line.size();
      line.reset();
      boolean continuation = !RECORD.matcher(l).lookingAt();
      if (!continuation) {
        owner =
            l.contains(" dev.safeclient.")
                ? "safe"
                : l.contains(" io.kubernetes.client.") ? "plain" : "other";
      }
      if (owner.equals("other")) {
        echo.print(l);
      }
      if (!counting) {
        return;
      }
      long[] c = counts.computeIfAbsent(owner, k -> new long[3]);
      c[1] += bytes;
      if (!continuation) {
        c[0]++;
        if (owner.equals("safe") && samples.size() < 40) {
          String t = l.strip();
          samples.add(t.length() > 400 ? t.substring(0, 400) + " …" : t);
          echo.print(l);
        }
      } else if (lastWasRecord) {
        c[2]++;
      }
      lastWasRecord = !continuation;
    }

    private boolean lastWasRecord;

    synchronized long lines(String side) {
      return counts.getOrDefault(side, new long[3])[0];
    }

    synchronized long bytes(String side) {
      return counts.getOrDefault(side, new long[3])[1];
    }

    /** Records logged with a stack trace. */
    synchronized long traces(String side) {
      return counts.getOrDefault(side, new long[3])[2];
    }

    synchronized List<String> samples() {
      return List.copyOf(samples);
    }

    @Override
    public void flush() throws IOException {}
  }
}
