package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.testing.Fault;
import dev.safeclient.testing.FaultRule;
import dev.safeclient.testing.FaultScript;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import okhttp3.Call;
import okhttp3.EventListener;
import org.junit.jupiter.api.Test;

/**
 * Twenty informers share one {@code SafeClient} against KubeSim; every request answers 500 for two
 * minutes, then the server is back and a marker pod is created. All on one virtual timeline (the
 * reflectors' backoff, their timers and the client's token buckets), with the requests on real
 * loopback sockets, counted when their headers go out. The same run twice, with the same seeds:
 * once with the pull-forward on, once off.
 */
class RecoveryPullForwardTest {
  static final int INFORMERS = 20;
  static final Duration OUTAGE = Duration.ofSeconds(120);
  static final Duration AFTER = Duration.ofSeconds(120);
  static final String NAMESPACE = "drill";
  static final long SEED = 7;

  /** What one run measured, in virtual time. */
  record Run(
      long recoveryNanos,
      long[] syncedAfterNanos,
      List<Long> requestNanos,
      long outageStartNanos,
      int informers) {
    double allSyncedSeconds() {
      return Arrays.stream(syncedAfterNanos).max().orElse(Long.MAX_VALUE) / 1e9;
    }

    /** Requests started in each second from recovery, over {@link #AFTER}. */
    long[] perSecondAfterRecovery() {
      long[] b = new long[(int) AFTER.toSeconds()];
      for (long t : requestNanos) {
        long s = (t - recoveryNanos) / 1_000_000_000L;
        if (t >= recoveryNanos && s < b.length) {
          b[(int) s]++;
        }
      }
      return b;
    }

    long peakPerSecondAfterRecovery() {
      return Arrays.stream(perSecondAfterRecovery()).max().orElse(0);
    }

    long requests(long fromNanos, long toNanos) {
      return requestNanos.stream().filter(t -> t >= fromNanos && t < toNanos).count();
    }
  }

  @Test
  void informersSharingAClientAreBackWithinFifteenSecondsWithNoHigherPeak() throws Exception {
    Run off = run(false);
    Run on = run(true);
    String report =
        "\noff: synced after "
            + off.allSyncedSeconds()
            + " s, per second "
            + Arrays.toString(off.perSecondAfterRecovery())
            + "\non:  synced after "
            + on.allSyncedSeconds()
            + " s, per second "
            + Arrays.toString(on.perSecondAfterRecovery());

    // Each informer's own [30, 60) s step decides without it: most of a minute.
    assertThat(off.allSyncedSeconds()).as(report).isGreaterThan(15);
    assertThat(on.allSyncedSeconds()).as(report).isLessThanOrEqualTo(15);
    assertThat(on.peakPerSecondAfterRecovery())
        .as(report)
        .isLessThanOrEqualTo(off.peakPerSecondAfterRecovery());
    // Brought forward, not added: one answered watch per informer in the two minutes after.
    long after = on.recoveryNanos + AFTER.toNanos();
    assertThat(on.requests(on.recoveryNanos, after)).as(report).isEqualTo(INFORMERS);
    assertThat(off.requests(off.recoveryNanos, after)).as(report).isEqualTo(INFORMERS);
    // The outage itself is the same schedule either way: the same requests at the same times.
    assertThat(on.requests(on.outageStartNanos, on.recoveryNanos))
        .as(report)
        .isEqualTo(off.requests(off.outageStartNanos, off.recoveryNanos));
  }

  static Run run(boolean pullForward) throws Exception {
    return run(pullForward, INFORMERS, SEED);
  }

