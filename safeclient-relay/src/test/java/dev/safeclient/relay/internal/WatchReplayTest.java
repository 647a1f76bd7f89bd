package dev.safeclient.relay.internal;

import static dev.safeclient.relay.internal.RelayHttp.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.apiserver.WatchStreamWriter;
import dev.safeclient.model.time.VirtualTimeSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A watcher's replay and live events over a virtual socket: the real writer, onto a transport whose
 * writes complete only when the test lets the client read. Nothing waits for a clock.
 */
class WatchReplayTest {
  static final int OBJECTS = 150_000;

  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private final ExecutorService completions = Executors.newSingleThreadExecutor();

  @AfterEach
  void tearDown() {
    completions.shutdownNow();
  }

  /** A socket whose client reads only when told: each write completes when the test drains it. */
  static final class VirtualSocket implements WatchStreamWriter.Transport {
    final ConcurrentLinkedQueue<Callback> unread = new ConcurrentLinkedQueue<>();
    final List<String> lines = new ArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    volatile boolean endWritten;
    volatile boolean completed;
    volatile Throwable failure;
    volatile int writes;

    @Override
    public boolean ready() {
      return true;
    }

    @Override
    public boolean messages() {
      return false;
    }

    @Override
    public void writeHeaders(Callback written) {
      written.succeeded();
    }

    @Override
    public void writeEvent(ByteBuffer event, Callback written) {
      synchronized (this) {
        writes++;
        partial.append(StandardCharsets.UTF_8.decode(event.duplicate()));
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
          lines.add(partial.substring(0, nl));
          partial.delete(0, nl + 1);
        }
      }
      unread.add(written);
    }

    @Override
    public void writeEnd(Callback written) {
      endWritten = true;
      written.succeeded();
    }

    @Override
    public void completed(Throwable failure) {
      this.failure = failure;
      completed = true;
    }

    /** The client reads everything written so far. */
    void drain() {
      Callback c;
      while ((c = unread.poll()) != null) {
        c.succeeded();
      }
    }

    synchronized List<String> lines() {
      return new ArrayList<>(lines);
    }

    synchronized boolean saw(String text) {
      return !lines.isEmpty() && lines.get(lines.size() - 1).contains(text);
    }
  }

  private ResourceCache cacheOf(int objects) {
    ResourceCache cache = new ResourceCache("pods", true, 1000, 1L << 30, clock, completions);
    List<CachedObject> state = new ArrayList<>(objects);
    for (int i = 0; i < objects; i++) {
      state.add(pod("ns", String.format("p-%06d", i), 5, "node-" + (i % 100), "web"));
    }
    cache.replaced(state, 10);
    return cache;
  }

  @Test
  void anUnselectiveStreamingListOfMoreObjectsThanAnyQueueBoundDeliversThemAllThenItsBookmark() {
    ResourceCache cache = cacheOf(OBJECTS);
    VirtualSocket socket = new VirtualSocket();
    HttpWatchSink sink = new HttpWatchSink(socket);
    sink.start();
    CacheWatcher w = new CacheWatcher(Selection.EVERYTHING, true, true, 0, "v1", "Pod", sink, null);
    cache.watch(w, 0, true);
    // Registered at once, its state not yet sent: a change now comes after the whole state.
    assertThat(cache.watchers()).isEqualTo(1);
    assertThat(w.replaying()).isTrue();
    cache.added(pod("ns", "late", 11, "node-1", "web"));

    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(1))
        .until(
            () -> {
              socket.drain();
              return socket.saw("\"name\":\"late\"") || socket.completed;
            });
    assertThat(socket.failure).isNull();
    List<String> lines = socket.lines();
    assertThat(lines).hasSize(OBJECTS + 2);
    for (int i = 0; i < OBJECTS; i++) {
      assertThat(lines.get(i)).startsWith("{\"type\":\"ADDED\"");
    }
    JsonObject end = JsonParser.parseString(lines.get(OBJECTS)).getAsJsonObject();
    assertThat(end.get("type").getAsString()).isEqualTo("BOOKMARK");
    JsonObject meta = end.getAsJsonObject("object").getAsJsonObject("metadata");
    assertThat(meta.get("resourceVersion").getAsString()).isEqualTo("10");
    assertThat(meta.getAsJsonObject("annotations").get("k8s.io/initial-events-end").getAsString())
        .isEqualTo("true");
    assertThat(lines.get(OBJECTS + 1)).startsWith("{\"type\":\"ADDED\"").contains("\"11\"");
    assertThat(w.replaying()).isFalse();
    assertThat(w.ended()).isFalse();
  }

  @Test
  void aWatcherWhoseClientReadsNothingHoldsAtMostItsBoundThenEndsCleanly() {
    ResourceCache cache = cacheOf(10);
    VirtualSocket socket = new VirtualSocket();
    HttpWatchSink sink = new HttpWatchSink(socket);
    sink.start();
    CacheWatcher w =
        new CacheWatcher(Selection.EVERYTHING, true, false, 10, "v1", "Pod", sink, null);
    cache.watch(w, 10, false);
    // Each of the first changes is a write of its own (nothing else was waiting), then the rest
    // wait.
    int accepted = CacheWatcher.WRITES_IN_FLIGHT + CacheWatcher.MAX_PENDING;
    for (int i = 0; i < accepted; i++) {
      cache.added(pod("ns", "n-" + i, 11 + i, "node-1", "web"));
      assertThat(w.pending()).isLessThanOrEqualTo(CacheWatcher.MAX_PENDING);
    }
    // Its client read nothing: the socket took one write, the writer holds the other one on its
    // way, the watcher the bounded rest as references; one more change ends it, as the cacher ends
    // a watcher whose input channel stays full.
    assertThat(socket.writes).isEqualTo(1);
    assertThat(w.ended()).isFalse();
    assertThat(w.pending()).isEqualTo(CacheWatcher.MAX_PENDING);
    cache.added(pod("ns", "one-more", 11 + accepted, "node-1", "web"));
    assertThat(w.ended()).isTrue();
    assertThat(w.pending()).isZero();
    assertThat(cache.watchers()).isZero();

    // Ended cleanly, what was on its way delivered first: the client resumes from its last RV.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(1))
        .until(
            () -> {
              socket.drain();
              return socket.completed;
            });
    assertThat(socket.failure).isNull();
    assertThat(socket.endWritten).isTrue();
    List<String> lines = socket.lines();
    assertThat(lines).hasSize(CacheWatcher.WRITES_IN_FLIGHT);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).contains("\"name\":\"n-" + i + "\"");
    }
  }
}
