package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.Fault;
import dev.safeclient.testing.FaultRule;
import dev.safeclient.testing.FaultScript;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.KubeSimStats;
import dev.safeclient.testing.RequestLogEntry;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The harm matrix's informer cells: an informer of all pods driven through a 410, by plain
 * client-java's {@code SharedInformerFactory}, by the same factory on {@code safe.apiClient()}, and
 * by {@link SafeInformerFactory}, each against its own KubeSim seeded with the same objects in the
 * same order (so the same resourceVersions). First, do no harm: each safe informer's cache ends
 * equal to plain's (never older: it holds a pod made after it recovered from the 410), and no cost
 * column (objects read from storage, APF seats and seat-seconds, bytes, requests) exceeds plain's
 * except by the trades named in {@code benchmarks/results/harm-matrix.md}.
 *
 * <p>The 410s are KubeSim faults placed by request count, so every client meets the same one:
 *
 * <ul>
 *   <li>watch 410: the first watch is answered 410 Expired before any event;
 *   <li>list 410: the first watch ends with an in-stream ERROR 410, then the relist that follows is
 *       answered 410 Expired (its resourceVersion has been compacted);
 *   <li>ERROR 410: the first watch answers 200, then an ERROR event with a 410 Status, as the watch
 *       cache sends for a resourceVersion that left its event window.
 * </ul>
 *
 * KubeSim runs on a manual clock that never moves; the safe informer's backoff sleeps pass on a
 * virtual clock. client-java's own reflector restarts on its fixed one-second period, real time
 * that is none of the measured costs.
 *
 * <p>With {@code -Dsafeclient.harmMatrix=<file>} it writes its table as the file's last section.
 */
class InformerHarmMatrixTest {
  static final String SECTION = "## Informers through a 410";
  private static final ResourceType PODS = ResourceType.namespaced("", "v1", "pods", "Pod");
  private static final int PODS_SEEDED = 300;
  private static final String MARKER = "zz-after-410";
  private static final List<Row> ROWS = new ArrayList<>();

  enum Gone {
    WATCH_410("watch 410 at start", 1),
    LIST_410("ERROR 410, then relist 410", 2),
    ERROR_410("in-stream ERROR 410", 1);

    final String label;
    final int faults;

    Gone(String label, int faults) {
      this.label = label;
      this.faults = faults;
    }

    FaultScript script() {
      FaultScript.Builder b = FaultScript.builder();
      switch (this) {
        case WATCH_410 ->
            b.add(
                FaultRule.requests(1, 1)
                    .verb("watch")
                    .resource("pods")
                    .inject(Fault.status(410, "Expired")));
        case LIST_410 -> {
          b.add(
              FaultRule.requests(1, 1).verb("watch").resource("pods").inject(Fault.expiredWatch()));
          b.add(
              FaultRule.requests(2, 2)
                  .verb("list")
                  .resource("pods")
                  .inject(Fault.status(410, "Expired")));
        }
        case ERROR_410 ->
            b.add(
                FaultRule.requests(1, 1)
                    .verb("watch")
                    .resource("pods")
                    .inject(Fault.expiredWatch()));
      }
      return b.build();
    }
  }

  enum Informer {
    PLAIN("client-java SharedInformerFactory"),
    CLIENT_JAVA_ON_SAFE("client-java SharedInformerFactory on safe.apiClient()"),
    SAFE_INFORMER("SafeInformerFactory");

    final String label;

    Informer(String label) {
      this.label = label;
    }
  }

