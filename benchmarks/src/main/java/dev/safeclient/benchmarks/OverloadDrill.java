package dev.safeclient.benchmarks;

import dev.safeclient.core.SafeClient;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiFunction;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * The overload drill. N clients in one JVM each run the loop found in real agents: LIST pods, and
 * on any error log it and loop again at once. The server (MockWebServer on loopback) answers 429
 * {@code Retry-After: 1} with APF headers for the storm, then recovers. Run once with plain
 * client-java and once with safeclient, in one run, and report per client: requests per second
 * during the storm, and the time from recovery to its first success.
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.safeclient.benchmarks.OverloadDrill [clients] [stormSeconds]
 * </pre>
 *
 * Defaults: 500 clients, a 60 s storm; each phase stops 30 s after recovery at the latest.
 */
public final class OverloadDrill {
  static final String POD_LIST =
      "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"9\"},"
          + "\"items\":[{\"metadata\":{\"name\":\"p1\",\"namespace\":\"default\"}}]}";
  static final String TOO_MANY =
      "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
          + "\"message\":\"Too many requests, please try again later.\","
          + "\"reason\":\"TooManyRequests\",\"details\":{\"retryAfterSeconds\":1},\"code\":429}";

  /** After recovery, give up on a client after this long: the target is 15 s. */
  static final Duration RECOVERY_LIMIT = Duration.ofSeconds(30);

  record Result(
      String name,
      int clients,
      double stormSeconds,
      long stormRequests,
      double meanPerClientPerSecond,
      double maxPerClientPerSecond,
      int recovered,
      double p50RecoverySeconds,
      double maxRecoverySeconds,
      long errorsLogged) {}

