package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Seeded schedules of faults against a server whose state keeps changing: once the faults stop, the
 * cache must equal the server's state after the transform, and every handler must have seen a
 * consistent sequence per UID. Virtual time: backoffs and Retry-Afters cost nothing.
 *
 * <p>{@code -Dsafeclient.convergence.schedules=5000} for a nightly-sized run; {@code
 * -Dsafeclient.convergence.seed=N} replays from seed N (a failure prints its seed).
 */
class ConvergenceUnderFaultsTest {
  private static final int SCHEDULES = Integer.getInteger("safeclient.convergence.schedules", 300);

  @Test
  void theCacheConvergesToTheServersStateAfterAnyScheduleOfFaults() throws Exception {
    long base = Long.getLong("safeclient.convergence.seed", new Random().nextLong());
    long started = System.nanoTime();
    for (int i = 0; i < SCHEDULES; i++) {
      long seed = base + i;
      runSchedule(seed);
    }
    System.out.printf(
        "convergence: %d schedules from seed %d in %.1f s%n",
        SCHEDULES, base, (System.nanoTime() - started) / 1e9);
  }

  private void runSchedule(long seed) throws Exception {
    Random rng = new Random(seed);
    int chaos = 5 + rng.nextInt(40);
    boolean watchList = rng.nextInt(3) == 0;
    boolean serverStreams = rng.nextBoolean();
    try (SeededFaultScript server = new SeededFaultScript(seed, chaos, serverStreams)) {
      ApiClient apiClient = new ApiClient();
      apiClient.setBasePath(server.url());
      VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofDays(365));
      SafeClient safe =
          SafeClient.builder(apiClient)
              .userAgent("informer-test/1")
              .clock(clock)
              .nodeName(null)
              .build();
      SafeInformerFactory factory =
          new SafeInformerFactory(
              safe,
              clock,
              new Random(seed),
              WatchStreamFormat.jsonLines(ClientInternals.of(safe).tolerantJson()));
      UnaryOperator<V1Pod> mark =
          p -> {
            p.getMetadata().putLabelsItem("transformed", "yes");
            return p;
          };
      SharedIndexInformer<V1Pod> informer =
          factory.sharedIndexInformerFor(
              V1Pod.class,
              V1PodList.class,
              "",
              "v1",
              "pods",
              0,
              InformerOptions.builder()
                  .namespace("default")
                  .startJitter(Duration.ZERO)
                  .transform(mark)
                  .watchList(watchList)
                  .build());
      RecordingHandler<V1Pod> early = new RecordingHandler<>();
      informer.addEventHandler(early);
      factory.startAllRegisteredInformers();
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String mismatch;
        while (true) {
          mismatch =
              server.calmWatchServed() && factory.health(informer).orElseThrow().watchConnected()
                  ? mismatch(server.state(), informer, early)
                  : "faults not over yet";
          if (mismatch == null || System.nanoTime() > deadline) {
            break;
          }
          Thread.sleep(1);
        }
        assertThat(early.violations())
            .as("seed %d: handler sequence per UID\n  %s", seed, server.log())
            .isEmpty();
        assertThat(mismatch)
            .as(
                "seed %d: cache vs server (%d chaos requests, watchList %s, server streams %s)\n  %s",
                seed, chaos, watchList, serverStreams, server.log())
            .isNull();
      } finally {
        factory.stopAllRegisteredInformers();
      }
    }
  }

  /** Null when cache and handler both equal the server's state after the transform. */
  private static String mismatch(
      Map<String, SeededFaultScript.Obj> server,
      SharedIndexInformer<V1Pod> informer,
      RecordingHandler<V1Pod> handler) {
    Map<String, String> expected = new TreeMap<>();
    Map<String, String> expectedByUid = new TreeMap<>();
    for (SeededFaultScript.Obj o : server.values()) {
      expected.put("default/" + o.name(), o.uid() + " rv=" + o.rv() + " data=" + o.data() + " yes");
      expectedByUid.put(o.uid(), o.name() + " rv=" + o.rv());
    }
    Map<String, String> cached = new TreeMap<>();
    for (V1Pod p : informer.getIndexer().list()) {
      if (p.getMetadata().getManagedFields() != null) {
        return "managedFields cached for " + p.getMetadata().getName();
      }
      cached.put(
          p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
          p.getMetadata().getUid()
              + " rv="
              + p.getMetadata().getResourceVersion()
              + " data="
              + p.getMetadata().getLabels().get("data")
              + " "
              + p.getMetadata().getLabels().get("transformed"));
    }
    if (!cached.equals(expected)) {
      return "cache " + cached + "\n  server " + expected;
    }
    Map<String, String> seen = new TreeMap<>();
    handler
        .live()
        .forEach(
            (uid, p) ->
                seen.put(
                    uid,
                    p.getMetadata().getName() + " rv=" + p.getMetadata().getResourceVersion()));
    if (!seen.equals(expectedByUid)) {
      return "handler " + seen + "\n  server " + expectedByUid;
    }
    return null;
  }
}
