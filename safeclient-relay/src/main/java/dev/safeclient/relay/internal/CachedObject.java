package dev.safeclient.relay.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.safeclient.apiserver.FieldLabels;
import dev.safeclient.apiserver.SelectableObject;
import dev.safeclient.informer.RawObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One object as the API server sent it, in its object form (with {@code kind} and {@code
 * apiVersion}, as a watch event or a GET carries it: the hot path, a watch event fanned out to
 * every watcher, sends it as it is), and the metadata the cache indexes and filters on, read once
 * when stored. No parsed tree is kept: the relay holds a whole cluster's pods.
 */
public final class CachedObject implements SelectableObject {
  final RawObject raw;
  final String key;
  final String namespace;
  final String name;
  final long resourceVersion;
  final Map<String, String> labels;

  /** A pod's {@code spec.nodeName}, for the node index; null for every other type or unbound. */
  final String nodeName;

  /** The Protobuf message transcoded from the bytes, on the first Protobuf request; or null. */
  private volatile byte[] protobufMessage;

  private CachedObject(RawObject raw, long resourceVersion, String nodeName) {
    this.raw = raw;
    this.namespace = raw.namespace().isEmpty() ? null : raw.namespace();
    this.name = raw.name();
    this.key = raw.key();
    this.resourceVersion = resourceVersion;
    this.labels = raw.labels();
    this.nodeName = nodeName == null || nodeName.isEmpty() ? null : nodeName;
  }

  /**
   * Stores {@code raw}, in its object form for {@code kind} and {@code apiVersion}. Throws {@link
   * IllegalArgumentException} for an object without a name or a numeric resourceVersion: the relay
   * never stores what it could not serve by the RV rules.
   *
   * @param readNodeName whether to read {@code spec.nodeName} (pods), once, for the node index
   */
  public static CachedObject of(
      RawObject raw, String kind, String apiVersion, boolean readNodeName) {
    if (raw.name().isEmpty()) {
      throw new IllegalArgumentException("an object without metadata.name");
    }
    long rv = ResourceVersions.parse(raw.resourceVersion());
    RawObject form = raw.hasTypeMeta() ? raw : raw.withTypeMeta(kind, apiVersion);
    String node = readNodeName ? field(form.copyBytes(), "spec.nodeName") : null;
    return new CachedObject(form, rv, node);
  }

  /** The watch cache's key order: namespace, then name; a cluster-scoped object is its name. */
  static String key(String namespace, String name) {
    return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
  }

  String contentType() {
    return raw.contentType();
  }

  /** The bytes as a watch event or a GET carries them. */
  ByteBuffer objectBytes() {
    return raw.asReadOnlyBuffer();
  }

  /** A copy of {@link #objectBytes()}, for framing. */
  byte[] objectJson() {
    return raw.copyBytes();
  }

  /**
   * The bytes as a list carries the object: a built-in type's list items have no {@code kind} nor
   * {@code apiVersion}, a custom resource's have both.
   */
  ByteBuffer listItemBytes(boolean withoutTypeMeta) {
    return withoutTypeMeta ? raw.withoutTypeMeta().asReadOnlyBuffer() : raw.asReadOnlyBuffer();
  }

  @Override
  public Map<String, String> labels() {
    return labels;
  }

  /**
   * The value the apiserver's GetAttrs gives a (converted) field label. The indexed ones come from
   * what was read when stored; any other is read from the bytes on demand, a transient parse per
   * object, as unindexed field selectors cost a scan in the apiserver too.
   */
  @Override
  public String fieldValue(String label) {
    return switch (label) {
      case "metadata.name" -> name;
      case "metadata.namespace" -> namespace == null ? "" : namespace;
      case "spec.nodeName" -> nodeName != null ? nodeName : parsedValue(label);
      default -> parsedValue(label);
    };
  }

  private String parsedValue(String label) {
    JsonObject tree =
        JsonParser.parseString(new String(raw.copyBytes(), StandardCharsets.UTF_8))
            .getAsJsonObject();
    return FieldLabels.value(tree, label);
  }

  private static String field(byte[] bytes, String path) {
    String[] parts = path.split("\\.");
    try (JsonReader r =
        new JsonReader(
            new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8))) {
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
          found = r.peek() == JsonToken.STRING ? r.nextString() : skip(r);
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

  private static String skip(JsonReader r) throws IOException {
    r.skipValue();
    return "";
  }

  byte[] protobufMessage() {
    return protobufMessage;
  }

  /** Keeps the transcoded message: at worst built twice by racing requests, identical bytes. */
  void protobufMessage(byte[] message) {
    this.protobufMessage = message;
  }

  /** The bytes' size, for the event window's byte bound. */
  int size() {
    return raw.size();
  }

  @Override
  public String toString() {
    // Never the content: object bytes stay out of logs.
    return key + "@" + resourceVersion;
  }
}