  static Run run(boolean pullForward, int informers, long seed) throws Exception {
    SteppedClock clock = new SteppedClock();
    List<Long> requests = new CopyOnWriteArrayList<>();
    List<SafeInformerFactory> factories = new ArrayList<>();
    try (KubeSim sim = KubeSim.builder().cacheInitialization(Duration.ofMillis(1)).build()) {
      ResourceType pods = sim.resource("v1", "pods");
      for (int i = 0; i < 3; i++) {
        sim.create(pods, pod("pod-" + i));
      }
      ApiClient base = sim.apiClient();
      base.setHttpClient(
          base.getHttpClient()
              .newBuilder()
              .eventListener(
                  new EventListener() {
                    @Override
                    public void requestHeadersStart(Call call) {
                      requests.add(clock.nanoTime());
                    }
                  })
              .build());
      SafeClient safe = SafeClient.builder(base).pacingClock(clock.pacing()).build();
      List<SharedIndexInformer<V1Pod>> all = new ArrayList<>();
      List<InformerHealth> health = new ArrayList<>();
      for (int i = 0; i < informers; i++) {
        // A factory each, on the one client: each reflector draws from its own seeded random,
        // so the schedule does not depend on which thread runs first.
        SafeInformerFactory f =
            new SafeInformerFactory(
                safe, clock, new Random(seed + i), SafeInformerFactory.watchFormatOf(safe));
        factories.add(f);
        SharedIndexInformer<V1Pod> informer =
            f.sharedIndexInformerFor(
                V1Pod.class,
                V1PodList.class,
                "",
                "v1",
                "pods",
                0,
                InformerOptions.builder()
                    .namespace(NAMESPACE)
                    .startJitter(Duration.ZERO)
                    .recoveryPullForward(pullForward)
                    .build());
        all.add(informer);
        health.add(f.health(informer).orElseThrow());
      }
      factories.forEach(SafeInformerFactory::startAllRegisteredInformers);

      // Warm: every cache synced and every watch open.
      IntSupplier watching = () -> (int) health.stream().filter(InformerHealth::watchConnected).count();
      for (int step = 0; watching.getAsInt() < informers; step++) {
        assertThat(step).as("warm-up steps").isLessThan(1_000);
        clock.awaitQuiet(informers, watching);
        if (watching.getAsInt() < informers) {
          clock.advanceToNextWake(clock.nanoTime() + Duration.ofSeconds(60).toNanos());
        }
      }

      // The outage: open watches break, every request answers 500.
      sim.play(
          FaultScript.builder()
              .add(FaultRule.during(Duration.ZERO, Duration.ofHours(1)).inject(Fault.internalError()))
              .build());
      sim.dropWatches();
      long outageStart = clock.nanoTime();
      long recovery = outageStart + OUTAGE.toNanos();
      while (clock.nanoTime() < recovery) {
        clock.awaitQuiet(informers, () -> 0);
        clock.advanceToNextWake(recovery);
      }
      clock.awaitQuiet(informers, () -> 0);

      // Back, with a marker every cache must come to hold.
      sim.play(FaultScript.none());
      sim.create(pods, pod("marker"));
      long[] synced = new long[informers];
      Arrays.fill(synced, -1);
      IntSupplier caughtUp =
          () -> {
            int n = 0;
            for (int i = 0; i < informers; i++) {
              if (health.get(i).watchConnected()
                  && all.get(i).getIndexer().getByKey(NAMESPACE + "/marker") != null) {
                n++;
              }
            }
            return n;
          };
      long end = recovery + AFTER.toNanos();
      while (true) {
        clock.awaitQuiet(informers, caughtUp);
        long now = clock.nanoTime();
        for (int i = 0; i < informers; i++) {
          if (synced[i] < 0 && all.get(i).getIndexer().getByKey(NAMESPACE + "/marker") != null) {
            synced[i] = now - recovery;
          }
        }
        if (now >= end) {
          break;
        }
        clock.advanceToNextWake(end);
      }
      for (int i = 0; i < informers; i++) {
        if (synced[i] < 0) {
          synced[i] = Long.MAX_VALUE;
        }
      }
      return new Run(recovery, synced, List.copyOf(requests), outageStart, informers);
    } finally {
      factories.forEach(SafeInformerFactory::stopAllRegisteredInformers);
    }
  }

  static String pod(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\""
        + NAMESPACE
        + "\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"registry.example/app:1\"}]}}";
  }
}
