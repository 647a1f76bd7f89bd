package dev.safeclient.relay.internal;

import static dev.safeclient.relay.internal.RelayHttp.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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

  /** A watcher's frames as text, in order. */
  static final class Frames implements CacheWatcher.Sink {
    final List<String> frames = new ArrayList<>();

    @Override
    public boolean send(byte[] event) {
      frames.add(new String(event, StandardCharsets.UTF_8));
      return true;
    }

    @Override
    public boolean send(List<ByteBuffer> event) {
      StringBuilder b = new StringBuilder();
      for (ByteBuffer part : event) {
        b.append(StandardCharsets.UTF_8.decode(part.duplicate()));
      }
      frames.add(b.toString());
      return true;
    }

    @Override
    public void afterWritten(Runnable written) {
      written.run();
    }

    @Override
    public void end() {
      frames.add("END");
    }
  }

  @Test
  void aConsistentStreamingListWhoseListTheCacheRelistedPastStartsFromTheNewerCacheNever410()
      throws Exception {
    // The window's upstream list is at 15; before the watch registers, the feed relists at 20.
    // The cache is then fresher than the list, so it serves the consistent read itself: the cacher
    // never answers a streaming list with RV unset 410.
    ResourceCache cache = new ResourceCache("pods", true, 100, 1L << 30, clock, completions);
    cache.replaced(List.of(pod("ns", "a", 5, "node-1", "web")), 10);
    ListSnapshot list =
        new ListSnapshot(
            15, List.of(pod("ns", "a", 5, "node-1", "web"), pod("ns", "b", 14, "node-1", "web")));
    cache.replaced(List.of(pod("ns", "c", 18, "node-1", "web")), 20);
    Frames sink = new Frames();
    CacheWatcher w = new CacheWatcher(Selection.EVERYTHING, true, true, 0, "v1", "Pod", sink, null);
    cache.watchFrom(w, list);
    assertThat(sink.frames).hasSize(2);
    assertThat(sink.frames.get(0)).startsWith("{\"type\":\"ADDED\"").contains("\"name\":\"c\"");
    assertThat(sink.frames.get(1))
        .startsWith("{\"type\":\"BOOKMARK\"")
        .contains("\"resourceVersion\":\"20\"")
        .contains("k8s.io/initial-events-end");
    cache.added(pod("ns", "d", 21, "node-1", "web"));
    assertThat(sink.frames).hasSize(3);
    assertThat(sink.frames.get(2)).startsWith("{\"type\":\"ADDED\"").contains("\"name\":\"d\"");
  }

  @Test
  void aWatchThatEndedBeforeItsStartIsNeverRegistered() throws Exception {
    // Its timeout, or its client, may end a watch while it waits for its start (3 s for an RV
    // ahead, a window for a consistent one); the cache must not keep it until the next change.
    ResourceCache cache = new ResourceCache("pods", true, 100, 1L << 30, clock, completions);
    cache.replaced(List.of(pod("ns", "a", 5, "node-1", "web")), 10);
    Frames sink = new Frames();
    CacheWatcher w = new CacheWatcher(Selection.EVERYTHING, true, true, 0, "v1", "Pod", sink, null);
    w.end();
    cache.watch(w, 0, true);
    CacheWatcher resumed =
        new CacheWatcher(Selection.EVERYTHING, true, false, 10, "v1", "Pod", new Frames(), null);
    resumed.end();
    cache.watch(resumed, 10, false);
    cache.watchFrom(w, new ListSnapshot(10, List.of()));
    assertThat(cache.watchers()).isZero();
    assertThat(sink.frames).containsExactly("END");
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