  public static void main(String[] args) throws Exception {
    // Every 429 is logged by safeclient (SC202) and every breaker opening too: 500 clients would
    // drown the table in log lines.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int stormSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    warmUpDecoding();
    List<Result> results = new ArrayList<>();
    results.add(
        run(
            "plain client-java",
            clients,
            stormSeconds,
            (url, ua) -> {
              ApiClient c = new ApiClient();
              c.setBasePath(url);
              c.setUserAgent(ua);
              return c;
            }));
    results.add(
        run(
            "safeclient (defaults)",
            clients,
            stormSeconds,
            (url, ua) -> {
              ApiClient base = new ApiClient();
              base.setBasePath(url);
              return SafeClient.builder(base).userAgent(ua).build().apiClient();
            }));
    System.out.println();
    System.out.println(
        "| client | clients | storm | requests in storm | req/client/s (mean) | req/client/s"
            + " (max) | recovered | recovery p50 | recovery max | errors logged |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %.0f s | %d | %.2f | %.2f | %d/%d | %.1f s | %.1f s | %d |%n",
          r.name,
          r.clients,
          r.stormSeconds,
          r.stormRequests,
          r.meanPerClientPerSecond,
          r.maxPerClientPerSecond,
          r.recovered,
          r.clients,
          r.p50RecoverySeconds,
          r.maxRecoverySeconds,
          r.errorsLogged);
    }
  }

  /**
   * client-java builds its Gson adapters for a type on first use, per thread until one finishes:
   * 500 threads decoding their first PodList at the same instant take over a minute on two cores.
   * That is a cold start, not recovery, so both phases start warm.
   */
  static void warmUpDecoding() throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.enqueue(
          new MockResponse.Builder()
              .code(200)
              .addHeader("Content-Type", "application/json")
              .body(POD_LIST)
              .build());
      server.start();
      ApiClient c = new ApiClient();
      c.setBasePath(server.url("/").toString().replaceAll("/$", ""));
      new CoreV1Api(c).listNamespacedPod("default").execute();
    }
  }

  static Result run(
      String name, int clients, int stormSeconds, BiFunction<String, String, ApiClient> factory)
      throws Exception {
    System.out.println("== " + name + ": " + clients + " clients, " + stormSeconds + " s storm");
    long stormNanos = Duration.ofSeconds(stormSeconds).toNanos();
    AtomicLong stormStart = new AtomicLong(Long.MAX_VALUE);
    ConcurrentHashMap<String, AtomicLong> stormRequestsByClient = new ConcurrentHashMap<>();
    AtomicLong stormRequests = new AtomicLong();
    ConcurrentHashMap<Long, AtomicLong> okBySecond = new ConcurrentHashMap<>();
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              long now = System.nanoTime();
              if (now - stormStart.get() < stormNanos) {
                stormRequests.incrementAndGet();
                String client = request.getHeaders().get("User-Agent");
                if (client != null) {
                  stormRequestsByClient
                      .computeIfAbsent(client, k -> new AtomicLong())
                      .incrementAndGet();
                }
                return new MockResponse.Builder()
                    .code(429)
                    .addHeader("Content-Type", "application/json")
                    .addHeader("Retry-After", "1")
                    .addHeader("X-Kubernetes-PF-FlowSchema-UID", "drill-flow")
                    .addHeader("X-Kubernetes-PF-PriorityLevel-UID", "drill-pl")
                    .body(TOO_MANY)
                    .build();
              }
              long second = (now - stormStart.get()) / 1_000_000_000L;
              okBySecond.computeIfAbsent(second, k -> new AtomicLong()).incrementAndGet();
              return new MockResponse.Builder()
                  .code(200)
                  .addHeader("Content-Type", "application/json")
                  .body(POD_LIST)
                  .build();
            }
          });
      server.start();
      String url = server.url("/").toString().replaceAll("/$", "");

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLongArray firstSuccessAfterStorm = new AtomicLongArray(clients);
      AtomicLong errors = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      long start = System.nanoTime();
      stormStart.set(start);
      long stormEnd = start + stormNanos;
      for (int i = 0; i < clients; i++) {
        int id = i;
        ApiClient client = factory.apply(url, "drill-" + id);
        CoreV1Api api = new CoreV1Api(client);
        Thread t =
            new Thread(
                () -> {
                  while (!stop.get()) { // the naive loop
                    try {
                      api.listNamespacedPod("default").execute();
                      long now = System.nanoTime();
                      if (now >= stormEnd) {
                        firstSuccessAfterStorm.compareAndSet(id, 0, now);
                      }
                    } catch (Exception e) {
                      errors.incrementAndGet(); // "log it" (counted: 500 consoles are unreadable)
                    }
                  }
                },
                "drill-" + name.charAt(0) + "-" + i);
        t.setDaemon(true);
        threads.add(t);
      }
      // MockWebServer keeps every request it saw until taken: drain them, or a plain-client storm
      // fills the heap.
      Thread drain =
          new Thread(
              () -> {
                try {
                  while (!stop.get()) {
                    server.takeRequest(100, TimeUnit.MILLISECONDS);
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "drill-drain");
      drain.setDaemon(true);
      drain.start();
      threads.forEach(Thread::start);

      long deadline = stormEnd + RECOVERY_LIMIT.toNanos();
      while (System.nanoTime() < deadline) {
        Thread.sleep(500);
        if (System.nanoTime() > stormEnd && allSet(firstSuccessAfterStorm)) {
          break;
        }
      }
      stop.set(true);
      for (Thread t : threads) {
        t.join(Duration.ofSeconds(70).toMillis());
      }

      double[] perClient = new double[clients];
      for (int i = 0; i < clients; i++) {
        AtomicLong n = stormRequestsByClient.get("drill-" + i);
        perClient[i] = (n == null ? 0 : n.get()) / (double) stormSeconds;
      }
      double mean = Arrays.stream(perClient).average().orElse(0);
      double max = Arrays.stream(perClient).max().orElse(0);
      List<Double> recoveries = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        long t = firstSuccessAfterStorm.get(i);
        if (t != 0) {
          recoveries.add((t - stormEnd) / 1e9);
        }
      }
      recoveries.sort(Double::compare);
      double p50 = recoveries.isEmpty() ? Double.NaN : recoveries.get(recoveries.size() / 2);
      double maxRec = recoveries.isEmpty() ? Double.NaN : recoveries.get(recoveries.size() - 1);
      Result r =
          new Result(
              name,
              clients,
              stormSeconds,
              stormRequests.get(),
              mean,
              max,
              recoveries.size(),
              p50,
              maxRec,
              errors.get());
      System.out.println(r);
      System.out.println(
          "  200s served per second after the storm: "
              + new java.util.TreeMap<>(okBySecond)
                  .entrySet().stream()
                      .map(e -> "+" + (e.getKey() - stormSeconds) + "s:" + e.getValue())
                      .toList());
      return r;
    }
  }

  private static boolean allSet(AtomicLongArray a) {
    for (int i = 0; i < a.length(); i++) {
      if (a.get(i) == 0) {
        return false;
      }
    }
    return true;
  }
}
