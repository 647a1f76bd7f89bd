package dev.safeclient.testing.fidelity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import dev.safeclient.testing.fidelity.FidelityDiff.Difference;
import dev.safeclient.testing.internal.RealApiserver;
import dev.safeclient.testing.internal.RealApiserver.Identity;
import dev.safeclient.testing.internal.RealApiserverExtension;
import dev.safeclient.testing.internal.RealApiserverTest;
import dev.safeclient.testing.internal.RealServerBill;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * KubeSim's fidelity, measured as a difference: the same calls ({@link FidelityReplay}) replayed
 * against KubeSim and against a real kube-apiserver of the same release, every exchange recorded on
 * the wire and compared ({@link FidelityDiff}). The differences per area are the committed {@code
 * benchmarks/results/kubesim-fidelity.md}; this test fails when an area's count grows past that
 * file's. With {@code -Dsafeclient.fidelity.write=true} it rewrites the file instead.
 */
@RealApiserverTest
class KubeSimFidelityTest {
  static final String RESULTS = "benchmarks/results/kubesim-fidelity.md";
  static final String WRITE_PROPERTY = "safeclient.fidelity.write";
  static final List<String> PINS = List.of("v1.30", "v1.34");

  /** {@code | area | v1.30 | v1.34 |} rows of the committed table. */
  private static final Pattern ROW = Pattern.compile("^\\| ([a-z-]+) \\| (\\d+) \\| (\\d+) \\|$");

  @Test
  void kubeSimDiffersFromARealServerNoMoreThanTheCommittedCounts() throws Exception {
    Map<String, List<Difference>> byPin = new LinkedHashMap<>();
    for (String pin : PINS) {
      RealApiserverExtension.requireAvailable(pin);
      byPin.put(pin, measure(pin));
    }
    Map<String, Map<String, Integer>> counts = counts(byPin);
    Path results = repositoryRoot().resolve(RESULTS);
    if (Boolean.getBoolean(WRITE_PROPERTY)) {
      Files.writeString(results, report(byPin, counts), StandardCharsets.UTF_8);
      System.out.println("[fidelity] wrote " + results);
      return;
    }
    Map<String, Map<String, Integer>> baseline = baseline(results);
    List<String> grown = new ArrayList<>();
    counts.forEach(
        (area, perPin) ->
            perPin.forEach(
                (pin, n) -> {
                  int allowed = baseline.getOrDefault(area, Map.of()).getOrDefault(pin, 0);
                  if (n > allowed) {
                    grown.add(
                        area + " on " + pin + ": " + n + " differences, committed " + allowed);
                  } else if (n < allowed) {
                    System.out.println(
                        "[fidelity] "
                            + area
                            + " on "
                            + pin
                            + " improved: "
                            + n
                            + " < "
                            + allowed
                            + "; regenerate "
                            + RESULTS);
                  }
                }));
    byPin.forEach(
        (pin, diffs) ->
            diffs.forEach(
                d -> System.out.println("[fidelity] " + pin + " " + d.name() + ": " + d.detail())));
    assertThat(grown).as("areas where KubeSim now differs more from a real server").isEmpty();
  }

  /** Replays against KubeSim and a fresh real server of {@code pin}, and compares. */
  private static List<Difference> measure(String pin) throws Exception {
    List<Exchange> sim;
    try (KubeSim kubeSim = KubeSim.builder().serverVersion(pin.substring(1)).build();
        RecordingProxy proxy = new RecordingProxy(kubeSim.url(), null, null)) {
      new FidelityReplay(proxy, (resource, call) -> kubeSimServing(kubeSim, resource, call)).run();
      sim = proxy.exchanges();
    }
    List<Exchange> real;
    // A server of its own: a shared one would carry other tests' objects into the lists.
    try (RealApiserver server = RealApiserver.start(pin, RealApiserver.Options.defaults());
        RecordingProxy proxy =
            new RecordingProxy(server.url(), server.sslContext(), server.token(Identity.SA_USER))) {
      new FidelityReplay(proxy, (resource, call) -> realServing(server, resource, call)).run();
      real = proxy.exchanges();
    }
    return FidelityDiff.compare(sim, real);
  }

  /** KubeSim's own account of the list: where its model served it, and the seats it charged. */
  private static String kubeSimServing(KubeSim sim, String resource, Runnable call) {
    call.run();
    List<RequestLogEntry> log = sim.requestLog();
    for (int i = log.size() - 1; i >= 0; i--) {
      RequestLogEntry e = log.get(i);
      if (e.requestLine().startsWith("GET ") && e.requestLine().contains("/" + resource)) {
        // The cache's snapshot is still the watch cache to the server's metrics.
        String from = e.servedFrom().equals("cache-snapshot") ? "watch-cache" : e.servedFrom();
        return "served from " + (from.isEmpty() ? "nowhere" : from) + ", " + e.seats() + " seats";
      }
    }
    return "not served";
  }

  /**
   * The real server's account, from its {@code /metrics} before and after the call (read as admin,
   * which APF exempts, so the difference is the call's alone): a list the watch cache answered
   * counts in {@code apiserver_cache_list_total}; one etcd answered is an etcd range request. Seats
   * are APF's estimate for the service-account user's request.
   */
  private static String realServing(RealApiserver server, String resource, Runnable call) {
    RealServerBill before = server.bill();
    call.run();
    RealServerBill d = server.bill().minus(before);
    String from =
        d.cacheLists(resource) > 0
            ? "watch-cache"
            : d.etcdRequests(resource, "list") > 0
                ? "etcd"
                // A list selecting one name by metadata.name is a read of that one key
                // (registry Store.ListPredicate, MatchesSingle).
                : d.etcdRequests(resource, "get") > 0 ? "etcd" : "nowhere";
    long seats = Math.round(d.seats("workload-low"));
    return "served from " + from + ", " + seats + " seats";
  }

