package dev.safeclient.core.internal.retry;

import static dev.safeclient.model.testing.ScriptedApiServer.POD;
import static dev.safeclient.model.testing.ScriptedApiServer.apf429;
import static dev.safeclient.model.testing.ScriptedApiServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

/**
 * How one client's threads leave a Retry-After window, on virtual time shared by the client and the
 * test: one caller first while the server keeps refusing, and no pause of the whole level for a
 * sporadic rejection.
 */
class RetryAfterReleaseTest {
  static final int THREADS = 8;

  @StartStop final MockWebServer server = new MockWebServer();
  final VirtualTimeSource clock = VirtualTimeSource.autoAdvancing();

  @Test
  void aStormOfRefusalsGetsAboutOneRequestPerWindow() throws Exception {
    ScriptedApiServer script = ScriptedApiServer.dispatcher(clock).otherwise(r -> apf429(2));
    // The storm begins with all threads' first requests on the wire: none is answered before
    // every thread has sent one, so no thread starts late into a window already held (which a
    // loaded machine would otherwise decide). Only real time passes while they wait.
    CountDownLatch allSent = new CountDownLatch(THREADS);
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            allSent.countDown();
            allSent.await(30, TimeUnit.SECONDS);
            return script.dispatch(request);
          }
        });
    Duration window = Duration.ofSeconds(2);
    Duration storm = Duration.ofSeconds(40);
    long start = clock.nanoTime();
    try (SafeClient safe = client(SafeClient.builder(base()).breakerEnabled(false))) {
      CoreV1Api api = new CoreV1Api(safe.apiClient());
      clock.runAll(
          Collections.nCopies(
              THREADS,
              () -> {
                while (clock.nanoTime() - start < storm.toNanos()) {
                  try {
                    api.readNamespacedPod("p1", "default").execute();
                  } catch (ApiException e) {
                    assertThat(e.getCode()).isEqualTo(429);
                  }
                }
                return null;
              }));
    }

    List<Long> at = script.all().stream().map(s -> s.atNanos() - start).toList();
    int windows = (int) (storm.toNanos() / window.toNanos());
    int[] perWindow = new int[windows];
    for (long t : at) {
      int w = (int) (t / window.toNanos());
      if (w < windows) {
        perWindow[w]++;
      }
    }
    assertThat(perWindow[0]).as("all threads start at once").isEqualTo(THREADS);
    for (int w = 1; w < windows; w++) {
      assertThat(perWindow[w])
          .as("requests in window %d of %s (all: %s)", w, window, List.of(perWindow))
          .isLessThanOrEqualTo(2);
    }
    int after = at.size() - THREADS;
    assertThat(after)
        .as("the client keeps asking, about once per window, to see the storm end")
        .isGreaterThanOrEqualTo(windows / 2);
  }

  @Test
  void aFewRefusalsDoNotPauseTheWholeLevel() throws Exception {
    Duration run = Duration.ofSeconds(20);
    int faultFree = operationsIn(run, n -> false);
    AtomicInteger refused = new AtomicInteger();
    // 3 answers in every 100 are APF's 429 with Retry-After: 1.
    int faulty =
        operationsIn(
            run,
            n -> {
              boolean refuse = n % 100 == 0 || n % 100 == 33 || n % 100 == 66;
              if (refuse) {
                refused.incrementAndGet();
              }
              return refuse;
            });
    assertThat(refused.get()).as("the faults were served").isGreaterThanOrEqualTo(20);
    assertThat(faultFree).as("the bucket paces the fault-free run").isGreaterThan(1000);
    assertThat(faulty)
        .as("operations in %s with 3%% refusals, against %d without", run, faultFree)
        .isGreaterThanOrEqualTo(faultFree / 2);
  }

  /** Operations completed by {@link #THREADS} threads within {@code run} of virtual time. */
  private int operationsIn(Duration run, Function<Integer, Boolean> refuseAnswer) throws Exception {
    AtomicInteger answers = new AtomicInteger();
    Function<RecordedRequest, MockResponse> answer =
        r ->
            refuseAnswer.apply(answers.incrementAndGet())
                ? apf429(1)
                : ok(POD)
                    .newBuilder()
                    .addHeader(ServerAnswer.FLOW_SCHEMA_HEADER, "fs-uid-1")
                    .addHeader(ServerAnswer.PRIORITY_LEVEL_HEADER, "pl-uid-1")
                    .build();
    server.setDispatcher(ScriptedApiServer.dispatcher(clock).otherwise(answer));
    long start = clock.nanoTime();
    AtomicInteger done = new AtomicInteger();
    // A client paced at 100 QPS, as an agent under load is: the budget, not the mock's speed,
    // sets the fault-free rate in virtual time.
    try (SafeClient safe = client(SafeClient.builder(base()).qps(100).burst(100))) {
      CoreV1Api api = new CoreV1Api(safe.apiClient());
      List<Callable<Void>> threads = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        threads.add(
            () -> {
              while (clock.nanoTime() - start < run.toNanos()) {
                try {
                  api.readNamespacedPod("p1", "default").execute();
                  if (clock.nanoTime() - start < run.toNanos()) {
                    done.incrementAndGet();
                  }
                } catch (ApiException e) {
                  assertThat(e.getCode()).isEqualTo(429);
                }
              }
              return null;
            });
      }
      clock.runAll(threads);
    }
    return done.get();
  }

  private ApiClient base() {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    return base;
  }

  private SafeClient client(SafeClient.Builder b) {
    return b.userAgent("release-test/1.0").serverVersion("1.30").clock(clock).build();
  }
}
