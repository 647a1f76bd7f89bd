package dev.safeclient.apiserver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Writes one open watch: a queue of already encoded events written asynchronously, one write at a
 * time (Jetty allows one pending write per response), so no thread is held while the watch is idle
 * and 5,000 watches need no 5,000 threads. The events go out as chunks of a plain HTTP response
 * ({@link #http}) or as WebSocket messages ({@link WebSocketWatch}). A watcher that falls too far
 * behind is cut off, as the cacher closes watchers that cannot keep up, so the server never buffers
 * without bound.
 */
public final class WatchStreamWriter {
  /** Where a watch's bytes go: the chunks of an HTTP response, or the messages of a WebSocket. */
  public interface Transport {
    /** False until bytes can be written (a WebSocket whose session is not open yet). */
    boolean ready();

    /** True if each event must be written as one buffer (one WebSocket message per event). */
    boolean messages();

    /** Puts the response headers on the wire, before any event. */
    void writeHeaders(Callback written);

    void writeEvent(ByteBuffer event, Callback written);

    /** Ends the stream cleanly (the final chunk, or a normal close). */
    void writeEnd(Callback written);

    /** The stream ended; {@code failure} is null for a clean end. */
    void completed(Throwable failure);
  }

  /** What a server counts about a stream. Called on Jetty's threads: keep it short. */
  public interface Listener {
    /** The headers were handed to the wire: the client sees its watch established. */
    default void established() {}

    /** {@code bytes} of one buffer are about to be written. */
    default void written(int bytes) {}

    /** The stream ended, cleanly or not; {@code established} says if it ever was. Once. */
    default void closed(boolean established) {}
  }

  /** A plain HTTP watch: events are chunks of one streamed 200 response. */
  public static Transport http(Response response, Callback done) {
    return new Transport() {
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
        // An empty, non-last write commits and flushes the headers alone.
        response.write(false, ByteBuffer.allocate(0), written);
      }

      @Override
      public void writeEvent(ByteBuffer event, Callback written) {
        response.write(false, event, written);
      }

      @Override
      public void writeEnd(Callback written) {
        response.write(true, ByteBuffer.allocate(0), written);
      }

      @Override
      public void completed(Throwable failure) {
        if (failure == null) {
          done.succeeded();
        } else {
          done.failed(failure);
        }
      }
    };
  }

  private static final Runnable NOTHING = () -> {};

  /** The queue's marker of a commit point (the headers, then a point to run something after). */
  private static final ByteBuffer COMMIT = ByteBuffer.allocate(0);

  private final Transport transport;
  private final Listener listener;
  private final long maxQueuedBuffers;
  private final ConcurrentLinkedQueue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final Writer writer = new Writer();

  /** What to run after each queued COMMIT, in queue order. */
  private final ConcurrentLinkedQueue<Runnable> afterCommits = new ConcurrentLinkedQueue<>();

  private volatile boolean ending;
  private volatile ScheduledFuture<?> endTimer;
  private volatile boolean silent;
  private boolean established;

  /**
   * A writer onto {@code transport}; more than {@code maxQueuedBuffers} buffers not yet written cut
   * the watch off.
   */
  public WatchStreamWriter(Transport transport, long maxQueuedBuffers, Listener listener) {
    this.transport = transport;
    this.maxQueuedBuffers = maxQueuedBuffers;
    this.listener = listener;
  }

  /** True until the stream ends or is ending. */
  public boolean isOpen() {
    return !finished.get() && !ending;
  }

  /**
   * A half-open connection: the watch stays established and nothing more reaches the client (queued
   * events wait). For fault injection.
   */
  public void silence() {
    silent = true;
  }

  public boolean isSilent() {
    return silent;
  }

  /** Queues one encoded event; false if the stream is closed or silent. */
  public boolean send(byte[] event) {
    if (silent || !isOpen()) {
      return false;
    }
    if (queued.incrementAndGet() > maxQueuedBuffers) {
      tooSlow();
      return false;
    }
    queue.add(ByteBuffer.wrap(event));
    writer.iterate();
    return true;
  }

  /**
   * Queues one event given as several buffers ({@link WatchEvents#jsonParts}), without copying them
   * on an HTTP stream; joined into one message on a WebSocket. False if closed or silent.
   */
  public boolean send(List<ByteBuffer> parts) {
    if (silent || !isOpen()) {
      return false;
    }
    if (transport.messages()) {
      int size = 0;
      for (ByteBuffer b : parts) {
        size += b.remaining();
      }
      byte[] joined = new byte[size];
      ByteBuffer j = ByteBuffer.wrap(joined);
      for (ByteBuffer b : parts) {
        j.put(b.duplicate());
      }
      return send(joined);
    }
    if (queued.addAndGet(parts.size()) > maxQueuedBuffers) {
      tooSlow();
      return false;
    }
    synchronized (this) {
      // The parts of one event stay together even if another thread sends meanwhile.
      for (ByteBuffer b : parts) {
        queue.add(b.duplicate());
      }
    }
    writer.iterate();
    return true;
  }

  private void tooSlow() {
    abort(new IOException("watcher too slow: " + maxQueuedBuffers + " buffers queued"));
  }

  /**
   * Sends the response headers even if silent (once: a later commit only marks a point in the
   * queue), then runs {@code after} (if any) once everything queued before it is on the wire.
   */
  public synchronized void commit(Runnable after) {
    afterCommits.add(after == null ? NOTHING : after);
    queued.incrementAndGet();
    queue.add(COMMIT);
    writer.iterate();
  }

  /**
   * Ends the stream cleanly after {@code timeout} (the watch's timeoutSeconds, or {@link
   * ApiserverDefaults#watchTimeout}), on {@code scheduler}'s clock; the timer is cancelled if the
   * stream ends first.
   */
  public void endAfter(Duration timeout, ScheduledExecutorService scheduler) {
    ScheduledFuture<?> f = scheduler.schedule(this::end, timeout.toNanos(), TimeUnit.NANOSECONDS);
    endTimer = f;
    if (finished.get()) {
      f.cancel(false);
    }
  }

  /** Ends the stream cleanly (the final chunk) once what is queued has been written. */
  public void end() {
    ending = true;
    writer.iterate();
  }

  /** Cuts the connection without the final chunk: the client sees a broken stream. */
  public void abort(Throwable why) {
    if (finish()) {
      writer.abort(why);
      transport.completed(why);
    }
  }

  /** Lets a transport that was not ready (a WebSocket before its session opened) write. */
  public void transportReady() {
    writer.iterate();
  }

  private void markEstablished() {
    synchronized (this) {
      if (established || finished.get()) {
        return;
      }
      established = true;
    }
    listener.established();
  }

  private boolean finish() {
    if (finished.compareAndSet(false, true)) {
      ScheduledFuture<?> t = endTimer;
      if (t != null) {
        t.cancel(false);
      }
      boolean wasOpen;
      synchronized (this) {
        wasOpen = established;
      }
      listener.closed(wasOpen);
      return true;
    }
    return false;
  }

  private final class Writer extends IteratingCallback {
    private boolean lastWritten;
    private boolean headersWritten;

    @Override
    protected Action process() {
      if (lastWritten) {
        return Action.SUCCEEDED;
      }
      if (!transport.ready()) {
        return Action.IDLE;
      }
      ByteBuffer b = queue.peek();
      if (b != null && (b == COMMIT || !silent)) {
        queue.poll();
        queued.decrementAndGet();
        if (b == COMMIT) {
          Runnable after = afterCommits.poll();
          Callback written =
              after == null || after == NOTHING
                  ? this
                  : Callback.from(
                      () -> {
                        succeeded();
                        ForkJoinPool.commonPool().execute(after);
                      },
                      this::failed);
          if (headersWritten) {
            written.succeeded();
            return Action.SCHEDULED;
          }
          headersWritten = true;
          markEstablished();
          transport.writeHeaders(written);
          return Action.SCHEDULED;
        }
        listener.written(b.remaining());
        transport.writeEvent(b, this);
        return Action.SCHEDULED;
      }
      if (ending) {
        lastWritten = true;
        transport.writeEnd(this);
        return Action.SCHEDULED;
      }
      return Action.IDLE;
    }

    @Override
    protected void onCompleteSuccess() {
      if (finish()) {
        transport.completed(null);
      }
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
      if (finish()) {
        transport.completed(cause);
      }
    }
  }
}
