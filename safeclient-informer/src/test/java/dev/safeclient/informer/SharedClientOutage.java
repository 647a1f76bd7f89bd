package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.Fault;
import dev.safeclient.testing.FaultRule;
import dev.safeclient.testing.FaultScript;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import okhttp3.Call;
import okhttp3.EventListener;

/**
 * An outage drill on one virtual timeline: {@code informers} informers share one {@code SafeClient}
 * against KubeSim (each informer its own factory, so each reflector draws from its own seeded
 * random and the schedule does not depend on which thread runs first). After every cache is synced
 * and 10 s of quiet, the server fails for {@code outage}, then comes back and a marker pod is
 * created; the drill runs on until {@code after} past recovery. The reflectors' backoff, their
 * timers and the client's token buckets all wait on the {@link VirtualTimeSource}, which moves only
 * when every reflector is asleep or parked in an answered watch; the requests themselves go over
 * real loopback sockets.
 */
final class SharedClientOutage {
  static final String NAMESPACE = "drill";

  /** How the server fails. */
  enum Scenario {
    /** Open watches break; every request answers 500 InternalError. */
    INTERNAL_ERROR,
    /** The listener closes: open watches break, connects are refused. */
    REFUSED,
    /** Open watches end cleanly; every new watch answers 200 and ends with no event. */
    EMPTY_WATCHES
  }

  /** What one run counted, in virtual nanoseconds from the clock's zero. */
  record Run(
      long outageStart,
      long recovery,
      long[] syncedAfter,
      List<Long> onTheWire,
      Collection<List<Long>> attemptsPerReflector,
      List<String> outageLogRecords,
      int outageStackTraces) {
    double allSyncedSeconds() {
      return Arrays.stream(syncedAfter).max().orElse(Long.MAX_VALUE) / 1e9;
    }

    /** Requests whose headers went out in each second from recovery, for {@code seconds}. */
    long[] perSecondAfterRecovery(int seconds) {
      long[] b = new long[seconds];
      for (long t : onTheWire) {
        long s = (t - recovery) / 1_000_000_000L;
        if (t >= recovery && s < seconds) {
          b[(int) s]++;
        }
      }
      return b;
    }

    long peakPerSecondAfterRecovery(int seconds) {
      return Arrays.stream(perSecondAfterRecovery(seconds)).max().orElse(0);
    }

    long onTheWire(long from, long to) {
      return onTheWire.stream().filter(t -> t >= from && t < to).count();
    }

    /**
     * The shortest time between two consecutive attempts of one reflector, both in [from, to);
     * {@code Long.MAX_VALUE} if no reflector made two.
     */
    long shortestGapBetweenAttempts(long from, long to) {
      long shortest = Long.MAX_VALUE;
      for (List<Long> a : attemptsPerReflector) {
        List<Long> in = a.stream().filter(t -> t >= from && t < to).sorted().toList();
        for (int i = 1; i < in.size(); i++) {
          shortest = Math.min(shortest, in.get(i) - in.get(i - 1));
        }
      }
      return shortest;
    }

    /** Each reflector's attempts (calls started, refused ones too) in [from, to). */
    List<Long> attemptsPerReflector(long from, long to) {
      List<Long> counts = new ArrayList<>();
      for (List<Long> a : attemptsPerReflector) {
        counts.add(a.stream().filter(t -> t >= from && t < to).count());
      }
      return counts;
    }
  }

  private SharedClientOutage() {}

  static Run run(
      Scenario scenario,
      boolean pullForward,
      int informers,
      Duration outage,
      Duration after,
      long seed)
      throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    List<Long> wire = new CopyOnWriteArrayList<>();
    Map<Thread, List<Long>> attempts = new ConcurrentHashMap<>();
    List<SafeInformerFactory> factories = new ArrayList<>();
    LogRecords logs = new LogRecords();
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
                    public void callStart(Call call) {
                      attempts
                          .computeIfAbsent(
                              Thread.currentThread(), t -> new CopyOnWriteArrayList<>())
                          .add(clock.nanoTime());
                    }

