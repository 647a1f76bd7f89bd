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
 * The lines go out as chunks of a plain HTTP response or as WebSocket messages ({@link Transport}).
 */
final class WatchStream {
  /** Where a watch's bytes go: the chunks of an HTTP response, or the messages of a WebSocket. */
  interface Transport {
    /** False until bytes can be written (a WebSocket's session not yet open). */
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

  /** A plain HTTP watch: events are chunks of one streamed 200 response. */
  static Transport http(Response response, Callback done) {
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

  /**
   * A watcher this far behind is cut off, as the cacher closes watchers that cannot keep up
   * (cacheWatcher's blocked-channel timeout): the sim must not buffer without bound. Above the
   * largest initial state rehearsed (150,000 pods), so an initial RV=0 watch fits.
   */
  static final int MAX_QUEUED_EVENTS = 250_000;

  /** An event is queued as one buffer, or three (an initial ADDED around shared bytes). */
  private static final long MAX_QUEUED_BUFFERS = 3L * MAX_QUEUED_EVENTS;

  final ResourceType resource;
  final String namespace;
  final Selector selector;
  final boolean bookmarks;
  final String indexNode;
  final String userAgent;
  final boolean protobuf;
  volatile boolean silent;
  long fromRv;
  ScheduledFuture<?> timeout;

  private final Transport transport;
  private final ConcurrentLinkedQueue<ByteBuffer> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean finished = new AtomicBoolean();
  private final Writer writer = new Writer();
  private final SimStats stats;
  private volatile boolean ending;
  private volatile Runnable onClose = () -> {};

  /** What to run after each queued COMMIT, in queue order. */
  private final ConcurrentLinkedQueue<Runnable> afterCommits = new ConcurrentLinkedQueue<>();

  private static final Runnable NOTHING = () -> {};
  private static final ByteBuffer COMMIT = ByteBuffer.allocate(0);

  WatchStream(
      ResourceType resource,
      String namespace,
      Selector selector,
      boolean bookmarks,
      String userAgent,
      boolean protobuf,
      Transport transport,
      SimStats stats) {
    this.protobuf = protobuf;
    this.resource = resource;
    this.namespace = namespace;
    this.selector = selector;
    this.bookmarks = bookmarks;
    this.indexNode = selector.nodeName;
    this.userAgent = userAgent;
    this.transport = transport;
    this.stats = stats;
  }

  void onClose(Runnable r) {
    this.onClose = r;
  }

  boolean matches(StoredObject o) {
    return (namespace.isEmpty() || namespace.equals(o.namespace)) && selector.matches(o);
  }

  /** This watch's bill: events, bookmarks and bytes sent are added as they go. */
  volatile RequestRecord record;

  boolean isOpen() {
    return !finished.get() && !ending;
  }

  /** Sends a JSON watch line, converted to a Protobuf frame if this watch asked for it. */
  void sendLine(byte[] jsonLine) {
    send(protobuf ? ProtobufEncoding.frameFromJsonLine(jsonLine) : jsonLine);
  }

  /**
   * Sends an ADDED event for a stored object without copying it: the line is written as three
   * chunks around the object's shared bytes (initial events of RV 0/unset and streaming lists).
   */
  void sendAdded(StoredObject o) {
    if (protobuf) {
      // counted as an event by send
      sendLine(Change.watchLine("ADDED", o.json));
      return;
    }
    if (silent || !isOpen()) {
      return;
    }
    if (transport.messages()) {
      // One WebSocket message per event: the three parts are joined.
      byte[] line = new byte[ADDED_HEAD.length + o.json.length + LINE_END.length];
      System.arraycopy(ADDED_HEAD, 0, line, 0, ADDED_HEAD.length);
      System.arraycopy(o.json, 0, line, ADDED_HEAD.length, o.json.length);
      System.arraycopy(LINE_END, 0, line, ADDED_HEAD.length + o.json.length, LINE_END.length);
      send(line);
      return;
    }
    if (queued.addAndGet(3) > MAX_QUEUED_BUFFERS) {
      abort(new IOException("watcher too slow: " + MAX_QUEUED_EVENTS + " events queued"));
      return;
    }
    countEvent();
    queue.add(ByteBuffer.wrap(ADDED_HEAD));
    queue.add(ByteBuffer.wrap(o.json));
    queue.add(ByteBuffer.wrap(LINE_END));
    writer.iterate();
  }

  private static final byte[] ADDED_HEAD =
      "{\"type\":\"ADDED\",\"object\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] LINE_END = {'}', '\n'};

  /** Sends an event already in this watch's encoding. */
  void send(byte[] line) {
    if (silent || !isOpen()) {
      return;
    }
    countEvent();
    enqueue(line);
  }

  /** Sends a BOOKMARK already in this watch's encoding. */
  void sendBookmark(byte[] bookmark) {
    if (silent || !isOpen()) {
      return;
    }
    RequestRecord r = record;
    if (r != null) {
      r.bookmarks.increment();
    }
    enqueue(bookmark);
  }

  /** Sends a JSON BOOKMARK line, as a Protobuf frame if this watch asked for it. */
  void sendBookmarkLine(byte[] jsonLine) {
    sendBookmark(protobuf ? ProtobufEncoding.frameFromJsonLine(jsonLine) : jsonLine);
  }

  private void countEvent() {
    RequestRecord r = record;
    if (r != null) {
      r.watchEvents.increment();
    }
  }

  private void enqueue(byte[] line) {
    if (queued.incrementAndGet() > MAX_QUEUED_BUFFERS) {
      abort(new IOException("watcher too slow: " + MAX_QUEUED_EVENTS + " events queued"));
      return;
    }
    queue.add(ByteBuffer.wrap(line));
    writer.iterate();
  }

  /** Lets a transport that was not ready (a WebSocket before its session opened) write. */
  void transportReady() {
    writer.iterate();
  }

  /**
   * Counts this watch open once its headers are handed to the wire (or its WebSocket accepted): a
   * stream the client never sees established is not an open watch.
   */
  void established() {
    synchronized (this) {
      if (established || finished.get()) {
        return;
      }
      established = true;
    }
    stats.watchOpened();
  }

  private boolean established;

  /**
   * Sends the response headers even if silent (once: a later commit only marks a point in the
   * queue), then runs {@code after} (if any) once everything queued before it is on the wire.
   */
  synchronized void commit(Runnable after) {
    afterCommits.add(after == null ? NOTHING : after);
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
      transport.completed(why);
    }
  }

  private boolean finish() {
    if (finished.compareAndSet(false, true)) {
      if (timeout != null) {
        timeout.cancel(false);
      }
      boolean wasOpen;
      synchronized (this) {
        wasOpen = established;
      }
      if (wasOpen) {
        stats.watchClosed();
      }
      onClose.run();
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
          established();
          transport.writeHeaders(written);
          return Action.SCHEDULED;
        }
        stats.bytesSent(b.remaining());
        RequestRecord r = record;
        if (r != null) {
          r.bytes.add(b.remaining());
          FormBill.Live bill = r.bill;
          if (bill != null) {
            bill.bytes.add(b.remaining());
          }
        }
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
