package dev.safeclient.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * One open watch: a queue of shared, already encoded lines written asynchronously, one write at a
 * time (Jetty allows one pending write per response). No thread is held while the watch is idle.
 */
final class WatchStream {
  /**
   * A watcher this far behind is cut off, as the cacher closes watchers that cannot keep up
   * (cacheWatcher's blocked-channel timeout): the sim must not buffer without bound.
   */
  static final int MAX_QUEUED_EVENTS = 50_000;

  final ResourceType resource;
  final String namespace;
  final Selector selector;
  final boolean bookmarks;
  final String indexNode;
  final String userAgent;
  volatile boolean silent;
  long fromRv;
  ScheduledFuture<?> timeout;

  private final Response response;
  private final Callback done;
  private final ConcurrentLinkedQueue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final Writer writer = new Writer();
  private final SimStats stats;
  private volatile boolean ending;
  private volatile Runnable onClose = () -> {};
  private volatile Runnable afterCommit;
  private static final ByteBuffer COMMIT = ByteBuffer.allocate(0);

  WatchStream(
      ResourceType resource,
      String namespace,
      Selector selector,
      boolean bookmarks,
      String userAgent,
      Response response,
      Callback done,
      SimStats stats) {
    this.resource = resource;
    this.namespace = namespace;
    this.selector = selector;
    this.bookmarks = bookmarks;
    this.indexNode = selector.nodeName;
    this.userAgent = userAgent;
    this.response = response;
    this.done = done;
    this.stats = stats;
  }

  void onClose(Runnable r) {
    this.onClose = r;
  }

  boolean matches(StoredObject o) {
    return (namespace.isEmpty() || namespace.equals(o.namespace)) && selector.matches(o);
  }

  boolean isOpen() {
    return !finished.get() && !ending;
  }

  void send(byte[] line) {
    if (silent || !isOpen()) {
      return;
    }
    if (queued.incrementAndGet() > MAX_QUEUED_EVENTS) {
      abort(new IOException("watcher too slow: " + MAX_QUEUED_EVENTS + " events queued"));
      return;
    }
    queue.add(ByteBuffer.wrap(line));
    writer.iterate();
  }

  /**
   * Sends the response headers even if silent, then runs {@code after} (if any) once they are on
   * the wire.
   */
  void commit(Runnable after) {
    afterCommit = after;
    queued.incrementAndGet();
    queue.add(COMMIT);
    writer.iterate();
  }

  /** Ends the stream cleanly (the final chunk) once what is queued has been written. */
  void end() {
    ending = true;
    writer.iterate();
  }

  /** Cuts the connection without the final chunk: the client sees a broken stream. */
  void abort(Throwable why) {
    if (finish()) {
      writer.abort(why);
      done.failed(why);
    }
  }

  private boolean finish() {
    if (finished.compareAndSet(false, true)) {
      if (timeout != null) {
        timeout.cancel(false);
      }
      stats.watchClosed();
      onClose.run();
      return true;
    }
    return false;
  }

  private final class Writer extends IteratingCallback {
    private boolean lastWritten;

    @Override
    protected Action process() {
      if (lastWritten) {
        return Action.SUCCEEDED;
      }
      ByteBuffer b = queue.peek();
      if (b != null && (b == COMMIT || !silent)) {
        queue.poll();
        queued.decrementAndGet();
        if (b == COMMIT) {
          Runnable after = afterCommit;
          response.write(
              false,
              b.duplicate(),
              after == null
                  ? this
                  : Callback.from(
                      () -> {
                        succeeded();
                        ForkJoinPool.commonPool().execute(after);
                      },
                      this::failed));
          return Action.SCHEDULED;
        }
        stats.bytesSent(b.remaining());
        response.write(false, b, this);
        return Action.SCHEDULED;
      }
      if (ending) {
        lastWritten = true;
        response.write(true, ByteBuffer.allocate(0), this);
        return Action.SCHEDULED;
      }
      return Action.IDLE;
    }

    @Override
    protected void onCompleteSuccess() {
      if (finish()) {
        done.succeeded();
      }
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
      if (finish()) {
        done.failed(cause);
      }
    }
  }
}
