package dev.safeclient.testing;

import dev.safeclient.apiserver.WatchEvents;
import dev.safeclient.apiserver.WatchStreamWriter;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One open watch of KubeSim: what it selects, its bill, and its resume point; the bytes go out
 * through the protocol module's {@link WatchStreamWriter} (async, one write at a time, no thread
 * held while idle), as chunks of a plain HTTP response or as WebSocket messages.
 */
final class WatchStream {
  /** A plain HTTP watch: events are chunks of one streamed 200 response. */
  static WatchStreamWriter.Transport http(Response response, Callback done) {
    return WatchStreamWriter.http(response, done);
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

  private final WatchStreamWriter writer;
  private final SimStats stats;
  private volatile Runnable onClose = () -> {};

  WatchStream(
      ResourceType resource,
      String namespace,
      Selector selector,
      boolean bookmarks,
      String userAgent,
      boolean protobuf,
      WatchStreamWriter.Transport transport,
      SimStats stats) {
    this.protobuf = protobuf;
    this.resource = resource;
    this.namespace = namespace;
    this.selector = selector;
    this.bookmarks = bookmarks;
    this.indexNode = selector.nodeName;
    this.userAgent = userAgent;
    this.stats = stats;
    this.writer = new WatchStreamWriter(transport, MAX_QUEUED_BUFFERS, new Accounting());
  }

  /** The writer, for a transport that must be told when it can write (a WebSocket). */
  WatchStreamWriter writer() {
    return writer;
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
    return writer.isOpen();
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
    countEvent();
    writer.send(WatchEvents.jsonParts(WatchEvents.Type.ADDED, o.json));
  }

  /** Sends an event already in this watch's encoding. */
  void send(byte[] line) {
    if (silent || !isOpen()) {
      return;
    }
    countEvent();
    writer.send(line);
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
    writer.send(bookmark);
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

  /** A half-open connection from now on: nothing more reaches the client. */
  void silence() {
    silent = true;
    writer.silence();
  }

  /**
   * Sends the response headers even if silent (once: a later commit only marks a point in the
   * queue), then runs {@code after} (if any) once everything queued before it is on the wire.
   */
  void commit(Runnable after) {
    writer.commit(after);
  }

  /** Ends the stream cleanly at the watch's timeout, on KubeSim's clock. */
  void endAfter(java.time.Duration timeout, java.util.concurrent.ScheduledExecutorService clock) {
    writer.endAfter(timeout, clock);
  }

  /** Ends the stream cleanly (the final chunk) once what is queued has been written. */
  void end() {
    writer.end();
  }

  /** Cuts the connection without the final chunk: the client sees a broken stream. */
  void abort(Throwable why) {
    writer.abort(why);
  }

  /** Counts the watch open once established, its bytes as they go, and closed once. */
  private final class Accounting implements WatchStreamWriter.Listener {
    @Override
    public void established() {
      stats.watchOpened();
    }

    @Override
    public void written(int bytes) {
      stats.bytesSent(bytes);
      RequestRecord r = record;
      if (r != null) {
        r.bytes.add(bytes);
        FormBill.Live bill = r.bill;
        if (bill != null) {
          bill.bytes.add(bytes);
        }
      }
    }

    @Override
    public void closed(boolean established) {
      if (established) {
        stats.watchClosed();
      }
      onClose.run();
    }
  }
}