  static Stream<Arguments> cells() {
    List<Arguments> cells = new ArrayList<>();
    for (String v : List.of("1.30", "1.32", "1.33", "1.34", "1.35")) {
      for (Gone g : Gone.values()) {
        cells.add(Arguments.of(v, g));
      }
    }
    return cells.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cells")
  void aSafeInformerRecoversAsPlainDoesAndCostsNoMore(String version, Gone gone) throws Exception {
    Outcome plain = run(version, gone, Informer.PLAIN);
    assertThat(plain.faultsFired()).as("plain met the 410s: %s", plain).isEqualTo(gone.faults);
    for (Informer informer : List.of(Informer.CLIENT_JAVA_ON_SAFE, Informer.SAFE_INFORMER)) {
      Outcome safe = run(version, gone, informer);
      List<String> trades = new ArrayList<>();
      List<String> violations = judge(plain, safe, trades);
      synchronized (ROWS) {
        ROWS.add(new Row(version, gone, informer, plain, safe, trades, violations));
      }
      assertThat(safe.faultsFired())
          .as("%s met the 410s: %s", informer, safe)
          .isEqualTo(gone.faults);
      assertThat(safe.cache())
          .as("%s %s %s: cache as plain's", version, gone, informer)
          .isEqualTo(plain.cache());
      assertThat(safe.cache()).anyMatch(k -> k.startsWith("ns-0/" + MARKER + "@"));
      assertThat(safe.wire())
          .as("no request carries a parameter twice")
          .noneMatch(InformerHarmMatrixTest::repeatsAParameter);
      assertThat(violations)
          .as(
              "%s %s %s costs more than plain:%n plain %s%n safe  %s",
              version, gone, informer, plain, safe)
          .isEmpty();
    }
  }

  /**
   * Where a safe column may exceed plain's: the {@code /version} request SafeClient makes before
   * the first consistent LIST it decides on, and SC101's rewrite where etcd would serve the relist
   * (one probe: one request, one seat, for no storage read of the collection).
   */
  private static List<String> judge(Outcome plain, Outcome safe, List<String> trades) {
    long extraRequests = 0;
    long extraBytes = 0;
    long extraSeats = 0;
    double extraSeatSeconds = 0;
    if (safe.versionRequests() > 0) {
      trades.add("/version");
      extraRequests += safe.versionRequests();
      extraBytes += safe.versionBytes();
    }
    if (safe.storageObjects() < plain.storageObjects() && safe.probes() > 0) {
      trades.add("rewrite");
      extraRequests += safe.probes();
      extraSeats += safe.probes();
      extraBytes += safe.probeBytes();
      extraSeatSeconds += safe.probeSeatSeconds();
    }
    List<String> bad = new ArrayList<>();
    check(bad, "storage objects", plain.storageObjects(), safe.storageObjects(), 0);
    check(bad, "seats", plain.seats(), safe.seats(), extraSeats);
    if (safe.seatSeconds() > plain.seatSeconds() + extraSeatSeconds + 1e-9) {
      bad.add(
          String.format(
              Locale.ROOT,
              "seat-seconds %.4f > %.4f + %.4f",
              safe.seatSeconds(),
              plain.seatSeconds(),
              extraSeatSeconds));
    }
    check(bad, "bytes", plain.bytes(), safe.bytes(), extraBytes);
    check(bad, "requests", plain.requests(), safe.requests(), extraRequests);
    return bad;
  }

  private static void check(List<String> bad, String column, long plain, long safe, long allowed) {
    if (safe > plain + allowed) {
      bad.add(column + " " + safe + " > " + plain + (allowed > 0 ? " + " + allowed : ""));
    }
  }

  private static boolean repeatsAParameter(String requestLine) {
    int q = requestLine.indexOf('?');
    if (q < 0) {
      return false;
    }
    String query = requestLine.substring(q + 1).split(" ")[0];
    List<String> names = new ArrayList<>();
    for (String p : query.split("&")) {
      String name = p.contains("=") ? p.substring(0, p.indexOf('=')) : p;
      if (names.contains(name)) {
        return true;
      }
      names.add(name);
    }
    return false;
  }

  private static Outcome run(String version, Gone gone, Informer informer) throws Exception {
    VirtualTimeSource simClock = VirtualTimeSource.manual();
    try (KubeSim sim =
        KubeSim.builder()
            .serverVersion(version)
            .clock(simClock)
            .namespaces("ns-0", "ns-1", "ns-2")
            .kubeletDeletes(false)
            .faults(gone.script())
            .build()) {
      for (int i = 0; i < PODS_SEEDED; i++) {
        sim.create(PODS, pod("ns-" + (i % 3), "p-" + i));
      }
      ApiClient base = sim.apiClient();
      // Every request on the wire, /version included (KubeSim bills only API requests).
      List<String> wire = new java.util.concurrent.CopyOnWriteArrayList<>();
      long[] versionBytes = {0};
      base.setHttpClient(
          base.getHttpClient()
              .newBuilder()
              .addNetworkInterceptor(
                  chain -> {
                    okhttp3.Response r = chain.proceed(chain.request());
                    okhttp3.HttpUrl url = chain.request().url();
                    if (url.encodedPath().equals("/version")) {
                      synchronized (versionBytes) {
                        versionBytes[0] += Math.max(0, r.body().contentLength());
                      }
                    }
                    wire.add(
                        chain.request().method()
                            + " "
                            + url.encodedPath()
                            + (url.encodedQuery() == null ? "" : "?" + url.encodedQuery())
                            + " "
                            + r.code());
                    return r;
                  })
              .build());
      VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofDays(1));
      SafeClient safe =
          informer == Informer.PLAIN
              ? null
              : SafeClient.builder(base)
                  .userAgent("informer-test/1")
                  .clock(clock)
                  .mode(SafetyMode.ENFORCE)
                  .nodeName(null)
                  .build();
      ApiClient client = safe == null ? base : safe.apiClient();
      // The caller's own write, through the client under test: the pods are busy to it.
      new CoreV1Api(client)
          .createNamespacedPod(
              "ns-0",
              new V1Pod()
                  .metadata(new V1ObjectMeta().name("caller-write").labels(Map.of("app", "a")))
                  .spec(
                      new V1PodSpec()
                          .addContainersItem(new V1Container().name("c").image("busybox"))))
          .execute();
      long from = lastSequence(sim);
      sim.resetStats();
      wire.clear();
      synchronized (versionBytes) {
        versionBytes[0] = 0;
      }
      SharedInformerFactory clientJava = null;
      SafeInformerFactory safeFactory = null;
      SharedIndexInformer<V1Pod> inf;
      try {
        if (informer == Informer.SAFE_INFORMER) {
          safeFactory = new SafeInformerFactory(safe);
          inf =
              safeFactory.sharedIndexInformerFor(
                  V1Pod.class,
                  V1PodList.class,
                  "",
                  "v1",
                  "pods",
                  0,
                  InformerOptions.builder().startJitter(Duration.ZERO).build());
          safeFactory.startAllRegisteredInformers();
        } else {
          CoreV1Api api = new CoreV1Api(client);
          clientJava = new SharedInformerFactory(client);
          inf =
              clientJava.sharedIndexInformerFor(
                  params ->
                      api.listPodForAllNamespaces()
                          .resourceVersion(params.resourceVersion)
                          .timeoutSeconds(params.timeoutSeconds)
                          .watch(params.watch)
                          .buildCall(null),
                  V1Pod.class,
                  V1PodList.class);
          clientJava.startAllRegisteredInformers();
        }
        // Recovered: every 410 served, a later watch open. Only then is the marker made, so it
        // reaches every client the same way (a watch event), and the bills compare.
        await(
            "the informer watching again after the 410s",
            () ->
                sim.faultLog().size() >= gone.faults
                    && sim.stats().requests("watch", "pods") >= 2
                    && sim.stats().watchesOpen() == 1);
        sim.create(PODS, pod("ns-0", MARKER));
        SharedIndexInformer<V1Pod> i = inf;
        await(
            "the pod made after the 410 in the cache",
            () -> i.getIndexer().getByKey("ns-0/" + MARKER) != null);
        List<String> cache =
            inf.getIndexer().list().stream()
                .map(
                    p ->
                        p.getMetadata().getNamespace()
                            + "/"
                            + p.getMetadata().getName()
                            + "@"
                            + p.getMetadata().getResourceVersion())
                .sorted()
                .toList();
        // A watch's bill is complete when it ends: stop, then read the bill.
        if (clientJava != null) {
          clientJava.stopAllRegisteredInformers(true);
          clientJava = null;
        }
        if (safeFactory != null) {
          safeFactory.close();
          safeFactory = null;
        }
        // The server sees a client's close only when it next writes: it ends the stream itself.
        sim.closeWatches();
        await("the watch closed", () -> sim.stats().watchesOpen() == 0);
        KubeSimStats s = sim.stats();
        List<RequestLogEntry> billed =
            sim.requestLog().stream().filter(e -> e.sequence() > from).toList();
        List<String> sent = List.copyOf(wire);
        return new Outcome(
            cache,
            sim.faultLog().size(),
            s.objectsReadFromStorage(),
            s.seatsCharged(),
            s.seatSeconds(),
            s.bytesSent(),
            sent.size(),
            sent,
            sent.stream().filter(w -> w.startsWith("GET /version")).count(),
            versionBytes[0],
            billed.stream().filter(InformerHarmMatrixTest::isProbe).count(),
            billed.stream()
                .filter(InformerHarmMatrixTest::isProbe)
                .mapToLong(RequestLogEntry::bytes)
                .sum(),
            billed.stream()
                    .filter(InformerHarmMatrixTest::isProbe)
                    .mapToDouble(e -> e.seats() * e.serviceMillis())
                    .sum()
                / 1000.0);
      } finally {
        if (clientJava != null) {
          clientJava.stopAllRegisteredInformers(true);
        }
        if (safeFactory != null) {
          safeFactory.close();
        }
        if (safe != null) {
          safe.close();
        }
      }
    }
  }

