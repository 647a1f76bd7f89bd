package dev.safeclient.informer.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.core.internal.watch.WatchEvent;
import dev.safeclient.core.internal.watch.WatchEventReader;
import io.kubernetes.client.openapi.models.V1Status;
import java.io.IOException;
import java.util.Locale;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * Reads a JSON watch stream: one {@code {"type": ..., "object": ...}} document per line, as the API
 * server writes it. A line that does not decode, or a stream cut in the middle of a line, is an
 * {@link IOException} naming the line; events before it were already handed out whole.
 */
public final class JsonLinesWatchReader<T> implements WatchEventReader<T> {
  static WatchStreamFormat format(TolerantJson json) {
    return new WatchStreamFormat() {
      @Override
      public String accept(Class<?> type) {
        return "application/json";
      }

      @Override
      public <T> WatchEventReader<T> open(Response response, Class<T> type) {
        return new JsonLinesWatchReader<>(response, type, json);
      }
    };
  }

  private final Response response;
  private final BufferedSource source;
  private final Class<T> type;
  private final TolerantJson json;
  private final String requestLine;
  private long line;

  JsonLinesWatchReader(Response response, Class<T> type, TolerantJson json) {
    this.response = response;
    this.source = response.body().source();
    this.type = type;
    this.json = json;
    String query = response.request().url().encodedQuery();
    this.requestLine =
        response.request().method()
            + " "
            + response.request().url().encodedPath()
            + (query == null ? "" : "?" + query);
  }

  @Override
  public WatchEvent<T> next() throws IOException {
    while (true) {
      // Distinguish a clean end (all lines newline-terminated) from a cut one.
      if (source.exhausted()) {
        return null;
      }
      long newline = source.indexOf((byte) '\n');
      String text;
      boolean terminated = newline >= 0;
      text = terminated ? source.readUtf8Line() : source.readUtf8();
      line++;
      if (text.isBlank()) {
        continue;
      }
      try {
        return decode(text);
      } catch (RuntimeException | IOException e) {
        throw new MalformedWatchEventException(
            (terminated ? "malformed" : "truncated")
                + " watch event at line "
                + line
                + " ("
                + type.getSimpleName()
                + "): "
                + safeMessage(e)
                + " ("
                + text.length()
                + " chars)",
            e);
      }
    }
  }

  private WatchEvent<T> decode(String text) throws IOException {
    JsonElement root = JsonParser.parseString(text);
    if (!root.isJsonObject()) {
      throw new JsonParseException("not an object");
    }
    JsonObject obj = root.getAsJsonObject();
    JsonElement typeField = obj.get("type");
    JsonElement object = obj.get("object");
    if (typeField == null
        || !typeField.isJsonPrimitive()
        || object == null
        || !object.isJsonObject()) {
      throw new JsonParseException("missing \"type\" or \"object\"");
    }
    WatchEvent.Type eventType;
    try {
      eventType = WatchEvent.Type.valueOf(typeField.getAsString().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new JsonParseException("unknown event type " + typeField.getAsString());
    }
    if (eventType == WatchEvent.Type.ERROR) {
      return WatchEvent.error(json.decode(object, V1Status.class, requestLine));
    }
    // Tolerant, as the LIST path: a newer server's fields are kept and warned (SC203), not fatal.
    T decoded = json.decode(object, type, requestLine);
    if (decoded == null) {
      throw new JsonParseException("null object");
    }
    return WatchEvent.of(eventType, decoded);
  }

  /**
   * client-java's model validation quotes the whole object after "JSON:"; a Secret's data must
   * never reach a log, so only the part before it is kept.
   */
  public static String safeMessage(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int json = m.indexOf("JSON:");
    if (json >= 0) {
      m = m.substring(0, json).trim();
    }
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }

  @Override
  public void close() {
    response.close();
  }

  /** A watch line that could not be decoded: the reflector backs off and resumes. */
  public static final class MalformedWatchEventException extends IOException {
    public MalformedWatchEventException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
