package dev.safeclient.core.internal.pipeline;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.safeclient.core.internal.body.ListBodyFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import okhttp3.MediaType;

/**
 * LIST bodies in JSON, read as plain JSON (never through client-java's models or its global Gson):
 * fields the models do not know survive a merge untouched.
 */
public final class JsonListBodyFormat implements ListBodyFormat {
  /** Our own instance; HTML escaping off so strings keep the server's spelling. */
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

  /** JSON, {@code *+json}, or no content type at all (client-java reads that as JSON too). */
  @Override
  public boolean accepts(MediaType contentType) {
    return contentType == null
        || ("application".equals(contentType.type())
            && ("json".equals(contentType.subtype()) || contentType.subtype().endsWith("+json")));
  }

  @Override
  public String continueToken(byte[] body) throws IOException {
    return metadataString(body, "continue");
  }

  @Override
  public String resourceVersion(byte[] body) throws IOException {
    return metadataString(body, "resourceVersion");
  }

  @Override
  public byte[] merge(List<byte[]> pages) throws IOException {
    JsonObject first = parse(pages.get(0));
    JsonArray items = new JsonArray();
    for (byte[] page : pages) {
      JsonElement pageItems = parse(page).get("items");
      if (pageItems != null && pageItems.isJsonArray()) {
        items.addAll(pageItems.getAsJsonArray());
      }
    }
    first.add("items", items);
    JsonElement metadata = first.get("metadata");
    if (metadata != null && metadata.isJsonObject()) {
      metadata.getAsJsonObject().remove("continue");
      metadata.getAsJsonObject().remove("remainingItemCount");
    }
    return GSON.toJson(first).getBytes(StandardCharsets.UTF_8);
  }

  private static JsonObject parse(byte[] body) throws IOException {
    try {
      JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
      if (!e.isJsonObject()) {
        throw new IOException("malformed list page: not a JSON object");
      }
      return e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new IOException("malformed list page: " + e.getMessage(), e);
    }
  }

  /** One string of the list's {@code metadata}, streamed: the items are skipped, not built. */
  private static String metadataString(byte[] body, String field) throws IOException {
    try (JsonReader r =
        new JsonReader(
            new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8))) {
      r.beginObject();
      while (r.hasNext()) {
        if (!r.nextName().equals("metadata") || r.peek() != JsonToken.BEGIN_OBJECT) {
          r.skipValue();
          continue;
        }
        r.beginObject();
        while (r.hasNext()) {
          if (r.nextName().equals(field) && r.peek() == JsonToken.STRING) {
            return r.nextString();
          }
          r.skipValue();
        }
        return null;
      }
      return null;
    } catch (IOException | IllegalStateException e) {
      throw new IOException("malformed list page: " + e.getMessage(), e);
    }
  }
}
