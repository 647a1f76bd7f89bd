package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * The watch writer over a transport whose writes complete only when the test says so, as a slow
 * client's would: one write at a time, in order, back-pressure, clean end and abort.
 */
class WatchStreamWriterTest {
  /** Records what reaches the wire; each write waits for {@link #complete()}. */
  static final class SlowTransport implements WatchStreamWriter.Transport {
    final ByteArrayOutputStream wire = new ByteArrayOutputStream();
    final Deque<Callback> pending = new ArrayDeque<>();
    final List<String> calls = new ArrayList<>();
    boolean messages;
    boolean ready = true;
    final AtomicReference<Throwable> completed = new AtomicReference<>();
    boolean completedCleanly;

    @Override
    public boolean ready() {
      return ready;
    }

    @Override
    public boolean messages() {
      return messages;
    }

    @Override
    public void writeHeaders(Callback written) {
      calls.add("headers");
      pending.add(written);
    }

    @Override
    public void writeEvent(ByteBuffer event, Callback written) {
      byte[] b = new byte[event.remaining()];
      event.get(b);
      calls.add("event:" + new String(b, StandardCharsets.UTF_8));
      wire.writeBytes(b);
      pending.add(written);
    }

    @Override
    public void writeEnd(Callback written) {
      calls.add("end");
      pending.add(written);
    }

    @Override
    public void completed(Throwable failure) {
      completed.set(failure);
      completedCleanly = failure == null;
    }

    void complete() {
      pending.poll().succeeded();
    }

    void completeAll() {
      while (!pending.isEmpty()) {
        complete();
      }
    }
  }

  static final class Counts implements WatchStreamWriter.Listener {
    final AtomicInteger established = new AtomicInteger();
    final AtomicInteger bytes = new AtomicInteger();
    final List<Boolean> closed = new ArrayList<>();

    @Override
    public void established() {
      established.incrementAndGet();
    }

    @Override
    public void written(int n) {
      bytes.addAndGet(n);
    }

    @Override
    public void closed(boolean wasEstablished) {
      closed.add(wasEstablished);
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void headersFirstThenEventsInOrderOneWriteAtATime() {
    SlowTransport t = new SlowTransport();
    Counts c = new Counts();
    WatchStreamWriter w = new WatchStreamWriter(t, 100, c);
    w.commit(null);
    w.send(b("one\n"));
    w.send(WatchEvents.jsonParts(WatchEvents.Type.ADDED, b("{}")));
    // Only the headers are being written: nothing else until that write completes.
    assertThat(t.calls).containsExactly("headers");
    assertThat(c.established).hasValue(1);
    t.complete();
    assertThat(t.calls).containsExactly("headers", "event:one\n");
    t.completeAll();
    t.completeAll();
    t.completeAll();
    assertThat(t.wire.toString(StandardCharsets.UTF_8))
        .isEqualTo("one\n{\"type\":\"ADDED\",\"object\":{}}\n");
    assertThat(c.bytes).hasValue(t.wire.size());
    w.end();
    assertThat(w.isOpen()).isFalse();
    t.completeAll();
    assertThat(t.calls).last().isEqualTo("end");
    assertThat(t.completedCleanly).isTrue();
    assertThat(c.closed).containsExactly(true);
    // Closed: later events go nowhere.
    assertThat(w.send(b("late\n"))).isFalse();
  }

  @Test
  void aWebSocketGetsEachEventAsOneMessage() {
    SlowTransport t = new SlowTransport();
    t.messages = true;
    t.ready = false;
    WatchStreamWriter w = new WatchStreamWriter(t, 100, new Counts());
    w.commit(null);
    w.send(WatchEvents.jsonParts(WatchEvents.Type.DELETED, b("{\"a\":1}")));
    assertThat(t.calls).isEmpty(); // the session is not open yet
    t.ready = true;
    w.transportReady();
    t.completeAll();
    t.completeAll();
    assertThat(t.calls)
        .containsExactly("headers", "event:{\"type\":\"DELETED\",\"object\":{\"a\":1}}\n");
  }

  @Test
  void aWatcherTooFarBehindIsCutOff() {
    SlowTransport t = new SlowTransport();
    Counts c = new Counts();
    WatchStreamWriter w = new WatchStreamWriter(t, 3, c);
    w.commit(null); // 1 queued, being written
    assertThat(w.send(b("a"))).isTrue();
    assertThat(w.send(b("b"))).isTrue();
    assertThat(w.send(b("c"))).isTrue();
    assertThat(w.send(b("d"))).isFalse();
    assertThat(w.isOpen()).isFalse();
    assertThat(t.completed.get()).hasMessageContaining("watcher too slow");
    assertThat(c.closed).containsExactly(true);
  }

  @Test
  void aSilentStreamIsEstablishedAndSendsNothing() {
    SlowTransport t = new SlowTransport();
    Counts c = new Counts();
    WatchStreamWriter w = new WatchStreamWriter(t, 100, c);
    w.silence();
    w.commit(null);
    assertThat(w.send(b("x"))).isFalse();
    t.completeAll();
    assertThat(t.calls).containsExactly("headers");
    assertThat(c.established).hasValue(1);
  }

  @Test
  void abortBeforeTheHeadersIsNeverCountedOpen() {
    SlowTransport t = new SlowTransport();
    Counts c = new Counts();
    WatchStreamWriter w = new WatchStreamWriter(t, 100, c);
    w.abort(new java.io.IOException("dropped"));
    w.abort(new java.io.IOException("twice"));
    assertThat(c.closed).containsExactly(false);
    assertThat(t.completed.get()).hasMessage("dropped");
  }

  @Test
  void aCommitRunsItsActionOnceEverythingBeforeItIsWritten() throws Exception {
    SlowTransport t = new SlowTransport();
    WatchStreamWriter w = new WatchStreamWriter(t, 100, new Counts());
    java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
    w.commit(null);
    w.send(b("e"));
    w.commit(ran::countDown);
    t.complete(); // headers
    assertThat(ran.getCount()).isEqualTo(1);
    t.complete(); // e
    assertThat(ran.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aWatchEndsCleanlyAtItsTimeoutAndAnEarlierEndCancelsTheTimer() throws Exception {
    java.util.concurrent.ScheduledThreadPoolExecutor clock =
        new java.util.concurrent.ScheduledThreadPoolExecutor(1);
    clock.setRemoveOnCancelPolicy(true);
    try {
      SlowTransport t = new SlowTransport();
      Counts c = new Counts();
      WatchStreamWriter w = new WatchStreamWriter(t, 100, c);
      w.commit(null);
      t.complete();
      w.endAfter(java.time.Duration.ZERO, clock);
      org.awaitility.Awaitility.await().until(() -> !w.isOpen());
      t.completeAll();
      assertThat(t.calls).last().isEqualTo("end");
      assertThat(t.completedCleanly).isTrue();

      WatchStreamWriter cut = new WatchStreamWriter(new SlowTransport(), 100, new Counts());
      cut.endAfter(java.time.Duration.ofHours(1), clock);
      assertThat(clock.getQueue()).hasSize(1);
      cut.abort(new java.io.IOException("client gone"));
      assertThat(clock.getQueue()).isEmpty();
    } finally {
      clock.shutdownNow();
    }
  }
}
