package dev.safeclient.relay.internal;

import static dev.safeclient.relay.internal.RelayHttp.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.safeclient.model.time.VirtualTimeSource;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How consistent-read windows meet a slow API server, on the virtual clock. */
class ConsistentReadsWindowTest {
  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private final ExecutorService upstreamCalls = Executors.newCachedThreadPool();
  private final CountDownLatch apiServerAnswers = new CountDownLatch(1);
  private final AtomicInteger probesOut = new AtomicInteger();
  private final AtomicInteger mostProbesOut = new AtomicInteger();

  /** An API server that holds every probe until the test lets it answer, at RV 10. */
  private final Upstream hanging =
      new Upstream() {
        @Override
        public long currentResourceVersion(ResourceSpec r) throws IOException {
          mostProbesOut.accumulateAndGet(probesOut.incrementAndGet(), Math::max);
          try {
            apiServerAnswers.await();
            return 10;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
          } finally {
            probesOut.decrementAndGet();
          }
        }

        @Override
        public ListSnapshot consistentList(ResourceSpec r) throws IOException {
          throw new IOException("not in this test");
        }
      };

  @AfterEach
  void tearDown() {
    apiServerAnswers.countDown();
    upstreamCalls.shutdownNow();
  }

  @Test
  void whileAProbeHangsLaterWindowsWaitForItInsteadOfSendingMoreProbes() throws Exception {
    // Each window costs a thread while its probe is out: with the API server hanging, a probe per
    // 100 ms would pile up threads and requests without bound. At most one is out per resource.
    ResourceCache cache = new ResourceCache("pods", true, 100, 1L << 30, clock, upstreamCalls);
    cache.replaced(List.of(pod("ns", "a", 5, "node-1", "web")), 10);
    ConsistentReads reads =
        new ConsistentReads(ReadPathTest.PODS, cache, hanging, clock, upstreamCalls);
    CompletableFuture<ConsistentReads.Fresh> first = reads.fresh();
    clock.advance(ConsistentReads.WINDOW);
    await().until(() -> probesOut.get() == 1);
    CompletableFuture<ConsistentReads.Fresh> second = reads.fresh();
    clock.advance(ConsistentReads.WINDOW);
    CompletableFuture<ConsistentReads.Fresh> third = reads.fresh();
    clock.advance(ConsistentReads.WINDOW.multipliedBy(5));
    assertThat(reads.probes()).isEqualTo(1);
    apiServerAnswers.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).fromCache()).isTrue();
    // The reads that came while it hung share one probe, sent after the first came back.
    assertThat(second.get(10, TimeUnit.SECONDS).fromCache()).isTrue();
    assertThat(third.get(10, TimeUnit.SECONDS).fromCache()).isTrue();
    assertThat(reads.probes()).isEqualTo(2);
    assertThat(mostProbesOut.get()).isEqualTo(1);
  }
}
