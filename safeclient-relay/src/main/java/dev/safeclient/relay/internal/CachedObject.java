package dev.safeclient.relay.internal;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One object as the API server sent it: its bytes, their content type, and the few metadata fields
 * the cache indexes and filters on, read once when the object is stored. No parsed tree is kept:
 * the relay holds a whole cluster's pods, and the bytes are what it serves.
 */
public final class CachedObject {
  /** The content type of JSON bytes; Protobuf bytes (a later encoding) carry their own. */
  public static final String JSON = "application/json";

  final String key;
  final String namespace;
  final String name;
  final String uid;
  final long resourceVersion;
  final Map<String, String> labels;

  /** A pod's {@code spec.nodeName}, for the node index; null for every other type or unbound. */
  final String nodeName;

  final String contentType;
  final byte[] bytes;

  CachedObject(
      String namespace,
      String name,
      String uid,
      long resourceVersion,
      Map<String, String> labels,
      String nodeName,
      String contentType,
      byte[] bytes) {
    this.namespace = namespace == null || namespace.isEmpty() ? null : namespace;
    this.name = name;
    this.uid = uid;
    this.resourceVersion = resourceVersion;
    this.labels = labels == null ? Map.of() : labels;
    this.nodeName = nodeName == null || nodeName.isEmpty() ? null : nodeName;
    this.contentType = contentType;
    this.bytes = bytes;
    this.key = key(this.namespace, name);
  }

  /** The watch cache's key order: namespace, then name; a cluster-scoped object is its name. */
  static String key(String namespace, String name) {
    return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /**
   * Reads an object's metadata (and a pod's node) from its JSON bytes, once. Throws {@link
   * IllegalArgumentException} for bytes that are not a JSON object with a name and a numeric
   * resourceVersion: the relay never stores what it could not serve by the RV rules.
   */
  public static CachedObject ofJson(byte[] bytes) {
    String[] meta = new String[4]; // namespace, name, uid, resourceVersion
    Map<String, String> labels = new LinkedHashMap<>();
    String node = null;
    try (JsonReader r = reader(bytes)) {
      r.beginObject();
      while (r.hasNext()) {
        String field = r.nextName();
        if (field.equals("metadata") && r.peek() == JsonToken.BEGIN_OBJECT) {
          r.beginObject();
          while (r.hasNext()) {
            String m = r.nextName();
            switch (m) {
              case "namespace" -> meta[0] = stringOrSkip(r);
              case "name" -> meta[1] = stringOrSkip(r);
              case "uid" -> meta[2] = stringOrSkip(r);
              case "resourceVersion" -> meta[3] = stringOrSkip(r);
              case "labels" -> readLabels(r, labels);
              default -> r.skipValue();
            }
          }
          r.endObject();
        } else if (field.equals("spec") && r.peek() == JsonToken.BEGIN_OBJECT) {
          r.beginObject();
          while (r.hasNext()) {
            if (r.nextName().equals("nodeName")) {
              node = stringOrSkip(r);
            } else {
              r.skipValue();
            }
          }
          r.endObject();
        } else {
          r.skipValue();
        }
      }
      r.endObject();
    } catch (IOException | IllegalStateException e) {
      throw new IllegalArgumentException("not a JSON object: " + e.getMessage(), e);
    }
    if (meta[1] == null || meta[1].isEmpty()) {
      throw new IllegalArgumentException("an object without metadata.name");
    }
    long rv = ResourceVersions.parse(meta[3]);
    return new CachedObject(
        meta[0],
        meta[1],
        meta[2],
        rv,
        labels.isEmpty() ? Map.of() : Map.copyOf(labels),
        node,
        JSON,
        bytes);
  }

  /**
   * The value of a dotted field path (as a field selector names it: {@code status.phase}), read
   * from the bytes on demand; "" when absent, as the apiserver's field sets hold absent fields.
   * Only unindexed field selectors come here: they cost a scan, as in the apiserver.
   */
  String field(String path) {
    String[] parts = path.split("\\.");
    try (JsonReader r = reader(bytes)) {
      return find(r, parts, 0);
    } catch (IOException | IllegalStateException e) {
      return "";
    }
  }

  private static String find(JsonReader r, String[] parts, int i) throws IOException {
    if (r.peek() != JsonToken.BEGIN_OBJECT) {
      r.skipValue();
      return "";
    }
    r.beginObject();
    String found = "";
    while (r.hasNext()) {
      String n = r.nextName();
      if (n.equals(parts[i])) {
        if (i == parts.length - 1) {
          JsonToken t = r.peek();
          if (t == JsonToken.STRING || t == JsonToken.NUMBER || t == JsonToken.BOOLEAN) {
            found = t == JsonToken.BOOLEAN ? String.valueOf(r.nextBoolean()) : r.nextString();
          } else {
            r.skipValue();
          }
        } else {
          found = find(r, parts, i + 1);
        }
      } else {
        r.skipValue();
      }
    }
    r.endObject();
    return found;
  }

  private static JsonReader reader(byte[] bytes) {
    return new JsonReader(
        new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8));
  }

  private static String stringOrSkip(JsonReader r) throws IOException {
    if (r.peek() == JsonToken.STRING) {
      return r.nextString();
    }
    r.skipValue();
    return null;
  }

  private static void readLabels(JsonReader r, Map<String, String> into) throws IOException {
    if (r.peek() != JsonToken.BEGIN_OBJECT) {
      r.skipValue();
      return;
    }
    r.beginObject();
    while (r.hasNext()) {
      String k = r.nextName();
      String v = stringOrSkip(r);
      if (v != null) {
        into.put(k, v);
      }
    }
    r.endObject();
  }

  /** The bytes' size, for the event window's byte bound. */
  int size() {
    return bytes.length;
  }

  @Override
  public String toString() {
    // Never the content: object bytes stay out of logs.
    return key + "@" + resourceVersion;
  }
}
