package dev.safeclient.examples;

import dev.safeclient.examples.FleetRehearsal.Result;
import dev.safeclient.examples.FleetRehearsal.Scenario;
import dev.safeclient.examples.FleetRehearsal.VersionRun;
import dev.safeclient.testing.fleet.ControlPlaneBill;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Prints a rehearsal's bills: the table, the warnings, the targets and the version view. */
final class FleetReport {
  /**
   * KubeSim's APF concurrency: --max-requests-inflight 400 + --max-mutating-requests-inflight 200.
   */
  static final int SERVER_SEATS = 600;

  static final String EXTRAPOLATED =
      "* extrapolated linearly from the sample: its measured per-agent cost × nodes / agents run"
          + " (every agent sends the same requests, so the cost is linear in N by construction).";

  private FleetReport() {}

  static void print(Result r, PrintStream out) {
    VersionRun main = r.versions().get(0);
    out.printf(
        Locale.ROOT,
        "What the simulated control plane (Kubernetes %s) paid for %,d node agents:%n%n",
        main.version(),
        r.options().nodes());
    table(main, out);
    out.println();
    out.println(EXTRAPOLATED);
    out.println(
        "  429s and the wall time are what the sample itself saw: APF admission is not linear.");
    ControlPlaneBill naive = main.bills().get(Scenario.NAIVE).extrapolatedToFleet();
    if (naive.extrapolated()) {
      out.printf(
          Locale.ROOT,
          "  At %,d agents the start alone asks for %,d APF seats within about a second, against"
              + " %,d on a default apiserver: expect 429s and retries there.%n",
          r.options().nodes(),
          naive.start().seats(),
          SERVER_SEATS);
    }
    for (VersionRun v : r.versions()) {
      v.bills()
          .forEach(
              (s, b) -> {
                if (b.failedPasses() > 0) {
                  out.printf(
                      Locale.ROOT,
                      "  NOTE (%s, scenario %s): %,d passes of the sample failed (429s or errors);"
                          + " the naive code does not retry until its next period.%n",
                      v.version(),
                      s.title,
                      b.failedPasses());
                }
                if (b.skippedPasses() > 0) {
                  out.printf(
                      Locale.ROOT,
                      "  WARNING (%s, scenario %s): %,d passes were skipped because the previous one"
                          + " was still running; this machine could not keep up with the scaled"
                          + " period, so the per-minute figures are too low. Use a smaller"
                          + " --time-scale.%n",
                      v.version(),
                      s.title,
                      b.skippedPasses());
                }
              });
    }
    out.println();
    warnings(main, out);
    out.println();
    verdict(r, main, out);
    if (r.versions().size() > 1) {
      out.println();
      versions(r, out);
    }
  }

  private static void table(VersionRun run, PrintStream out) {
    List<String[]> rows = new ArrayList<>();
    List<ControlPlaneBill> bills = new ArrayList<>();
    for (Scenario s : Scenario.values()) {
      bills.add(run.bills().get(s).extrapolatedToFleet());
    }
    rows.add(row("", bills, b -> "", Scenario.values()));
    rows.add(
        row(
            "agents run for real",
            bills,
            b ->
                b.extrapolated()
                    ? String.format(Locale.ROOT, "%,d of %,d", b.agentsRun(), b.nodes())
                    : String.format(Locale.ROOT, "all %,d", b.agentsRun()),
            null));
    rows.add(new String[] {"start, until all synced"});
    phaseRows(rows, bills, false);
    rows.add(new String[] {"steady state, per minute"});
    phaseRows(rows, bills, true);
    rows.add(
        row(
            "peak requests per second",
            bills,
            b ->
                count(
                    Math.max(
                        b.start().peakRequestsPerSecond(), b.perMinute().peakRequestsPerSecond()),
                    b),
            null));
    rows.add(
        row(
            "429s",
            bills,
            b ->
                String.format(
                        Locale.ROOT,
                        "%,d",
                        b.start().tooManyRequests() + b.perMinute().tooManyRequests())
                    + (b.extrapolated() ? " (sample)" : ""),
            null));
    rows.add(
        row(
            "wall time to all-synced",
            bills,
            b ->
                (b.allSynced() == null
                        ? String.format(
                            Locale.ROOT, "NOT SYNCED (%,d of %,d)", b.agentsSynced(), b.agentsRun())
                        : String.format(Locale.ROOT, "%.1f s", b.allSynced().toMillis() / 1000.0))
                    + (b.extrapolated() ? " (sample)" : ""),
            null));
    relayRows(run, rows, bills);
    print(rows, out);
  }

