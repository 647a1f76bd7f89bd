package dev.safeclient.informer;

import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.core.internal.watch.WatchEventReader;
import java.io.IOException;
import okhttp3.Response;

/**
 * The one seam that chooses how informer watch streams are encoded and decoded: the {@code Accept}
 * header sent on the watch, and the {@link WatchEventReader} for the answer. JSON lines today; a
 * Protobuf reader (length-framed {@code WatchEvent}s) plugs in here for built-in types.
 */
interface WatchStreamFormat {
  /** The {@code Accept} header for a watch of {@code type}. */
  String accept(Class<?> type);

  /**
   * The {@code Accept} header for a watch of {@code type} in {@code groupVersion} ({@code v1},
   * {@code apps/v1}): a format may ask for another encoding for a group/version that answered in a
   * way it could not decode whole.
   */
  default String accept(Class<?> type, String groupVersion) {
    return accept(type);
  }

  /**
   * A reader for one successful (2xx) watch response. The reader owns the response and closes it.
   * It picks its decoder from the response's {@code Content-Type}, as the server may fall back.
   */
  <T> WatchEventReader<T> open(Response response, Class<T> type) throws IOException;

  /**
   * JSON lines, decoded into client-java's model classes by the client's tolerant decoder (SC203),
   * never client-java's strict static {@code JSON}.
   */
  static WatchStreamFormat jsonLines(TolerantJson json) {
    return JsonLinesWatchReader.format(json);
  }
}
