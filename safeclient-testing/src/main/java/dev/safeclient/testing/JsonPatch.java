package dev.safeclient.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * RFC 6902 JSON patch as the apiserver applies it: gopkg.in/evanphx/json-patch.v4 ({@code
 * Patch.Apply}), called by {@code jsonPatcher.applyJSPatch} in apiserver
 * endpoints/handlers/patch.go. Paths are RFC 6901 JSON pointers ({@code ~1} is '/', {@code ~0} is
 * '~'). Where v4 departs from the RFC, this follows v4: negative array indices count from the end,
 * and {@code replace} of a missing object member adds it.
 */
final class JsonPatch {
  /** A patch the document does not accept: the apiserver answers any of them with a 422. */
  static final class Failed extends RuntimeException {
    Failed(String message) {
      super(message, null, false, false);
    }
  }

  /** A body that is no list of operations: {@code DecodePatch} fails, the apiserver answers 400. */
  static final class Undecodable extends RuntimeException {
    Undecodable(String message) {
      super(message, null, false, false);
    }
  }

  private JsonPatch() {}

  /** The operations of a patch body; throws {@link Undecodable} if it is not a list of objects. */
  static JsonArray decode(JsonElement body) {
    if (!body.isJsonArray()) {
      throw new Undecodable(
          "json: cannot unmarshal "
              + (body.isJsonObject() ? "object" : "value")
              + " into Go value of type jsonpatch.Patch");
    }
    for (JsonElement op : body.getAsJsonArray()) {
      if (!op.isJsonObject()) {
        throw new Undecodable(
            "json: cannot unmarshal value into Go value of type jsonpatch.Operation");
      }
    }
    return body.getAsJsonArray();
  }

  /** The patched document; {@code doc} is not changed. */
  static JsonElement apply(JsonElement doc, JsonArray ops) {
    JsonElement[] root = {doc.deepCopy()};
    for (JsonElement e : ops) {
      JsonObject op = e.getAsJsonObject();
      String kind = string(op, "op");
      switch (kind == null ? "unknown" : kind) {
        case "add" -> {
          String path = path(op, "add");
          add(root, path, value(op), "add");
        }
        case "remove" -> {
          String path = path(op, "remove");
          Target t = find(root[0], path, "remove");
          t.remove(path);
        }
        case "replace" -> {
          String path = path(op, "replace");
          if (path.isEmpty()) {
            JsonElement v = value(op);
            if (!v.isJsonObject() && !v.isJsonArray()) {
              throw new Failed("replace operation value must be object or array");
            }
            root[0] = v;
          } else {
            Target t = find(root[0], path, "replace");
            t.get(path); // an array index must exist; an object member need not (v4)
            t.set(value(op));
          }
        }
        case "move" -> {
          String from = from(op, "move");
          Target src = find(root[0], from, "move");
          JsonElement v = src.get(from);
          src.remove(from);
          add(root, path(op, "move"), v, "move");
        }
        case "copy" -> {
          String from = from(op, "copy");
          JsonElement v = find(root[0], from, "copy").get(from);
          add(root, path(op, "copy"), v == null ? JsonNull.INSTANCE : v.deepCopy(), "copy");
        }
        case "test" -> test(root[0], op);
        default -> throw new Failed("Unexpected kind: " + kind);
      }
    }
    return root[0];
  }

  private static void add(JsonElement[] root, String path, JsonElement v, String op) {
    find(root[0], path, op).add(v, path);
  }

  private static void test(JsonElement doc, JsonObject op) {
    String path = path(op, "test");
    JsonElement want = op.get("value");
    if (path.isEmpty()) {
      if (!doc.equals(want)) {
        throw new Failed("testing value " + path + " failed: test failed");
      }
      return;
    }
    JsonElement have = find(doc, path, "test").get(path);
    boolean wantNull = want == null || want.isJsonNull();
    if (have == null || have.isJsonNull() ? wantNull : have.equals(want)) {
      return;
    }
    throw new Failed("testing value " + path + " failed: test failed");
  }