  /** SC101's probe: a one-object LIST with no resourceVersion. */
  private static boolean isProbe(RequestLogEntry e) {
    String line = e.requestLine();
    return line.startsWith("GET ")
        && line.contains("limit=1")
        && !line.matches(".*limit=1\\d.*")
        && !line.contains("watch=");
  }

  private static long lastSequence(KubeSim sim) {
    List<RequestLogEntry> log = sim.requestLog();
    return log.isEmpty() ? 0 : log.get(log.size() - 1).sequence();
  }

  private static String pod(String ns, String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\""
        + ns
        + "\",\"labels\":{\"app\":\"a\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
        + "\"busybox\"}]}}";
  }

  private static void await(String what, BooleanSupplier condition) {
    // The informers' own clocks are virtual; what is awaited here comes on real sockets.
    Await.until(what, condition, Duration.ofSeconds(30));
  }

  @AfterAll
  static void writeResults() throws IOException {
    String target = System.getProperty("safeclient.harmMatrix");
    if (target == null || target.isBlank()) {
      return;
    }
    Path file = Path.of(target);
    String before = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    int at = before.indexOf(SECTION);
    String head = at < 0 ? before : before.substring(0, at);
    if (!head.isEmpty() && !head.endsWith("\n\n")) {
      head = head.endsWith("\n") ? head + "\n" : head + "\n\n";
    }
    Files.writeString(file, head + render(), StandardCharsets.UTF_8);
  }

