package dev.safeclient.examples;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.UnsafeRequestException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.FileReader;
import java.io.PrintStream;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockWebServer;
import okhttp3.Response;

/**
 * The same unsafe calls, made through the official {@link CoreV1Api}, in OBSERVE, ENFORCE and
 * STRICT, printing the requests that actually went out and the warnings.
 *
 * <p>It runs against a MockWebServer it starts itself, or against the cluster in {@code KUBECONFIG}
 * when that is set; then it only reads, in namespace {@code default} (or the first argument), and
 * skips the cluster-wide node-agent call.
 */
public final class CoreDemo {
  private final List<String> wire = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final ApiClient base;
  private final String namespace;
  private final boolean simulated;
  private final PrintStream out;

  private CoreDemo(ApiClient base, String namespace, boolean simulated, PrintStream out) {
    this.out = out;
    this.namespace = namespace;
    this.simulated = simulated;
    // Every request that reaches the network, after the safety pipeline rewrote it.
    base.setHttpClient(
        base.getHttpClient()
            .newBuilder()
            .addNetworkInterceptor(
                chain -> {
                  String q = chain.request().url().encodedQuery();
                  wire.add(
                      chain.request().method()
                          + " "
                          + chain.request().url().encodedPath()
                          + (q == null ? "" : "?" + q));
                  return chain.proceed(chain.request());
                })
            .build());
    this.base = base;
  }

  public static void main(String[] args) throws Exception {
    // The listener prints each warning below; keep the slf4j copy of them out of the demo output.
    System.setProperty("org.slf4j.simpleLogger.log.dev.safeclient.warnings", "off");
    String namespace = args.length > 0 ? args[0] : "default";
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig != null && !kubeconfig.isBlank()) {
      String first = kubeconfig.split(java.io.File.pathSeparator)[0];
      System.out.println("Against the cluster in " + first + " (read-only calls)");
      try (Reader r = new FileReader(first)) {
        ApiClient base = ClientBuilder.kubeconfig(KubeConfig.loadKubeConfig(r)).build();
        new CoreDemo(base, namespace, false, System.out).runAllModes();
        shutdown(base);
      }
      return;
    }
    runSimulated(namespace, System.out);
  }

  /** The demo against a mock API server it starts and stops itself. */
  static void runSimulated(String namespace, PrintStream out) throws Exception {
    try (MockWebServer server = new MockWebServer()) {
      server.setDispatcher(new DemoApiServer());
      server.start();
      out.println("Against a mock API server at " + server.url("/"));
      ApiClient base = new ApiClient();
      base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
      base.setApiKeyPrefix("Bearer");
      base.setApiKey("demo-token");
      new CoreDemo(base, namespace, true, out).runAllModes();
      shutdown(base);
    }
  }

  private void runAllModes() throws Exception {
    for (SafetyMode mode : SafetyMode.values()) {
      out.println();
      out.println("=== " + mode + " ===");
      SafeClient.Builder builder =
          SafeClient.builder(base)
              .mode(mode)
              .listPageSize(3)
              .warningListener(w -> warnings.add(w.ruleId() + " " + w.message()));
      if (mode != SafetyMode.OBSERVE) {
        builder.userAgent("core-demo/1.0"); // OBSERVE shows SC108, the others name themselves
      }
      if (simulated) {
        builder.nodeName("node-1"); // as a DaemonSet pod would get it from NODE_NAME
      }
      SafeClient safe = builder.build();
      flush("build() without userAgent(...)");
      runCalls(safe);
    }
  }

  private void runCalls(SafeClient safe) throws Exception {
    CoreV1Api core = new CoreV1Api(safe.apiClient());
    if (simulated) {
      call(
          "a node agent lists every pod in the cluster",
          () -> core.listPodForAllNamespaces().execute().getItems().size() + " pods");
    }
    call(
        "list pods of one namespace",
        () -> core.listNamespacedPod(namespace).execute().getItems().size() + " pods");
    call(
        "list running pods by field selector",
        () ->
            core.listNamespacedPod(namespace)
                    .fieldSelector("status.phase=Running")
                    .execute()
                    .getItems()
                    .size()
                + " pods");
    call(
        "watch pods without bookmarks or timeout",
        () -> {
          try (Response r =
              core.listNamespacedPod(namespace).watch(true).buildCall(null).execute()) {
            return "HTTP " + r.code();
          }
        });
    call(
        "consistent list of nodes (consistentApiClient)",
        () ->
            new CoreV1Api(safe.consistentApiClient()).listNode().execute().getItems().size()
                + " nodes");
  }

  private interface DemoCall {
    String run() throws Exception;
  }

  private void call(String title, DemoCall call) {
    String outcome;
    try {
      outcome = call.run();
    } catch (ApiException e) {
      outcome = rejection(e);
    } catch (UnsafeRequestException e) { // a raw call (as Watch makes) is not wrapped
      outcome = "rejected " + e.ruleIds();
    } catch (Exception e) {
      outcome = "failed: " + e;
    }
    flush(title + " -> " + outcome);
  }

  private static String rejection(ApiException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnsafeRequestException u) {
        return "rejected " + u.ruleIds();
      }
    }
    return "HTTP " + e.getCode() + " " + e.getMessage();
  }

  private void flush(String title) {
    if (wire.isEmpty() && warnings.isEmpty()) {
      return;
    }
    out.println(title);
    wire.forEach(r -> out.println("   sent  " + r));
    if (wire.isEmpty()) {
      out.println("   sent  nothing");
    }
    warnings.forEach(w -> out.println("   warn  " + w));
    wire.clear();
    warnings.clear();
  }

  /** OkHttp's threads would keep exec:java waiting for a minute. */
  private static void shutdown(ApiClient base) {
    base.getHttpClient().dispatcher().executorService().shutdown();
    base.getHttpClient().connectionPool().evictAll();
  }
}
