package dev.safeclient.core.internal.pipeline;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.safeclient.core.internal.body.ListBodyFormat;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;

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
    try (ResponseBody b = mergedBody(new ArrayList<>(pages), null)) {
      return b.bytes();
    }
  }

  /**
   * The merged list, streamed token by token into okio segments: the first page's fields in their
   * order, its {@code items} followed by every later page's, each page released (set to null) once
   * its items are copied; only the list's metadata is built as a tree. So what is held is the pages
   * not yet copied plus the merged list: about one list's bytes, never a tree of every item. Plain
   * client-java holds its single unpaged answer whole too, and more: the bytes and a String of
   * them.
   */
  @Override
  public ResponseBody mergedBody(List<byte[]> pages, MediaType contentType) throws IOException {
    if (pages.isEmpty()) {
      throw new IOException("no list pages to merge");
    }
    Buffer out = new Buffer();
    try (JsonWriter w = new JsonWriter(new OutputStreamWriter(out.outputStream(), UTF_8))) {
      JsonReader first = reader(pages.get(0));
      first.beginObject();
      w.beginObject();
      boolean items = false;
      while (first.hasNext()) {
        String name = first.nextName();
        w.name(name);
        if (name.equals("items")) {
          w.beginArray();
          copyItems(first, w);
          copyLaterPagesItems(pages, w);
          w.endArray();
          items = true;
        } else if (name.equals("metadata") && first.peek() == JsonToken.BEGIN_OBJECT) {
          JsonObject metadata = JsonParser.parseReader(first).getAsJsonObject();
          metadata.remove("continue");
          metadata.remove("remainingItemCount");
          GSON.toJson(metadata, w);
        } else {
          copy(first, w);
        }
      }
      first.endObject();
      endOfPage(first, 0, items);
      w.endObject();
      pages.set(0, null);
    } catch (IOException | IllegalStateException | JsonParseException e) {
      out.clear();
      throw new IOException("malformed list page: " + e.getMessage(), e);
    }
    return ResponseBody.create(out, contentType, out.size());
  }

  private static void copyLaterPagesItems(List<byte[]> pages, JsonWriter w) throws IOException {
    for (int i = 1; i < pages.size(); i++) {
      JsonReader r = reader(pages.get(i));
      r.beginObject();
      boolean items = false;
      while (r.hasNext()) {
        if (r.nextName().equals("items")) {
          copyItems(r, w);
          items = true;
        } else {
          r.skipValue();
        }
      }
      r.endObject();
      endOfPage(r, i, items);
      pages.set(i, null);
    }
  }

  /**
   * A page is one list object and nothing after it. A list always carries {@code items} (Go writes
   * an empty one as {@code null}, never leaves it out), so a page without is not a list (a Status a
   * proxy answered 200, say), and merging it as no items would hand the caller a partial list.
   */
  private static void endOfPage(JsonReader r, int index, boolean items) throws IOException {
    if (!items) {
      throw new IOException("page " + (index + 1) + " is not a list: it has no items");
    }
    if (r.peek() != JsonToken.END_DOCUMENT) {
      throw new IOException("page " + (index + 1) + " has data after its list");
    }
  }

  /** A list's items, into the array {@code w} is writing; {@code null} items are none. */
  private static void copyItems(JsonReader r, JsonWriter w) throws IOException {
    if (r.peek() == JsonToken.NULL) {
      r.nextNull();
      return;
    }
    r.beginArray();
    while (r.hasNext()) {
      copy(r, w);
    }
    r.endArray();
  }

  /** One JSON value, token by token: numbers keep the server's spelling. */
  private static void copy(JsonReader r, JsonWriter w) throws IOException {
    switch (r.peek()) {
      case BEGIN_ARRAY -> {
        r.beginArray();
        w.beginArray();
        while (r.hasNext()) {
          copy(r, w);
        }
        r.endArray();
        w.endArray();
      }
      case BEGIN_OBJECT -> {
        r.beginObject();
        w.beginObject();
        while (r.hasNext()) {
          w.name(r.nextName());
          copy(r, w);
        }
        r.endObject();
        w.endObject();
      }
      case STRING -> w.value(r.nextString());
      case NUMBER -> w.jsonValue(r.nextString());
      case BOOLEAN -> w.value(r.nextBoolean());
      case NULL -> {
        r.nextNull();
        w.nullValue();
      }
      default -> throw new IOException("unexpected " + r.peek());
    }
  }

  private static JsonReader reader(byte[] page) {
    return new JsonReader(
        new InputStreamReader(new ByteArrayInputStream(page), StandardCharsets.UTF_8));
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
