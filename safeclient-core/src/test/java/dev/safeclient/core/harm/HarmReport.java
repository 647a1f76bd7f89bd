package dev.safeclient.core.harm;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.harm.HarmMatrixTest.Outcome;
import dev.safeclient.core.harm.HarmMatrixTest.Row;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** Renders the matrix's rows as {@code benchmarks/results/harm-matrix.md}. */
final class HarmReport {
  private HarmReport() {}

  /**
   * Both halves: the calls (this module) and the informers (safeclient-informer, which appends its
   * section), in one reactor run.
   */
  static final String COMMAND =
      "mvn -B -o -pl safeclient-informer -am package -Dspotless.check.skip=true"
          + " -Dtest='HarmMatrixTest,InformerHarmMatrixTest' -Dsurefire.failIfNoSpecifiedTests=false"
          + " -Dsafeclient.harmMatrix=$PWD/benchmarks/results/harm-matrix.md";

  static String render(List<Row> rows) {
    StringBuilder out = new StringBuilder();
    out.append("# Harm matrix: plain client-java 27 vs SafeClient, per cell\n\n");
    out.append("Measured at commit `").append(commit()).append("`");
    out.append(" on KubeSim (virtual clock), by:\n\n```\n").append(COMMAND).append("\n```\n\n");
    out.append(
        "Each cell runs the same call through plain client-java and through SafeClient in OBSERVE,"
            + " ENFORCE and STRICT, each against a fresh KubeSim seeded with the same objects in"
            + " the same order. Costs are KubeSim's bill of the measured call only (seeding and the"
            + " caller's own write before it are not billed): objects read from storage (etcd),"
            + " APF seats and seat-seconds, bytes sent, and requests on the wire. `ok` means the"
            + " items equal plain's and include the caller's last write where plain's do.\n\n");
    out.append("## Trades (the only cells where a safe column exceeds plain's)\n\n");
    out.append(
        "- **rewrite** (1.30, or wherever consistent lists are read from etcd, for a resource"
            + " this process saw change): SC101's `limit=1` probe then a not-older-than read from"
            + " the watch cache. One request and at most one APF seat more than plain, for reading"
            + " (almost) no objects from etcd instead of every stored object of the resource.\n");
    out.append(
        "- **/version**: the first plain consistent LIST on a new connection learns the server's"
            + " version first: one small request (its bytes are in the bytes column), no storage"
            + " read.\n");
    out.append(
        "- **first probe forbidden**: an identity allowed to list only with its selectors (the"
            + " node authorizer with AuthorizeNodeWithSelectors, on a server that reads consistent"
            + " lists from etcd) gets 403 on the probe: one request and one seat, once per identity"
            + " and resource (remembered); then the caller's own request goes out.\n");
    out.append(
        "- **probe before a refused request**: a request the server refuses (here an unparsable"
            + " label selector) gets the probe first where SC101 rewrites: one request, one seat,"
            + " one object read; the caller gets the same 400.\n");
    out.append(
        "- **one answer, then quiet** (1.30, or wherever consistent lists are read from etcd): a"
            + " resource listed a second time, with one answer seen and no rate yet, gets the probe"
            + " so that its revision, set against that answer's items, estimates the rate; found"
            + " quiet, the caller's own request goes out after it: one request, one seat, one"
            + " object read, once per resource while the process keeps listing it.\n\n");
    out.append("Figures measured on branch `")
        .append(git("rev-parse", "--abbrev-ref", "HEAD"))
        .append("`; figures are main's only where that branch is main (the lead re-measures on")
        .append(" main with the same command).\n\n");
    long traded = rows.stream().filter(r -> r.trade().names().contains("rewrite")).count();
    out.append("Rows with the rewrite trade: ").append(traded).append(".\n\n");
    out.append(
        "| server | kind | call | mode | result | storage objects plain→safe | seats | seat-s |"
            + " bytes | requests | trade |\n");
    out.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      Outcome p = r.plain();
      Outcome s = r.safe();
      HarmCells.Cell c = r.cell();
      String result;
      if (s.rejected()) {
        result = "rejected (STRICT)";
      } else if (s.error() != null || p.error() != null) {
        result =
            (s.error() == null ? "ok" : s.error())
                + " (plain "
                + (p.error() == null ? "ok" : p.error())
                + ")";
      } else {
        result = s.items().equals(p.items()) ? "ok, " + s.items().size() + " items" : "DIFFERS";
      }
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s%s | %s | %s | %s | %d→%d | %d→%d | %.2f→%.2f | %d→%d | %d→%d | %s |%n",
              c.server(),
              c.identity() == HarmCells.Identity.NODE ? "node, " : "",
              c.kind().name().toLowerCase(Locale.ROOT) + " " + c.kind().type.resourceName(),
              c.named().name().replace("|", "\\|"),
              r.mode() == SafetyMode.ENFORCE ? "**ENFORCE**" : r.mode().name(),
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
              String.join(", ", r.trade().names())));
    }
    return out.toString();
  }

  private static String git(String... args) {
    try {
      List<String> cmd = new java.util.ArrayList<>(List.of("git"));
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String commit() {
    try {
      Process p =
          new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
              .redirectErrorStream(true)
              .start();
      String head = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      Process d =
          new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
              .redirectErrorStream(true)
              .start();
      boolean dirty =
          !new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8).isBlank();
      return head + (dirty ? " + uncommitted changes" : "");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
