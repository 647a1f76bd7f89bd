package dev.safeclient.core.internal.protobuf;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.safeclient.core.internal.json.TolerantJson;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The fields one Protobuf decode found in the schema but not in the client-java models, rendered in
 * Kubernetes' JSON form, by the model object that carried them. Entered into {@link TolerantJson}'s
 * side table only once the whole decode has succeeded, so that an update of that very object (or of
 * one it is nested in) writes them back, exactly as on the JSON path.
 */
final class KeptFields {
  private Map<Object, JsonObject> byObject;
  private Map<Class<?>, Set<String>> within;
  private Set<String> names;

  /** Where the decoder renders the kept fields of {@code owner}. */
  JsonObject of(Object owner) {
    if (byObject == null) {
      byObject = new IdentityHashMap<>();
      within = new LinkedHashMap<>();
      names = new LinkedHashSet<>();
    }
    return byObject.computeIfAbsent(owner, o -> new JsonObject());
  }

  /**
   * @param field as {@code V1PodSpec.evictionResponders}
   * @param path the model classes from the root to the owner, each of which now has a field unknown
   *     to client-java beneath it
   */
  void found(String field, Class<?>[] path, int depth) {
    names.add(field);
    for (int i = 0; i < depth; i++) {
      within.computeIfAbsent(path[i], t -> new LinkedHashSet<>()).add(field);
    }
  }

  boolean isEmpty() {
    return byObject == null;
  }

  /** Every field kept, as {@code V1PodSpec.evictionResponders}. */
  Set<String> names() {
    return names == null ? Set.of() : names;
  }

  /** Enters the fields into the side table, and reports them as SC203 does for JSON. */
  void record(TolerantJson skew, String requestLine) {
    if (byObject == null) {
      return;
    }
    byObject.forEach(
        (owner, fields) -> {
          Map<String, JsonElement> m = new LinkedHashMap<>();
          fields.entrySet().forEach(e -> m.put(e.getKey(), e.getValue()));
          TolerantJson.recordKeptFields(owner, m);
        });
    if (skew != null) {
      skew.reportKeptFields(within, names, requestLine);
    }
  }
}
