package dev.safeclient.informer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.core.internal.watch.WatchEvent;
import dev.safeclient.core.internal.watch.WatchEventReader;
import dev.safeclient.informer.internal.JsonLinesWatchReader.MalformedWatchEventException;
import io.kubernetes.client.openapi.models.V1Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * Reads a JSON watch stream without decoding its objects: one {@code {"type":..,"object":{..}}}
 * line at a time, the object's bytes cut out of the line exactly. A line that does not parse, or a
 * stream cut inside a line, is a {@link MalformedWatchEventException} naming the line; events
 * before it were handed out whole.
 */
final class RawWatchEvents implements WatchEventReader<RawObject> {
  private final Response response;
  private final BufferedSource source;
  private final TolerantJson json;
  private final String requestLine;
  private long line;

  RawWatchEvents(Response response, TolerantJson json) {
    this.response = response;
    this.source = response.body().source();
    this.json = json;
    String query = response.request().url().encodedQuery();
    this.requestLine =
        response.request().method()
            + " "
            + response.request().url().encodedPath()
            + (query == null ? "" : "?" + query);
  }

  @Override
  public WatchEvent<RawObject> next() throws IOException {
    while (true) {
      if (source.exhausted()) {
        return null;
      }
      long newline = source.indexOf((byte) '\n');
      boolean terminated = newline >= 0;
      byte[] bytes = terminated ? source.readByteArray(newline) : source.readByteArray();
      if (terminated) {
        source.skip(1);
      }
      line++;
      if (isBlank(bytes)) {
        continue;
      }
      try {
        return decode(bytes);
      } catch (IOException | RuntimeException e) {
        // As the typed reader: a decode failure, not the server's (the cause is unchecked).
        throw new MalformedWatchEventException(
            (terminated ? "malformed" : "truncated")
                + " watch event at line "
                + line
                + " (raw JSON): "
                + (e instanceof RawJsonException ? e.getMessage() : e.getClass().getSimpleName())
                + " ("
                + bytes.length
                + " bytes)",
            e instanceof IOException io ? new UncheckedIOException(io) : e);
      }
    }
  }

  private WatchEvent<RawObject> decode(byte[] bytes) throws IOException {
    String type = null;
    RawObject object = null;
    byte[] objectBytes = null;
    try (JsonParser p = RawJson.FACTORY.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new RawJsonException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("type") && value == JsonToken.VALUE_STRING) {
          type = p.getText();
        } else if (field.equals("object") && value == JsonToken.START_OBJECT) {
          RawJson.Scan s = RawJson.scan(p);
          objectBytes = Arrays.copyOfRange(bytes, (int) s.start, (int) s.end);
          object = s.toObject(objectBytes);
        } else {
          p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw new RawJsonException("malformed JSON: a member without a name");
      }
      RawJson.end(p);
    } catch (IOException e) {
      throw RawJson.translate(e, "event");
    }
    if (type == null || object == null) {
      throw new RawJsonException("missing \"type\" or \"object\"");
    }
    WatchEvent.Type eventType;
    try {
      eventType = WatchEvent.Type.valueOf(type.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new RawJsonException("unknown event type " + type);
    }
    if (eventType == WatchEvent.Type.ERROR) {
      // A Status, read as the typed reader reads it, for the reflector's recovery.
      V1Status status =
          json.decode(
              com.google.gson.JsonParser.parseString(
                  new String(objectBytes, StandardCharsets.UTF_8)),
              V1Status.class,
              requestLine);
      if (status == null) {
        throw new RawJsonException("an ERROR event without a Status");
      }
      return WatchEvent.error(status);
    }
    return WatchEvent.of(eventType, object);
  }

  private static boolean isBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    response.close();
  }
}