  /**
   * What scenario 4 measured with its agents still running; "-" where scenarios 1-3 did not measure
   * it. The API-server watches are open ones, in the steady window, of every scenario.
   */
  private static void relayRows(VersionRun run, List<String[]> rows, List<ControlPlaneBill> bills) {
    RelayFleet.Figures f = run.relays();
    ControlPlaneBill relayed = run.bills().get(Scenario.RELAYS);
    rows.add(new String[] {"relays and authentication"});
    rows.add(
        row(
            "  API-server watches open",
            bills,
            b -> count(b.steadyStats().watchesOpen(), b),
            null));
    rows.add(
        row(
            "  TokenReviews at start, per minute",
            bills,
            b ->
                b == relayed
                    ? String.format(
                        Locale.ROOT, "%,d, %,d", f.tokenReviewsAtStart(), f.tokenReviewsPerMinute())
                    : "-",
            null));
    rows.add(
        row(
            "  SubjectAccessReviews at start, per minute",
            bills,
            b ->
                b == relayed
                    ? String.format(
                        Locale.ROOT,
                        "%,d, %,d",
                        f.subjectAccessReviewsAtStart(),
                        f.subjectAccessReviewsPerMinute())
                    : "-",
            null));
    rows.add(
        row(
            "  write to handler, p50 / p99",
            bills,
            b ->
                b == relayed
                    ? String.format(
                        Locale.ROOT,
                        "%d / %d ms",
                        f.writeToHandlerPercentile(50),
                        f.writeToHandlerPercentile(99))
                    : "-",
            null));
    rows.add(
        row(
            "  requests after an API-server restart",
            bills,
            b -> b == relayed ? restart(f.apiServerRestart()) : "-",
            null));
    rows.add(
        row(
            "  requests after a relay restart",
            bills,
            b ->
                b == relayed
                    ? restart(f.relayRestart())
                        + (f.relayRestartedOnSamePort() ? "" : " (new port)")
                    : "-",
            null));
  }

  /**
   * Scenario 4's own figures, for a run without scenarios 1-3 (whose table needs every scenario):
   * the rows of "relays and authentication" in {@link #print}, one a line.
   */
  static void printRelayFigures(VersionRun run, PrintStream out) {
    RelayFleet.Figures f = run.relays();
    if (f == null) {
      return;
    }
    String v = run.version();
    out.printf(
        Locale.ROOT,
        "%s relays: API-server watches %d; TokenReviews at start %,d, per minute %,d;"
            + " SubjectAccessReviews at start %,d, per minute %,d; write to handler p50 / p99 %d /"
            + " %d ms%n",
        v,
        f.apiServerWatches(),
        f.tokenReviewsAtStart(),
        f.tokenReviewsPerMinute(),
        f.subjectAccessReviewsAtStart(),
        f.subjectAccessReviewsPerMinute(),
        f.writeToHandlerPercentile(50),
        f.writeToHandlerPercentile(99));
    out.printf(
        Locale.ROOT, "%s after an API-server restart: %s%n", v, restart(f.apiServerRestart()));
    out.printf(
        Locale.ROOT,
        "%s after a relay restart: %s%n",
        v,
        restart(f.relayRestart()) + (f.relayRestartedOnSamePort() ? "" : " (new port)"));
  }

