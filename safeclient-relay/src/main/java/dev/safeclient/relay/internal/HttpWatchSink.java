package dev.safeclient.relay.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * A watch's events as the chunks of one streamed 200 response, written asynchronously one at a
 * time (Jetty allows one pending write per response): no thread is held while a watch is idle.
 */
final class HttpWatchSink implements CacheWatcher.Sink {
  /**
   * A watcher this far behind is cut off, as the cacher ends watchers that cannot keep up: the
   * relay must not buffer without bound for one slow agent. Above a large node's initial state.
   */
  static final int MAX_QUEUED_EVENTS = 100_000;

  private static final ByteBuffer END = ByteBuffer.allocate(0);

  private final Response response;
  private final Callback done;
  private final ConcurrentLinkedQueue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final Writer writer = new Writer();
  private volatile Runnable onEnd = () -> {};

  HttpWatchSink(Response response, Callback done) {
    this.response = response;
    this.done = done;
  }

  void onEnd(Runnable r) {
    this.onEnd = r;
  }

  /** Puts the headers on the wire before any event, as the apiserver flushes them at once. */
  void start() {
    queue.add(ByteBuffer.allocate(0));
    writer.iterate();
  }

  @Override
  public boolean send(byte[] event) {
    if (queued.incrementAndGet() > MAX_QUEUED_EVENTS) {
      return false;
    }
    queue.add(ByteBuffer.wrap(event));
    writer.iterate();
    return true;
  }

  @Override
  public void end() {
    queue.add(END);
    writer.iterate();
  }

  private final class Writer extends IteratingCallback {
    private boolean last;

    @Override
    protected Action process() {
      if (last) {
        return Action.SUCCEEDED;
      }
      ByteBuffer b = queue.poll();
      if (b == null) {
        return Action.IDLE;
      }
      if (b == END) {
        last = true;
        response.write(true, ByteBuffer.allocate(0), this);
        return Action.SCHEDULED;
      }
      if (b.hasRemaining()) {
        queued.decrementAndGet();
      }
      response.write(false, b, this);
      return Action.SCHEDULED;
    }

    @Override
    protected void onCompleteSuccess() {
      onEnd.run();
      done.succeeded();
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
      queue.clear();
      onEnd.run();
      done.failed(cause);
    }
  }
}
