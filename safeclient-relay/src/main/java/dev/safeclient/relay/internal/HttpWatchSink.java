package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.WatchStreamWriter;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A watcher's events as the chunks of one streamed 200 response, through the protocol module's
 * asynchronous writer: no thread is held while a watch is idle.
 */
final class HttpWatchSink implements CacheWatcher.Sink {
  /**
   * A watcher this far behind is cut off, as the cacher ends watchers that cannot keep up: the
   * relay must not buffer without bound for one slow agent. Above a large node's initial state.
   */
  static final long MAX_QUEUED_EVENTS = 100_000;

  private final WatchStreamWriter writer;
  private volatile Runnable onEnd = () -> {};

  HttpWatchSink(Response response, Callback done) {
    this.writer =
        new WatchStreamWriter(
            WatchStreamWriter.http(response, done),
            MAX_QUEUED_EVENTS,
            new WatchStreamWriter.Listener() {
              @Override
              public void closed(boolean established) {
                onEnd.run();
              }
            });
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