  private static String restart(RelayFleet.Restart r) {
    return String.format(
            Locale.ROOT,
            "%,d (relays %,d: %d list, %d watch; %,d TR, %,d SAR)",
            r.requests(),
            r.relayRequests(),
            r.lists(),
            r.watches(),
            r.tokenReviews(),
            r.subjectAccessReviews())
        + (r.settled() ? "" : " NOT SETTLED");
  }

  private static void phaseRows(List<String[]> rows, List<ControlPlaneBill> bills, boolean steady) {
    Function<ControlPlaneBill, ControlPlaneBill.Phase> p =
        steady ? ControlPlaneBill::perMinute : ControlPlaneBill::start;
    rows.add(
        row(
            "  objects read from storage",
            bills,
            b -> count(p.apply(b).objectsReadFromStorage(), b),
            null));
    rows.add(
        row("  objects from the cache", bills, b -> count(p.apply(b).objectsFromCache(), b), null));
    rows.add(row("  bytes", bills, b -> bytes(p.apply(b).bytes()) + star(b), null));
    rows.add(row("  APF seats", bills, b -> count(p.apply(b).seats(), b), null));
    rows.add(row("  requests", bills, b -> count(p.apply(b).requests(), b), null));
  }

  private static String[] row(
      String label,
      List<ControlPlaneBill> bills,
      Function<ControlPlaneBill, String> cell,
      Scenario[] titles) {
    String[] r = new String[bills.size() + 1];
    r[0] = label;
    for (int i = 0; i < bills.size(); i++) {
      r[i + 1] = titles != null ? titles[i].title : cell.apply(bills.get(i));
    }
    return r;
  }

