package dev.safeclient.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safeclient.testing.FigureGuard;
import dev.safeclient.testing.KubeSim;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Guards the relay's retained heap per cached object that {@code benchmarks/results/relay.md}
 * claims, as a ratio to the object's own JSON size measured in this JVM (lower is better), under a
 * generous ceiling: a regression that keeps a second copy of each object, or a parsed tree, fails;
 * noise and an improvement pass. Nothing here is timed.
 */
@FigureGuard(protects = "benchmarks/results/relay.md")
class RelayFootprintGuardTest {
  /** Enough pods that a few MB of heap noise after a GC is under 1.5 KB per pod. */
  static final int PODS = 2_000;

  /**
   * Measured on main: 1.17 (7,083 B per object against 6,036 B of JSON at 20,000 pods; 7,037 B at
   * this guard's 2,000). 1.6 leaves 2.6 KB per object (5 MB at 2,000 pods) for GC noise, and fails
   * at a second copy of the bytes (2.2) or a parsed tree kept per object.
   */
  static final double JSON_CEILING = 1.6;

  /**
   * Measured on main: 1.68 with the transcoded Protobuf message kept (10,138 B). 2.2 fails if the
   * message were kept twice, or with a parsed tree.
   */
  static final double PROTOBUF_CEILING = 2.2;

  @Test
  void aCachedObjectCostsAboutItsJsonSizeAndItsProtobufCopyAboutHalfMore() throws Exception {
    RelayHeapBenchmark.Cached c;
    try (KubeSim sim = RelayHeapBenchmark.seeded(PODS)) {
      c = RelayHeapBenchmark.cached(sim, PODS, RelayHeapBenchmark.upstream(sim));
    }
    double json = c.json() / (double) c.jsonWire();
    double both = c.jsonAndProtobuf() / (double) c.jsonWire();
    String figures =
        String.format(
            Locale.ROOT,
            "relay heap per cached object at %,d pods: %,d B JSON (%.2f× its JSON, ceiling %.1f),"
                + " %,d B with Protobuf (%.2f×, ceiling %.1f); JSON %,d B",
            PODS,
            c.json(),
            json,
            JSON_CEILING,
            c.jsonAndProtobuf(),
            both,
            PROTOBUF_CEILING,
            c.jsonWire());
    System.out.println(figures);
    assertTrue(c.jsonWire() > 5_000, "not realistic pods: " + figures);
    assertTrue(c.json() > c.jsonWire() / 2, "the relay holds less than the bytes: " + figures);
    assertTrue(json <= JSON_CEILING, figures);
    assertTrue(both <= PROTOBUF_CEILING, figures);
  }
}
