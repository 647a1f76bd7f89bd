package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.apiserver.FieldLabels;
import dev.safeclient.apiserver.SelectableObject;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One version of one object, immutable and encoded once: every list page and watch event that
 * carries it shares {@link #json}. Only what indexes and selectors need is kept decoded.
 */
final class StoredObject implements SelectableObject {
  final String key;
  final String namespace;
  final String name;
  final long resourceVersion;
  final Map<String, String> labels;
  final String nodeName;
  final byte[] json;

  /** The Protobuf message bytes, built on first Protobuf request (see ProtobufEncoding). */
  volatile byte[] protoMessage;

  /** The bytes etcd stores for this version of the object; 0 until {@link #stored} sets it. */
  private volatile int storedBytes;

  /** {@link #json} without apiVersion and kind, built on first use in a built-in list. */
  private volatile byte[] itemJson;

  private StoredObject(
      String key,
      String namespace,
      String name,
      long resourceVersion,
      Map<String, String> labels,
      String nodeName,
      byte[] json) {
    this.key = key;
    this.namespace = namespace;
    this.name = name;
    this.resourceVersion = resourceVersion;
    this.labels = labels;
    this.nodeName = nodeName;
    this.json = json;
  }

  /** Encodes {@code object}, whose metadata.resourceVersion must already be set. */
  static StoredObject of(JsonObject object) {
    JsonObject meta = object.getAsJsonObject("metadata");
    String namespace = string(meta, "namespace");
    String name = string(meta, "name");
    String rvString = string(meta, "resourceVersion");
    // Only a dry-run create's answer has none: it was never stored.
    long rv = rvString.isEmpty() ? 0 : Long.parseLong(rvString);
    Map<String, String> labels = Map.of();
    if (meta.has("labels") && meta.get("labels").isJsonObject()) {
      Map<String, String> l = new HashMap<>();
      for (Map.Entry<String, JsonElement> e : meta.getAsJsonObject("labels").entrySet()) {
        l.put(e.getKey(), e.getValue().isJsonNull() ? "" : e.getValue().getAsString());
      }
      labels = Map.copyOf(l);
    }
    String nodeName = "";
    if (object.has("spec") && object.get("spec").isJsonObject()) {
      nodeName = string(object.getAsJsonObject("spec"), "nodeName");
    }
    return new StoredObject(
        keyOf(namespace, name),
        namespace,
        name,
        rv,
        labels,
        nodeName,
        object.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Records the size etcd stores for this object, once, when it is written: APF's size-based list
   * estimate (1.34+) averages it over the resource.
   */
  void stored(int bytes) {
    storedBytes = bytes;
  }

  /** The bytes etcd stores; the JSON length for an object never written (a dry run). */
  int storedBytes() {
    int b = storedBytes;
    return b > 0 ? b : json.length;
  }

  /** Keys sort like etcd's {@code /registry/<resource>/<namespace>/<name>}. */
  @Override
  public Map<String, String> labels() {
    return labels;
  }

  /** GetAttrs: the indexed fields from their copies, any other from the decoded object. */
  @Override
  public String fieldValue(String label) {
    switch (label) {
      case "metadata.name":
        return name;
      case "metadata.namespace":
        return namespace;
      case "spec.nodeName":
        return nodeName;
      default:
        return FieldLabels.value(decode(), label);
    }
  }

  static String keyOf(String namespace, String name) {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /**
   * The object as an item of a built-in kind's list: without apiVersion and kind, which the
   * apiserver's versioned list items do not carry (only the list has a TypeMeta; custom resources'
   * unstructured items keep theirs).
   */
  byte[] itemJson() {
    byte[] j = itemJson;
    if (j == null) {
      JsonObject o = decode();
      o.remove("apiVersion");
      o.remove("kind");
      j = o.toString().getBytes(StandardCharsets.UTF_8);
      itemJson = j; // at worst built twice, identical bytes
    }
    return j;
  }

  /** A fresh mutable copy. */
  JsonObject decode() {
    return JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
  }

  static String string(JsonObject o, String field) {
    if (o == null || !o.has(field) || o.get(field).isJsonNull()) {
      return "";
    }
    JsonElement e = o.get(field);
    return e.isJsonPrimitive() ? e.getAsString() : e.toString();
  }
}
