package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether a {@code metav1.LabelSelector} object selects a label set, as {@code
 * LabelSelectorAsSelector(...).Matches(...)} decides (apimachinery pkg/apis/meta/v1/helpers.go):
 * every matchLabels pair, and every matchExpressions requirement ({@code In}, {@code NotIn}, {@code
 * Exists}, {@code DoesNotExist}); an empty selector selects everything.
 */
final class LabelSelectors {
  private LabelSelectors() {}

  static boolean matches(JsonObject selector, Map<String, String> labels) {
    if (selector.get("matchLabels") instanceof JsonObject m) {
      for (Map.Entry<String, JsonElement> e : m.entrySet()) {
        if (!e.getValue().getAsString().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.get("matchExpressions") instanceof com.google.gson.JsonArray expressions) {
      for (JsonElement x : expressions) {
        if (x instanceof JsonObject r && !requirement(r, labels)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean requirement(JsonObject r, Map<String, String> labels) {
    String key = StoredObject.string(r, "key");
    List<String> values = new ArrayList<>();
    if (r.get("values") instanceof com.google.gson.JsonArray a) {
      a.forEach(v -> values.add(v.getAsString()));
    }
    String value = labels.get(key);
    return switch (StoredObject.string(r, "operator")) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default -> false;
    };
  }
}