  private static void print(List<String[]> rows, PrintStream out) {
    int[] w = new int[Scenario.values().length + 1];
    for (String[] r : rows) {
      if (r.length == 1) {
        continue;
      }
      for (int i = 0; i < r.length; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      if (r.length == 1) {
        out.println(r[0]);
        continue;
      }
      StringBuilder b = new StringBuilder(pad(r[0], w[0], false));
      for (int i = 1; i < r.length; i++) {
        b.append("   ").append(pad(r[i], w[i], true));
      }
      out.println(b.toString().stripTrailing());
    }
  }

  private static void warnings(VersionRun run, PrintStream out) {
    ControlPlaneBill b = run.bills().get(Scenario.SAFE_CLIENT);
    out.printf(
        Locale.ROOT,
        "Warnings the safe client raised for the naive code (scenario 2, %,d agents):%n",
        b.agentsRun());
    if (run.naiveWarnings().entries().isEmpty()) {
      out.println("  none");
    }
    for (WarningTally.Entry e : run.naiveWarnings().entries()) {
      out.printf(
          Locale.ROOT,
          "  %s ×%,d at %s%n      %s%n",
          e.ruleId(),
          e.count(),
          e.callSite(),
          e.message());
      if (!e.request().isEmpty()) {
        out.printf(Locale.ROOT, "      request: %s%n", e.request());
      }
    }
    List<WarningTally.Entry> inf = run.informerWarnings().entries();
    out.printf(
        Locale.ROOT,
        "Warnings for the node-scoped informers (scenarios 3 and 4): %s%n",
        inf.isEmpty() ? "none" : inf.size() + " kinds, " + inf);
  }

  private static String storageWords(long naive, long safe) {
    if (naive == 0) {
      return "this server already serves consistent lists from the watch cache";
    }
    if (safe * 100 < naive) {
      return "SC101 reads from the watch cache";
    }
    return safe < naive
        ? "SC101 read part of them from the watch cache"
        : "SC101 sent the lists as they were";
  }

  private static void verdict(Result r, VersionRun run, PrintStream out) {
    ControlPlaneBill naive = run.bills().get(Scenario.NAIVE).extrapolatedToFleet();
    ControlPlaneBill safe = run.bills().get(Scenario.SAFE_CLIENT).extrapolatedToFleet();
    ControlPlaneBill inf = run.bills().get(Scenario.INFORMERS);
    out.println("What changed:");
    out.printf(
        Locale.ROOT,
        "  SafeClient (2 vs 1): objects read from storage per minute %s -> %s (%s), bytes per"
            + " minute %s -> %s (%s: every agent still downloads every pod; only the agent's"
            + " design fixes that).%n",
        count(naive.perMinute().objectsReadFromStorage(), naive),
        count(safe.perMinute().objectsReadFromStorage(), safe),
        storageWords(
            naive.perMinute().objectsReadFromStorage(), safe.perMinute().objectsReadFromStorage()),
        bytes(naive.perMinute().bytes()),
        bytes(safe.perMinute().bytes()),
        ratioWords(safe.perMinute().bytes(), naive.perMinute().bytes()));
    double bytesRatio = (double) naive.perMinute().bytes() / Math.max(1, inf.perMinute().bytes());
    out.printf(
        Locale.ROOT,
        "  Informers (3 vs 1): %,.0f× fewer bytes per minute; %,d pods in the agents' caches (%,d"
            + " in the cluster).%n",
        bytesRatio,
        run.podsInInformerCaches(),
        r.pods());
    out.println("Targets (scenario 2, per steady minute):");
    long naiveStorage = naive.perMinute().objectsReadFromStorage();
    long safeStorage = safe.perMinute().objectsReadFromStorage();
    if (naiveStorage > 0) {
      // The server reads consistent lists from etcd: SC101's rewrite must take that off etcd.
      out.printf(
          Locale.ROOT,
          "  objects read from storage under 1%% of scenario 1's: %.3f%% -> %s%n",
          100.0 * safeStorage / naiveStorage,
          safeStorage * 100 < naiveStorage ? "met" : "MISSED");
    }
    if (naiveStorage == 0) {
      out.printf(
          Locale.ROOT,
          "  APF seats no more than scenario 1's: %,d against %,d -> %s%n",
          safe.perMinute().seats(),
          naive.perMinute().seats(),
          safe.perMinute().seats() <= naive.perMinute().seats() ? "met" : "MISSED");
    } else {
      // Where the list reads etcd, the probe's seat is the known trade for the etcd reads saved.
      out.printf(
          Locale.ROOT,
          "  APF seats (no target where the server reads etcd): %,d against %,d%n",
          safe.perMinute().seats(),
          naive.perMinute().seats());
    }
    out.println("Targets (scenario 3):");
    long storage = inf.perMinute().objectsReadFromStorage();
    out.printf(
        Locale.ROOT,
        "  zero objects read from storage in steady state: %,d -> %s%n",
        storage,
        storage == 0 ? "met" : "MISSED");
    out.printf(
        Locale.ROOT,
        "  ≥ 100× fewer bytes per minute than scenario 1: %,.0f× -> %s%n",
        bytesRatio,
        bytesRatio >= 100 ? "met" : "MISSED");
    double synced =
        inf.allSynced() == null ? Double.POSITIVE_INFINITY : inf.allSynced().toMillis() / 1000.0;
    out.printf(
        Locale.ROOT,
        "  all %,d agents synced in under 60 s: %s -> %s%n",
        inf.agentsRun(),
        inf.allSynced() == null ? "not synced" : String.format(Locale.ROOT, "%.1f s", synced),
        synced < 60 ? "met" : "MISSED");
    ControlPlaneBill relayed = run.bills().get(Scenario.RELAYS);
    RelayFleet.Figures f = run.relays();
    out.println("Targets (scenario 4):");
    out.printf(
        Locale.ROOT,
        "  API-server watches = relays (%d), whatever the nodes: %,d -> %s%n",
        f.relays(),
        f.apiServerWatches(),
        f.apiServerWatches() == f.relays() ? "met" : "MISSED");
    out.printf(
        Locale.ROOT,
        "  lists and watches after an API-server restart ≤ relays × 3 (%d): %,d -> %s%n",
        f.relays() * 3,
        f.apiServerRestart().lists() + f.apiServerRestart().watches(),
        f.apiServerRestart().settled()
                && f.apiServerRestart().lists() + f.apiServerRestart().watches() <= f.relays() * 3L
            ? "met"
            : "MISSED");
    out.printf(
        Locale.ROOT,
        "  TokenReviews at start ≤ agents (%,d): %,d -> %s%n",
        relayed.agentsRun(),
        f.tokenReviewsAtStart(),
        f.tokenReviewsAtStart() <= relayed.agentsRun() ? "met" : "MISSED");
    out.printf(
        Locale.ROOT,
        "  every agent holds exactly its node's pods: %,d of %,d -> %s%n",
        f.agentsHoldingExactlyTheirPods(),
        relayed.agentsRun(),
        f.agentsHoldingExactlyTheirPods() == relayed.agentsRun() ? "met" : "MISSED");
    out.printf(
        Locale.ROOT,
        "  agents' own requests to the API server (none: they read through the relays): %,d%n",
        f.agentRequestsToApiServer());
  }

  private static void versions(Result r, PrintStream out) {
    out.println("The same scenarios by server version (steady state per minute, and start):");
    List<String[]> rows = new ArrayList<>();
    VersionRun first = r.versions().get(0);
    List<ControlPlaneBill> titles = new ArrayList<>();
    for (Scenario s : Scenario.values()) {
      titles.add(first.bills().get(s));
    }
    rows.add(row("", titles, b -> "", Scenario.values()));
    addVersionRows(
        rows, r, "storage reads / min", b -> count(b.perMinute().objectsReadFromStorage(), b));
    addVersionRows(rows, r, "cache reads / min", b -> count(b.perMinute().objectsFromCache(), b));
    addVersionRows(rows, r, "bytes / min", b -> bytes(b.perMinute().bytes()) + star(b));
    addVersionRows(rows, r, "APF seats / min", b -> count(b.perMinute().seats(), b));
    addVersionRows(
        rows, r, "storage reads at start", b -> count(b.start().objectsReadFromStorage(), b));
    addVersionRows(rows, r, "APF seats at start", b -> count(b.start().seats(), b));
    addVersionRows(
        rows,
        r,
        "429s",
        b ->
            String.format(
                    Locale.ROOT,
                    "%,d",
                    b.start().tooManyRequests() + b.perMinute().tooManyRequests())
                + (b.extrapolated() ? " (sample)" : ""));
    print(rows, out);
    out.println(
        "  1.30 serves a consistent LIST from etcd; from 1.31 from the watch cache once it is fresh,"
            + " and 1.34 charges APF seats by size (about 100 kB a seat, up to 100).");
  }

  private static void addVersionRows(
      List<String[]> rows, Result r, String label, Function<ControlPlaneBill, String> cell) {
    for (VersionRun v : r.versions()) {
      List<ControlPlaneBill> bills = new ArrayList<>();
      for (Scenario s : Scenario.values()) {
        bills.add(v.bills().get(s).extrapolatedToFleet());
      }
      rows.add(row(label + " (" + v.version() + ")", bills, cell, null));
    }
  }

  static String count(long n, ControlPlaneBill b) {
    return String.format(Locale.ROOT, "%,d", n) + star(b);
  }

  static String star(ControlPlaneBill b) {
    return b.extrapolated() ? "*" : "";
  }

  static String bytes(long n) {
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = n;
    int u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return u == 0
        ? String.format(Locale.ROOT, "%d B", n)
        : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static String ratioWords(long after, long before) {
    double f = (double) after / Math.max(1, before);
    if (f > 0.9 && f < 1.1) {
      return "the same";
    }
    return String.format(Locale.ROOT, "%.0f%% of it", f * 100);
  }

  private static String pad(String s, int w, boolean right) {
    String fill = " ".repeat(Math.max(0, w - s.length()));
    return right ? fill + s : s + fill;
  }
}
