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
   * A watcher this far behind is cut off, as the cacher ends watchers that cannot keep up: the
   * relay must not buffer without bound for one slow agent. Above a large node's initial state.
   */
  static final long MAX_QUEUED_EVENTS = 100_000;

  private final WatchStreamWriter writer;
  private volatile Runnable onEnd = () -> {};

  /** A sink onto {@code transport}: a chunked HTTP response, or a WebSocket's messages. */
  HttpWatchSink(WatchStreamWriter.Transport transport) {
    this.writer =
        new WatchStreamWriter(
            transport,
            MAX_QUEUED_EVENTS,
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
  public void end() {
    writer.end();
  }
}
