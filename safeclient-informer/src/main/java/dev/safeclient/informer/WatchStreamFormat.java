package dev.safeclient.informer;

import dev.safeclient.core.watch.WatchEventReader;
import java.io.IOException;
import okhttp3.Response;

/**
 * The one seam that chooses how informer watch streams are encoded and decoded: the {@code Accept}
 * header sent on the watch, and the {@link WatchEventReader} for the answer. JSON lines today; a
 * Protobuf reader (length-framed {@code WatchEvent}s) plugs in here for built-in types.
 */
public interface WatchStreamFormat {
  /** The {@code Accept} header for a watch of {@code type}. */
  String accept(Class<?> type);

  /**
   * A reader for one successful (2xx) watch response. The reader owns the response and closes it.
   * It picks its decoder from the response's {@code Content-Type}, as the server may fall back.
   */
  <T> WatchEventReader<T> open(Response response, Class<T> type) throws IOException;

  /** JSON lines, decoded with client-java's model classes. */
  static WatchStreamFormat jsonLines() {
    return JsonLinesWatchReader.FORMAT;
  }
}
