package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.WatchStreamWriter;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A watcher's events as the chunks of one streamed 200 response, or as the messages of a WebSocket,
 * through the protocol module's asynchronous writer: no thread is held while a watch is idle.
 */
final class HttpWatchSink implements CacheWatcher.Sink {
  /**
   * Buffers queued for the socket beyond which the stream is cut off. A watcher queues at most
   * {@link CacheWatcher#WRITES_IN_FLIGHT} writes of {@link CacheWatcher#EVENTS_PER_WRITE} events (a
   * JSON event is up to three buffers), and keeps the rest as references until they drain: this
   * bound is only the writer's own guard.
   */
  static final long MAX_QUEUED_BUFFERS =
      4L * CacheWatcher.WRITES_IN_FLIGHT * CacheWatcher.EVENTS_PER_WRITE + 16;

  private final WatchStreamWriter writer;
  private volatile Runnable onEnd = () -> {};

  /** A sink onto {@code transport}: a chunked HTTP response, or a WebSocket's messages. */
  HttpWatchSink(WatchStreamWriter.Transport transport) {
    this.writer =
        new WatchStreamWriter(
            transport,
            MAX_QUEUED_BUFFERS,
            new WatchStreamWriter.Listener() {
              @Override
              public void closed(boolean established) {
                onEnd.run();
              }
            });
  }

  WatchStreamWriter writer() {
    return writer;
  }

  void onEnd(Runnable r) {
    this.onEnd = r;
  }

  /** Puts the headers on the wire before any event, as the apiserver flushes them at once. */
  void start() {
    writer.commit(null);
  }

  @Override
  public boolean send(byte[] event) {
    return writer.send(event);
  }

  @Override
  public boolean send(List<ByteBuffer> event) {
    return writer.send(event);
  }

  @Override
  public void afterWritten(Runnable written) {
    writer.commit(written);
  }

  @Override
  public void end() {
    writer.end();
  }
}
