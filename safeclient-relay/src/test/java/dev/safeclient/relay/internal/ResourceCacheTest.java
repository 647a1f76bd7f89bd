package dev.safeclient.relay.internal;

import static dev.safeclient.relay.internal.RelayHttp.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cache itself, on the virtual clock: what its feed thread does and does not do. */
class ResourceCacheTest {
  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private final ExecutorService completions = Executors.newSingleThreadExecutor();

  @AfterEach
  void tearDown() {
    completions.shutdownNow();
  }

  @Test
  void aReadWaitingForAVersionContinuesOffTheFeedThreadAndOutsideTheLock() throws Exception {
    // The feed thread reaching the version must not build the waiting read's answer (a list, its
    // bytes, the socket write) while it holds the lock every change and every read takes.
    ResourceCache cache = new ResourceCache("pods", true, 100, 1L << 30, clock, completions);
    cache.replaced(List.of(pod("ns", "a", 5, "node-1", "web")), 10);
    Thread feed = Thread.currentThread();
    CompletableFuture<Boolean> underLockOrOnFeed =
        cache
            .awaitResourceVersion(12, Duration.ofSeconds(3))
            .thenApply(v -> Thread.holdsLock(cache) || Thread.currentThread() == feed);
    cache.added(pod("ns", "b", 12, "node-1", "web"));
    assertThat(underLockOrOnFeed.get(10, TimeUnit.SECONDS)).isFalse();

    CompletableFuture<Boolean> timedOut =
        cache
            .awaitResourceVersion(20, Duration.ofSeconds(3))
            .handle((v, t) -> t != null && !Thread.holdsLock(cache));
    clock.advance(Duration.ofSeconds(3));
    assertThat(timedOut.get(10, TimeUnit.SECONDS)).isTrue();
  }
}
