package dev.safeclient.examples;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.examples.FleetRehearsal.FleetOptions;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.FileReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * The rehearsal against a real cluster, read-only: one agent of each kind runs once, a network
 * interceptor on the plain client counts its requests and the bytes the server sent, and the
 * figures are multiplied by N. A real server does not tell a client what it read from storage or
 * what APF charged; for those, rehearse on KubeSim.
 */
final class RealClusterRehearsal {
  /** The fleet size the figures are extrapolated to when {@code --nodes} is not given. */
  static final int DEFAULT_FLEET = 5_000;

  /** Requests and response bytes of one agent. */
  record Usage(long requests, long bytes) {
    Usage times(double f) {
      return new Usage(Math.round(requests * f), Math.round(bytes * f));
    }
  }

  /** What one agent of each kind cost. */
  record Measurement(
      int fleet,
      String node,
      Usage naivePass,
      Usage safeClientPass,
      Usage informerStart,
      Usage informerPerMinute,
      Duration observed) {}

  private RealClusterRehearsal() {}

  static Measurement run(FleetOptions o, PrintStream out) throws Exception {
    ApiClient base;
    try (Reader r = new FileReader(o.kubeconfig())) {
      base = ClientBuilder.kubeconfig(KubeConfig.loadKubeConfig(r)).build();
    }
    out.println("Against the cluster in " + o.kubeconfig() + " (read-only)");
    int fleet = o.nodesGiven() ? o.nodes() : DEFAULT_FLEET;
    return run(base, fleet, o.node(), o.observe(), out);
  }

  static Measurement run(
      ApiClient base, int fleet, String nodeName, Duration observe, PrintStream out)
      throws Exception {
    WireMeter meter = new WireMeter();
    // On the plain client, so every view built on it (SafeClient's pipeline, the informer's
    // watches) is counted after the rewrites, as the server sees it.
    base.setHttpClient(
        base.getHttpClient()
            .newBuilder()
            .readTimeout(Duration.ZERO) // watches stay quiet between events
            .addNetworkInterceptor(meter)
            .build());
    String node = nodeName != null ? nodeName : firstNode(base);

    meter.reset();
    new NaiveNodeAgent(base).listAllPods();
    Usage naive = meter.usage();

    WarningTally warnings = new WarningTally();
    SafeClient safe =
        SafeClient.builder(base)
            .mode(SafetyMode.ENFORCE)
            .nodeName(node)
            .warningListener(warnings)
            .build();
    meter.reset();
    new NaiveNodeAgent(safe.apiClient()).listAllPods();
    Usage safeClient = meter.usage();

    meter.reset();
    TimeSource clock = TimeSource.system();
    Usage start;
    Usage perMinute;
    try (NodeScopedAgent agent = new NodeScopedAgent(base, node, clock, w -> {})) {
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      // The start is the list and the watch after it: an informer reports synced once its list
      // is in, a moment before its watch goes out.
      while ((!agent.synced() || meter.watches() == 0) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      if (!agent.synced() || meter.watches() == 0) {
        throw new IOException(
            "the node-scoped informer did not sync and start watching within 2 minutes");
      }
      start = meter.usage();
      meter.reset();
      Thread.sleep(observe.toMillis());
      perMinute = meter.usage().times(60_000.0 / observe.toMillis());
    } finally {
      clock.close();
    }
    Measurement m = new Measurement(fleet, node, naive, safeClient, start, perMinute, observe);
    print(m, warnings, out);
    return m;
  }

  private static String firstNode(ApiClient base) throws Exception {
    V1NodeList nodes = new CoreV1Api(base).listNode().limit(1).execute();
    if (nodes.getItems().isEmpty()) {
      throw new IOException("the cluster lists no nodes; give one with --node");
    }
    return nodes.getItems().get(0).getMetadata().getName();
  }

  private static void print(Measurement m, WarningTally warnings, PrintStream out) {
    double n = m.fleet();
    out.printf(
        Locale.ROOT,
        "One agent of each kind, measured on the wire, then × %,d (extrapolated linearly: every"
            + " agent sends the same requests). The informer watched node %s for %d s.%n%n",
        m.fleet(),
        m.node(),
        m.observed().toSeconds());
    String fmt = "%-42s %14s %14s %16s %16s%n";
    out.printf(Locale.ROOT, fmt, "", "requests", "bytes", "requests × N", "bytes × N");
    line(out, fmt, "1 naive: start (one full list)", m.naivePass(), n);
    line(out, fmt, "1 naive: per minute (lists every 60 s)", m.naivePass(), n);
    line(out, fmt, "2 SafeClient: start", m.safeClientPass(), n);
    line(out, fmt, "2 SafeClient: per minute", m.safeClientPass(), n);
    line(out, fmt, "3 node-scoped informer: start", m.informerStart(), n);
    line(out, fmt, "3 node-scoped informer: per minute", m.informerPerMinute(), n);
    out.println();
    out.println("Warnings the safe client raised for the naive code:");
    for (WarningTally.Entry e : warnings.entries()) {
      out.printf(Locale.ROOT, "  %s at %s: %s%n", e.ruleId(), e.callSite(), e.message());
    }
    out.println(
        "Storage reads and APF seats are not visible to a client: rehearse on KubeSim for those.");
  }

  private static void line(PrintStream out, String fmt, String label, Usage u, double n) {
    Usage all = u.times(n);
    out.printf(
        Locale.ROOT,
        fmt,
        label,
        String.format(Locale.ROOT, "%,d", u.requests()),
        FleetReport.bytes(u.bytes()),
        String.format(Locale.ROOT, "%,d*", all.requests()),
        FleetReport.bytes(all.bytes()) + "*");
  }

  /** Counts requests and response body bytes as they come off the network. */
  static final class WireMeter implements Interceptor {
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong watches = new AtomicLong();

    void reset() {
      requests.set(0);
      bytes.set(0);
      watches.set(0);
    }

    /** Watch requests sent since the last reset. */
    long watches() {
      return watches.get();
    }

    Usage usage() {
      return new Usage(requests.get(), bytes.get());
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      requests.incrementAndGet();
      String watch = chain.request().url().queryParameter("watch");
      if ("true".equals(watch) || "1".equals(watch)) {
        watches.incrementAndGet();
      }
      Response response = chain.proceed(chain.request());
      ResponseBody body = response.body();
      return response.newBuilder().body(new CountingBody(body, bytes)).build();
    }
  }

  private static final class CountingBody extends ResponseBody {
    private final ResponseBody delegate;
    private final BufferedSource source;

    CountingBody(ResponseBody delegate, AtomicLong bytes) {
      this.delegate = delegate;
      this.source =
          Okio.buffer(
              new ForwardingSource(delegate.source()) {
                @Override
                public long read(Buffer sink, long byteCount) throws IOException {
                  long n = super.read(sink, byteCount);
                  if (n > 0) {
                    bytes.addAndGet(n);
                  }
                  return n;
                }
              });
    }

    @Override
    public MediaType contentType() {
      return delegate.contentType();
    }

    @Override
    public long contentLength() {
      return delegate.contentLength();
    }

    @Override
    public BufferedSource source() {
      return source;
    }
  }
}
