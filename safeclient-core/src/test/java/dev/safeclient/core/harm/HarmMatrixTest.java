package dev.safeclient.core.harm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.UnsafeRequestException;
import dev.safeclient.core.harm.HarmCells.Cell;
import dev.safeclient.core.harm.HarmCells.Fixture;
import dev.safeclient.core.harm.HarmCells.Observed;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.KubeSimStats;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The harm matrix: the same call through plain client-java 27 and through {@code SafeClient} in
 * OBSERVE, ENFORCE and STRICT, each against its own KubeSim seeded with the same objects in the
 * same order (so the same resourceVersions), on KubeSim's virtual clock. First, do no harm: in
 * OBSERVE and ENFORCE no call fails that plain makes; STRICT may only reject, with {@link
 * UnsafeRequestException}; no result differs from plain's or is older than the caller's last write;
 * and every cost column (objects read from storage, APF seats and seat-seconds, bytes, requests) is
 * no higher than plain's, except the trades {@link Trade} names.
 *
 * <p>With {@code -Dsafeclient.harmMatrix=<file>} it also writes the results table there (see {@code
 * benchmarks/results/harm-matrix.md} for the command).
 */
class HarmMatrixTest {
  private static final List<Row> ROWS = new ArrayList<>();

  static Stream<Cell> cells() {
    return HarmCells.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cells")
  void safeNeverCostsMoreNorAnswersDifferently(Cell cell) throws Exception {
    Outcome plain = run(cell, null);
    if (cell.expectError()) {
      assertThat(plain.error())
          .as("the plain call itself fails, as the cell expects: %s", plain)
          .isNotNull();
    } else {
      assertThat(plain.error())
          .as("the plain call itself succeeds, as the cell expects: %s", plain)
          .isNull();
    }
    for (SafetyMode mode : SafetyMode.values()) {
      Outcome safe = run(cell, mode);
      Trade trade = Trade.judge(cell, plain, safe);
      synchronized (ROWS) {
        ROWS.add(new Row(cell, mode, plain, safe, trade));
      }
      if (mode == SafetyMode.STRICT && safe.rejected()) {
        assertThat(safe.wire())
            .as("STRICT rejects before anything reaches the server: %s", safe)
            .allMatch(w -> w.startsWith("GET /version"));
        if (safe.error().contains("SC101")
            && plain.error() == null
            && cell.kind() != HarmCells.Kind.CRD
            && cell.kind() != HarmCells.Kind.AGGREGATED) {
          assertThat(plain.storageObjects())
              .as("STRICT rejects SC101 only where the server reads the list from etcd: %s", cell)
              .isPositive();
        }
        continue;
      }
      assertThat(safe.rejected()).as("%s rejected: %s", mode, safe).isFalse();
      assertThat(safe.status())
          .as("%s %s: status as plain's (%s)", cell, mode, plain)
          .isEqualTo(plain.status());
      assertThat(safe.items()).as("%s %s: items as plain's", cell, mode).isEqualTo(plain.items());
      assertThat(trade.violations())
          .as("%s %s costs more than plain:%n plain %s%n safe  %s", cell, mode, plain, safe)
          .isEmpty();
    }
  }

  private static Outcome run(Cell cell, SafetyMode mode) throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    VirtualTimeSource pacing = VirtualTimeSource.autoAdvancing();
    List<String> wire = new ArrayList<>();
    long[] versionBytes = {0};
    try (KubeSim sim = cell.server().build(clock, cell)) {
      ApiClient base = sim.apiClient();
      base.addDefaultHeader("Authorization", "Bearer " + cell.identity().token());
      base.setHttpClient(
          base.getHttpClient()
              .newBuilder()
              .addNetworkInterceptor(
                  chain -> {
                    Response r = chain.proceed(chain.request());
                    synchronized (wire) {
                      if (chain.request().url().encodedPath().equals("/version")) {
                        versionBytes[0] += Math.max(0, r.body().contentLength());
                      }
                      wire.add(
                          chain.request().method()
                              + " "
                              + chain.request().url().encodedPath()
                              + (chain.request().url().encodedQuery() == null
                                  ? ""
                                  : "?" + chain.request().url().encodedQuery())
                              + " "
                              + r.code());
                    }
                    return r;
                  })
              .build());
      SafeClient safe = null;
      ApiClient client = base;
      if (mode != null) {
        safe =
            cell.server()
                .configure(SafeClient.builder(base).mode(mode).clock(pacing))
                .userAgent("harm-matrix/1.0")
                .build();
        client = safe.apiClient();
      }
      try {
        Fixture f = new Fixture(sim, clock, pacing, client, safe);
        cell.kind().seed(f, cell);
        cell.server().prelude(f, cell);
        synchronized (wire) {
          wire.clear();
          versionBytes[0] = 0;
        }
        sim.resetStats();
        Observed observed;
        String error = null;
        boolean rejected = false;
        int status = 200;
        try {
          observed = cell.call().run(f, cell);
        } catch (ApiException e) {
          observed = Observed.NONE;
          if (isUnsafe(e)) {
            rejected = true;
            error = "UnsafeRequestException " + unsafe(e).ruleIds();
          } else {
            status = e.getCode();
            error = e.getCode() + "";
          }
        }
        KubeSimStats s = sim.stats();
        List<String> w;
        synchronized (wire) {
          w = List.copyOf(wire);
        }
        return new Outcome(
            status,
            error,
            rejected,
            observed.items(),
            s.objectsReadFromStorage(),
            s.seatsCharged(),
            s.seatSeconds(),
            s.bytesSent(),
            w.size(),
            w,
            versionBytes[0],
            observed.freshEnough());
      } finally {
        if (safe != null) {
          safe.close();
        }
      }
    }
  }

  private static boolean isUnsafe(Throwable e) {
    return unsafe(e) != null;
  }

  private static UnsafeRequestException unsafe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnsafeRequestException u) {
        return u;
      }
    }
    return null;
  }

  @AfterAll
  static void writeResults() throws IOException {
    String target = System.getProperty("safeclient.harmMatrix");
    if (target == null || target.isBlank()) {
      return;
    }
    Files.writeString(
        Path.of(target), HarmReport.render(ROWS), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** What one client saw and what the server paid for it. */
  record Outcome(
      int status,
      String error,
      boolean rejected,
      List<String> items,
      long storageObjects,
      long seats,
      double seatSeconds,
      long bytes,
      long requests,
      List<String> wire,
      long versionBytes,
      boolean freshEnough) {
    long versionRequests() {
      return wire.stream().filter(w -> w.startsWith("GET /version")).count();
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%s %d items, storage %d, seats %d, seat-s %.3f, bytes %d, requests %d %s",
          error == null ? "ok" : error,
          items.size(),
          storageObjects,
          seats,
          seatSeconds,
          bytes,
          requests,
          wire);
    }
  }

  record Row(Cell cell, SafetyMode mode, Outcome plain, Outcome safe, Trade trade) {}
}