  /** area -> pin -> number of differences, every area of every pin present. */
  private static Map<String, Map<String, Integer>> counts(Map<String, List<Difference>> byPin) {
    TreeSet<String> areas = new TreeSet<>(FidelityReplay.AREAS);
    byPin.values().forEach(ds -> ds.forEach(d -> areas.add(d.area())));
    Map<String, Map<String, Integer>> out = new TreeMap<>();
    for (String area : areas) {
      Map<String, Integer> perPin = new TreeMap<>();
      for (String pin : PINS) {
        perPin.put(
            pin,
            (int)
                byPin.getOrDefault(pin, List.of()).stream()
                    .filter(d -> d.area().equals(area))
                    .count());
      }
      out.put(area, perPin);
    }
    return out;
  }

  static Map<String, Map<String, Integer>> baseline(Path results) throws IOException {
    Map<String, Map<String, Integer>> out = new TreeMap<>();
    if (!Files.exists(results)) {
      return out;
    }
    for (String line : Files.readAllLines(results, StandardCharsets.UTF_8)) {
      Matcher m = ROW.matcher(line.trim());
      if (m.matches()) {
        out.put(
            m.group(1),
            Map.of(
                PINS.get(0),
                Integer.parseInt(m.group(2)),
                PINS.get(1),
                Integer.parseInt(m.group(3))));
      }
    }
    return out;
  }

  private static String report(
      Map<String, List<Difference>> byPin, Map<String, Map<String, Integer>> counts) {
    StringBuilder b = new StringBuilder();
    b.append("# KubeSim fidelity: differences from a real kube-apiserver\n\n");
    String branch = git("rev-parse", "--abbrev-ref", "HEAD");
    b.append("Measured on branch `")
        .append(branch)
        .append("` at commit `")
        .append(git("rev-parse", "--short", "HEAD"))
        .append("`")
        .append(branch.equals("main") ? "" : ", not main")
        .append(git("status", "--porcelain").isEmpty() ? "" : " (with uncommitted changes)")
        .append(". Regenerate (about 2 minutes with cached binaries):\n\n");
    b.append("```\nmvn -B -P real-apiserver -pl safeclient-testing -am package")
        .append(" -Dtest=KubeSimFidelityTest -Dsurefire.failIfNoSpecifiedTests=false")
        .append(" -D")
        .append(WRITE_PROPERTY)
        .append("=true\n```\n\n");
    b.append(
        "The same calls (`FidelityReplay`: raw HTTP, client-java 27, fabric8 7.9.0's typed DSL, a"
            + " fabric8 watch and informer over HTTP and again over WebSocket, fabric8's default)"
            + " go through a recording proxy to KubeSim and to"
            + " a real server of the same release (`realserver/`, 1.30.14 and 1.34.2). Each pair"
            + " of exchanges is compared (`FidelityDiff`): status code; body and Status after"
            + " normalising uid, timestamps, resourceVersions, continue tokens, managedFields,"
            + " generated name suffixes, numbers in Status messages, and the order of unpaged list"
            + " items and of a watch's initial ADDED events; the `Content-Type`, `Warning` and"
            + " `Retry-After` headers; a watch's events; and, for the list forms the serving model"
            + " covers (area `serving`), where each list was served and APF's seats (real: its"
            + " `/metrics`; KubeSim: its request log). One difference = one aspect of one"
            + " exchange: each key, value or array element in which two bodies (or two watches'"
            + " events) differ counts once; arrays of named elements pair by name, and their"
            + " order counts once more. A request sent to one server only counts once.\n\n");
    b.append(
        "The counts grew from main's 167 per release at `ba2148e` because more is counted, not"
            + " because KubeSim got worse: until then a body counted only its first difference,"
            + " and fabric8's watch and informer ran over HTTP only.\n\n");
    b.append(
        "`KubeSimFidelityTest` (profile `real-apiserver`) fails when an area's count grows past"
            + " this table; lower counts after a KubeSim fix are taken by regenerating the file.\n\n");
    b.append("| area | ").append(String.join(" | ", PINS)).append(" |\n");
    b.append("|---|").append("---|".repeat(PINS.size())).append("\n");
    int[] totals = new int[PINS.size()];
    counts.forEach(
        (area, perPin) -> {
          b.append("| ").append(area).append(" |");
          for (int i = 0; i < PINS.size(); i++) {
            int n = perPin.get(PINS.get(i));
            totals[i] += n;
            b.append(" ").append(n).append(" |");
          }
          b.append("\n");
        });
    b.append("\nTotal:");
    for (int i = 0; i < PINS.size(); i++) {
      b.append(" ").append(PINS.get(i)).append(" ").append(totals[i]);
      b.append(i + 1 < PINS.size() ? "," : ".");
    }
    b.append("\n\n## Differences by name\n");
    byPin.forEach(
        (pin, diffs) -> {
          b.append("\n### ").append(pin).append("\n\n");
          for (Difference d : diffs) {
            b.append("- `")
                .append(d.name().replace('`', '\''))
                .append("`: ")
                .append(d.detail().replace('`', '\'').replace("|", "\\|"))
                .append("\n");
          }
        });
    return b.toString();
  }

  private static String git(String... args) {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(repositoryRoot().toFile())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? out : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /** The directory above the module that holds {@code benchmarks/results}. */
  static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("benchmarks/results"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "no benchmarks/results above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