                    @Override
                    public void requestHeadersStart(Call call) {
                      wire.add(clock.nanoTime());
                    }
                  })
              .build());
      SafeClient safe = SafeClient.builder(base).userAgent("outage-drill/1").clock(clock).build();
      List<SharedIndexInformer<V1Pod>> all = new ArrayList<>();
      List<InformerHealth> health = new ArrayList<>();
      for (int i = 0; i < informers; i++) {
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

      // Warm: every cache synced and every watch open, then 10 s of quiet.
      IntSupplier watching =
          () -> (int) health.stream().filter(InformerHealth::watchConnected).count();
      for (int step = 0; watching.getAsInt() < informers; step++) {
        assertThat(step).as("warm-up steps").isLessThan(1_000);
        clock.awaitQuiet(informers, watching);
        if (watching.getAsInt() < informers) {
          clock.advanceToNextWake(clock.nanoTime() + Duration.ofSeconds(60).toNanos());
        }
      }
      clock.advanceTo(clock.nanoTime() + Duration.ofSeconds(10).toNanos());
      clock.awaitQuiet(informers, watching);
      attempts.clear();

      long outageStart = clock.nanoTime();
      logs.start();
      switch (scenario) {
        case INTERNAL_ERROR -> {
          sim.play(
              FaultScript.builder()
                  .add(
                      FaultRule.during(Duration.ZERO, Duration.ofDays(1))
                          .inject(Fault.internalError()))
                  .build());
          sim.dropWatches();
        }
        case REFUSED -> sim.outage(true);
        case EMPTY_WATCHES -> {
          sim.play(
              FaultScript.builder()
                  .add(
                      FaultRule.during(Duration.ZERO, Duration.ofDays(1))
                          .verb("watch")
                          .inject(Fault.emptyWatch()))
                  .build());
          sim.closeWatches();
        }
      }
      long recovery = outageStart + outage.toNanos();
      while (clock.nanoTime() < recovery) {
        clock.awaitQuiet(informers, () -> 0);
        clock.advanceToNextWake(recovery);
      }
      clock.awaitQuiet(informers, () -> 0);
      logs.stop();

      // Back, with a marker every cache must come to hold.
      if (scenario == Scenario.REFUSED) {
        sim.outage(false);
      } else {
        sim.play(FaultScript.none());
      }
      sim.create(pods, pod("marker"));
      long[] synced = new long[informers];
      Arrays.fill(synced, Long.MAX_VALUE);
      IntSupplier caughtUp =
          () -> {
            int n = 0;
            for (int i = 0; i < informers; i++) {
              if (health.get(i).watchConnected() && hasMarker(all.get(i))) {
                n++;
              }
            }
            return n;
          };
      long end = recovery + after.toNanos();
      while (true) {
        clock.awaitQuiet(informers, caughtUp);
        long now = clock.nanoTime();
        for (int i = 0; i < informers; i++) {
          if (synced[i] == Long.MAX_VALUE && hasMarker(all.get(i))) {
            synced[i] = now - recovery;
          }
        }
        if (now >= end) {
          break;
        }
        clock.advanceToNextWake(end);
      }
      factories.forEach(SafeInformerFactory::stopAllRegisteredInformers);
      List<List<Long>> perReflector = new ArrayList<>();
      attempts.values().forEach(a -> perReflector.add(List.copyOf(a)));
      return new Run(
          outageStart,
          recovery,
          synced,
          List.copyOf(wire),
          perReflector,
          logs.records(),
          logs.traces());
    } finally {
      logs.stop();
      factories.forEach(SafeInformerFactory::stopAllRegisteredInformers);
    }
  }

  private static boolean hasMarker(SharedIndexInformer<V1Pod> informer) {
    return informer.getIndexer().getByKey(NAMESPACE + "/marker") != null;
  }

  static String pod(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\""
        + NAMESPACE
        + "\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"registry.example/app:1\"}]}}";
  }

  /**
   * The records safeclient's loggers write (slf4j-simple, to {@code System.err}) while counting; a
   * stack trace's lines count with the record that carries it.
   */
  static final class LogRecords extends OutputStream {
    private static final Pattern RECORD =
        Pattern.compile("^\\[[^\\]]*\\] (TRACE|DEBUG|INFO|WARN|ERROR) ");
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final List<String> records = new ArrayList<>();
    private PrintStream original;
    private boolean inOurRecord;
    private int traces;
    private boolean traceCounted;

    synchronized void start() {
      original = System.err;
      System.setErr(new PrintStream(this, true, StandardCharsets.UTF_8));
    }

    synchronized void stop() {
      if (original != null) {
        System.setErr(original);
        original = null;
      }
    }

    @Override
    public synchronized void write(int b) {
      if (original != null) {
        original.write(b);
      }
      if (b == '\n') {
        String l = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (RECORD.matcher(l).find()) {
          inOurRecord = l.contains(" dev.safeclient.");
          traceCounted = false;
          if (inOurRecord) {
            records.add(l);
          }
        } else if (inOurRecord && !traceCounted) {
          traceCounted = true;
          traces++;
        }
      } else {
        line.write(b);
      }
    }

    synchronized List<String> records() {
      return List.copyOf(records);
    }

    synchronized int traces() {
      return traces;
    }
  }
}