  private static String string(JsonObject op, String field) {
    JsonElement v = op.get(field);
    return v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()
        ? v.getAsString()
        : null;
  }

  private static String path(JsonObject op, String kind) {
    String p = string(op, "path");
    if (p == null) {
      throw new Failed(kind + " operation failed to decode path: missing value");
    }
    return p;
  }

  private static String from(JsonObject op, String kind) {
    String p = string(op, "from");
    if (p == null) {
      throw new Failed(kind + " operation failed to decode from: missing value");
    }
    return p;
  }

  private static JsonElement value(JsonObject op) {
    JsonElement v = op.get("value");
    return v == null ? JsonNull.INSTANCE : v.deepCopy();
  }

  /** RFC 6901 section 4: '~1' becomes '/' first, then '~0' becomes '~'. */
  static String decodeKey(String token) {
    return token.replace("~1", "/").replace("~0", "~");
  }

  /** {@code findObject}: the container of the path's last token, which every op needs. */
  private static Target find(JsonElement doc, String path, String op) {
    String[] split = path.split("/", -1);
    if (split.length < 2) {
      throw new Failed(op + " operation does not apply: doc is missing path: " + path);
    }
    JsonElement at = doc;
    for (int i = 1; i < split.length - 1; i++) {
      JsonElement next = child(at, decodeKey(split[i]));
      if (next == null || next.isJsonNull() || !(next.isJsonObject() || next.isJsonArray())) {
        throw new Failed(op + " operation does not apply: doc is missing path: " + path);
      }
      at = next;
    }
    return new Target(at, decodeKey(split[split.length - 1]));
  }

  private static JsonElement child(JsonElement at, String key) {
    if (at.isJsonObject()) {
      return at.getAsJsonObject().get(key);
    }
    JsonArray a = at.getAsJsonArray();
    Integer i = index(key, a.size());
    return i == null || i >= a.size() ? null : a.get(i);
  }

  /** An array index; negative ones count from the end (v4's SupportNegativeIndices). */
  private static Integer index(String key, int size) {
    int i;
    try {
      i = Integer.parseInt(key);
    } catch (NumberFormatException e) {
      return null;
    }
    if (i < 0) {
      if (i < -size) {
        return null;
      }
      i += size;
    }
    return i;
  }

  /** A container and the key of the path's last token in it. */
  private record Target(JsonElement container, String key) {
    JsonElement get(String path) {
      if (container.isJsonObject()) {
        return container.getAsJsonObject().get(key);
      }
      JsonArray a = container.getAsJsonArray();
      Integer i = index(key, a.size());
      if (i == null || i >= a.size()) {
        throw new Failed("Unable to access invalid index: " + key + ": invalid index referenced");
      }
      return a.get(i);
    }

    void set(JsonElement v) {
      if (container.isJsonObject()) {
        container.getAsJsonObject().add(key, v);
      } else {
        JsonArray a = container.getAsJsonArray();
        a.set(index(key, a.size()), v);
      }
    }

    void add(JsonElement v, String path) {
      if (container.isJsonObject()) {
        container.getAsJsonObject().add(key, v);
        return;
      }
      JsonArray a = container.getAsJsonArray();
      if (key.equals("-")) {
        a.add(v);
        return;
      }
      Integer i = index(key, a.size() + 1);
      if (i == null || i > a.size()) {
        throw new Failed("error in add for path: '" + path + "': invalid index referenced");
      }
      List<JsonElement> items = a.asList();
      items.add(i, v);
    }

    void remove(String path) {
      if (container.isJsonObject()) {
        if (container.getAsJsonObject().remove(key) == null) {
          throw new Failed("Unable to remove nonexistent key: " + key + ": missing value");
        }
        return;
      }
      JsonArray a = container.getAsJsonArray();
      Integer i = index(key, a.size());
      if (i == null || i >= a.size()) {
        throw new Failed("error in remove for path: '" + path + "': invalid index referenced");
      }
      a.remove((int) i);
    }
  }
}
