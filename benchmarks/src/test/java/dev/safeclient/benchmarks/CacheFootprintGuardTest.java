package dev.safeclient.benchmarks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safeclient.testing.FigureGuard;
import dev.safeclient.testing.KubeSim;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guards on what the README and {@code benchmarks/results/informer.md} claim, as ratios safeclient
 * ÷ plain client-java measured in this JVM (lower is better), each under a ceiling above today's
 * value: a regression fails, an improvement passes. Nothing here is timed.
 */
@FigureGuard(protects = "benchmarks/results/informer.md")
class CacheFootprintGuardTest {
  static final int PODS = 10_000;

  /**
   * Measured on 2 shared cores: 0.50 (Protobuf list) with 5 GCs per figure. Heap after a GC moves
   * by a few MB run to run, about 2 % of plain's 150 MB; 0.56 leaves that and some margin, and
   * still fails long before the 0.69× a bypassed interner showed.
   */
  static final double HEAP_CEILING = 0.56;

  /**
   * Measured: 0.059 (16.8 KB against client-java's 287 KB per realistic pod: it parses each object
   * to a JsonElement tree to validate it, then binds the tree). Allocation counts are exact per
   * thread; they move only with the JIT's escape analysis, a few percent. 0.08 leaves room for that
   * and for a changed client-java, and fails if the Protobuf decoder's allocation grows by a third.
   */
  static final double ALLOCATION_CEILING = 0.08;

  static KubeSim sim;

  @BeforeAll
  static void seed() throws Exception {
    sim = InformerHeapBenchmark.seeded(PODS);
  }

  @AfterAll
  static void close() {
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void anInformerCacheKeepsAboutHalfOfPlainClientJavasHeapPerPod() throws Exception {
    InformerHeapBenchmark.Result plain = InformerHeapBenchmark.run(sim, "plain-list", PODS);
    InformerHeapBenchmark.Result safe = InformerHeapBenchmark.run(sim, "proto-list", PODS);
    double ratio = safe.perPod() / (double) plain.perPod();
    String figures =
        String.format(
            Locale.ROOT,
            "heap per pod at %,d pods: safe %,d B, plain %,d B, ratio %.3f (ceiling %.2f)",
            PODS,
            safe.perPod(),
            plain.perPod(),
            ratio,
            HEAP_CEILING);
    System.out.println(figures);
    assertTrue(plain.perPod() > 5_000, "plain's figure is not a cache: " + figures);
    assertTrue(ratio <= HEAP_CEILING, figures);
  }

  @Test
  void decodingAPodFromProtobufAllocatesLessThanClientJavasJson() throws Exception {
    // One namespace's pods (200): per pod, the same as all of them, at a fiftieth of the work.
    DecodeAllocation.PerPod perPod =
        DecodeAllocation.measure(sim, sim.apiClient(), RealisticPods.namespaceOf(0));
    String figures =
        String.format(
            Locale.ROOT,
            "bytes allocated per decoded pod (%,d pods): Protobuf %,d B, client-java JSON %,d B,"
                + " ratio %.3f (ceiling %.2f)",
            perPod.pods(),
            perPod.protobuf(),
            perPod.json(),
            perPod.ratio(),
            ALLOCATION_CEILING);
    System.out.println(figures);
    assertTrue(perPod.pods() == PODS / 50, figures);
    assertTrue(perPod.ratio() <= ALLOCATION_CEILING, figures);
  }
}