  static String render() {
    List<Row> rows;
    synchronized (ROWS) {
      rows = List.copyOf(ROWS);
    }
    StringBuilder out = new StringBuilder();
    out.append(SECTION).append("\n\n");
    out.append(
        "An informer of all pods (300 seeded, then the caller's own write) meets a 410. Once it"
            + " watches again, one more pod is made; the cell ends when that pod is in the cache and"
            + " the informer is stopped (a watch's bill is complete when it ends). Each client runs against its own KubeSim with the same seed and the"
            + " same fault script; plain is client-java's SharedInformerFactory on the plain"
            + " ApiClient. Costs are KubeSim's bill from the informer's start to that point."
            + " `ok` means the cache equals plain's, name@resourceVersion for every pod.\n\n");
    long over = rows.stream().filter(r -> !r.violations().isEmpty()).count();
    out.append(
        "Trades: `rewrite` (the 1.30 trade above: client-java's empty-resourceVersion relist on"
            + " safe.apiClient(), for pods this process saw change, is a `limit=1` probe and a"
            + " not-older-than read from the watch cache, instead of an etcd read of every pod) and"
            + " `/version` (asked before the first consistent LIST SafeClient decides on). Cells"
            + " costing more than plain beyond them: "
            + over
            + ".\n\n");
    out.append(
        "| server | 410 | informer | result | storage objects plain→safe | seats | seat-s |"
            + " bytes | requests | trade |\n");
    out.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      Outcome p = r.plain();
      Outcome s = r.safe();
      String result = s.cache().equals(p.cache()) ? "ok, " + s.cache().size() + " pods" : "DIFFERS";
      if (!r.violations().isEmpty()) {
        result += "; costs more: " + String.join(", ", r.violations());
      }
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %d→%d | %d→%d | %.3f→%.3f | %d→%d | %d→%d | %s |%n",
              r.version(),
              r.gone().label,
              r.informer().label,
              result,
              p.storageObjects(),
              s.storageObjects(),
              p.seats(),
              s.seats(),
              p.seatSeconds(),
              s.seatSeconds(),
              p.bytes(),
              s.bytes(),
              p.requests(),
              s.requests(),
              String.join(", ", r.trades())));
    }
    return out.toString();
  }

  record Outcome(
      List<String> cache,
      int faultsFired,
      long storageObjects,
      long seats,
      double seatSeconds,
      long bytes,
      long requests,
      List<String> wire,
      long versionRequests,
      long versionBytes,
      long probes,
      long probeBytes,
      double probeSeatSeconds) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%d pods, storage %d, seats %d, seat-s %.4f, bytes %d, requests %d %s",
          cache.size(),
          storageObjects,
          seats,
          seatSeconds,
          bytes,
          requests,
          wire);
    }
  }

  record Row(
      String version,
      Gone gone,
      Informer informer,
      Outcome plain,
      Outcome safe,
      List<String> trades,
      List<String> violations) {}
}
