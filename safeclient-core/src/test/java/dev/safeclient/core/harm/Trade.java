package dev.safeclient.core.harm;

import dev.safeclient.core.harm.HarmMatrixTest.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where the safe call may cost more than plain's in a column, and why; anything else is a
 * violation. Two trades are known and listed in the results file:
 *
 * <ul>
 *   <li>{@code /version}: the first plain consistent LIST on a new connection asks the server's
 *       version first (one small request; KubeSim, like a real server, bills it no storage read).
 *   <li>{@code rewrite}: on a server that reads consistent lists from etcd, a busy resource's LIST
 *       is served from the watch cache after a {@code limit=1} probe: one request and up to one
 *       seat more, for (almost) no objects read from etcd. Allowed only where it reads strictly
 *       fewer objects from storage, the first column of the cost order.
 *   <li>{@code one answer, then quiet}: up to 1.30, a resource listed a second time with one answer
 *       seen and no rate yet is probed to estimate its rate; found quiet, the caller's own request
 *       goes out after the probe. Once per resource while the process keeps listing it.
 * </ul>
 */
record Trade(List<String> names, List<String> violations) {
  /** The probe's own answer: one object's list, a few hundred bytes in either encoding. */
  static final long PROBE_BYTES = 2048;

  static Trade judge(HarmCells.Cell cell, Outcome plain, Outcome safe) {
    List<String> names = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    if (safe.rejected()) {
      return new Trade(names, bad);
    }
    long extraRequests = 0;
    long extraStorage = 0;
    long extraBytes = 0;
    long extraSeats = 0;
    double extraSeatSeconds = 0;
    if (safe.versionRequests() > 0) {
      names.add("/version");
      extraRequests += safe.versionRequests();
      extraBytes += safe.versionBytes();
    }
    boolean fewerStorageReads = safe.storageObjects() < plain.storageObjects();
    if (fewerStorageReads && safe.requests() - safe.versionRequests() > plain.requests()) {
      names.add("rewrite");
      extraRequests += 1;
      extraSeats += 1;
      extraBytes += PROBE_BYTES;
      // The probe's seat for the 1-object read: a fraction of a second of modelled service time.
      extraSeatSeconds += 0.01;
    }
    boolean sameRejection = plain.error() != null && plain.error().equals(safe.error());
    if (!fewerStorageReads
        && !sameRejection
        && safe.wire().stream().anyMatch(w -> w.contains("limit=1 ") && w.endsWith(" 200"))) {
      // Up to 1.30, a list with one answer seen and no rate yet: the probe's revision showed the
      // resource quiet, and the caller's own request went out after it.
      names.add("one answer, then quiet");
      extraRequests += 1;
      extraSeats += 1;
      extraStorage += 1;
      extraBytes += PROBE_BYTES;
      extraSeatSeconds += 0.01;
    }
    if (sameRejection && safe.wire().stream().anyMatch(w -> w.contains("limit=1 "))) {
      // The probe went out before the server refused the caller's own request.
      names.add("probe before a refused request");
      extraRequests += 1;
      extraSeats += 1;
      extraStorage += 1;
      extraBytes += PROBE_BYTES;
      extraSeatSeconds += 0.01;
    }
    if (safe.wire().stream().anyMatch(w -> w.contains("limit=1 ") && w.endsWith(" 403"))) {
      // Remembered per identity and resource: only the first such LIST pays it.
      names.add("first probe forbidden");
      extraRequests += 1;
      extraSeats += 1;
      extraBytes += PROBE_BYTES;
      extraSeatSeconds += 0.01;
    }
    check(bad, "storage objects", plain.storageObjects(), safe.storageObjects(), extraStorage);
    check(bad, "seats", plain.seats(), safe.seats(), extraSeats);
    // Seat-seconds are modelled from the bytes served and the time a watch was open: a few
    // milliseconds of real scheduling show in them, so they compare within 5 ms and 1 %.
    if (safe.seatSeconds() > (plain.seatSeconds() + extraSeatSeconds) * 1.01 + 0.005) {
      bad.add(
          String.format(
              Locale.ROOT,
              "seat-seconds %.3f > %.3f + %.3f",
              safe.seatSeconds(),
              plain.seatSeconds(),
              extraSeatSeconds));
    }
    check(bad, "bytes", plain.bytes(), safe.bytes(), extraBytes);
    check(bad, "requests", plain.requests(), safe.requests(), extraRequests);
    return new Trade(names, bad);
  }

  private static void check(List<String> bad, String column, long plain, long safe, long allowed) {
    if (safe > plain + allowed) {
      bad.add(column + " " + safe + " > " + plain + (allowed > 0 ? " + " + allowed : ""));
    }
  }
}
