package dev.safeclient.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a field error prints a value that is not a simple type (apimachinery validation/field {@code
 * Error.ErrorBody}). Up to 1.33 it is Go's {@code %#v} of the value a pointer points to ({@code
 * v1.LabelSelector{MatchLabels:map[string]string{"app":"x"},
 * MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}); from 1.34 it is {@code json.Marshal} of
 * the value, which for an internal type without json tags uses the Go field names ({@code
 * {"MatchExpressions":[...],"MatchFields":null}}). Only types without pointer fields are printed
 * here: up to 1.33 a pointer prints as its address ({@code (*int64)(0xc000123456)}), which no
 * simulator can match.
 */
final class GoSyntax {
  /** One Go struct field: its Go name, its key in KubeSim's JSON, its Go type, omitempty. */
  private record Field(String goName, String key, String type, boolean omitEmpty) {}

  /** A Go struct type: its printed name, its fields in declaration order, whether it has tags. */
  private record Struct(String name, List<Field> fields, boolean jsonTags) {}

  private static final String STRINGS = "[]string";
  private static final String MAP = "map[string]string";

  /** metav1.LabelSelectorRequirement (apimachinery pkg/apis/meta/v1/types.go). */
  private static final Struct LABEL_SELECTOR_REQUIREMENT =
      new Struct(
          "v1.LabelSelectorRequirement",
          List.of(
              new Field("Key", "key", "string", false),
              new Field("Operator", "operator", "string", false),
              new Field("Values", "values", STRINGS, true)),
          true);

  /** metav1.LabelSelector. */
  private static final Struct LABEL_SELECTOR =
      new Struct(
          "v1.LabelSelector",
          List.of(
              new Field("MatchLabels", "matchLabels", MAP, true),
              new Field(
                  "MatchExpressions", "matchExpressions", "[]v1.LabelSelectorRequirement", true)),
          true);

  /** The internal core.NodeSelectorRequirement (pkg/apis/core/types.go: no json tags). */
  private static final Struct NODE_SELECTOR_REQUIREMENT =
      new Struct(
          "core.NodeSelectorRequirement",
          List.of(
              new Field("Key", "key", "string", false),
              new Field("Operator", "operator", "string", false),
              new Field("Values", "values", STRINGS, false)),
          false);

  /** The internal core.NodeSelectorTerm. */
  private static final Struct NODE_SELECTOR_TERM =
      new Struct(
          "core.NodeSelectorTerm",
          List.of(
              new Field(
                  "MatchExpressions", "matchExpressions", "[]core.NodeSelectorRequirement", false),
              new Field("MatchFields", "matchFields", "[]core.NodeSelectorRequirement", false)),
          false);

  private static final Map<String, Struct> ELEMENTS =
      Map.of(
          "[]v1.LabelSelectorRequirement", LABEL_SELECTOR_REQUIREMENT,
          "[]core.NodeSelectorRequirement", NODE_SELECTOR_REQUIREMENT,
          "[]core.NodeSelectorTerm", NODE_SELECTOR_TERM);

  private GoSyntax() {}

  /** A {@code *metav1.LabelSelector} (a workload's or a Job's {@code spec.selector}). */
  static String labelSelector(JsonElement selector, int minor) {
    if (selector == null || selector.isJsonNull()) {
      return "null";
    }
    return minor >= 34 ? json(LABEL_SELECTOR, selector) : goStruct(LABEL_SELECTOR, selector);
  }

  /** A {@code map[string]string} (a pod's {@code spec.nodeSelector}). */
  static String stringMap(JsonElement map, int minor) {
    return minor >= 34 ? jsonValue(MAP, map) : goValue(MAP, map);
  }

  /** A {@code core.NodeSelectorTerm}. */
  static String nodeSelectorTerm(JsonElement term, int minor) {
    return minor >= 34 ? json(NODE_SELECTOR_TERM, term) : goStruct(NODE_SELECTOR_TERM, term);
  }

  /** A {@code []core.NodeSelectorTerm}. */
  static String nodeSelectorTerms(JsonElement terms, int minor) {
    String type = "[]core.NodeSelectorTerm";
    return minor >= 34 ? jsonValue(type, terms) : goValue(type, terms);
  }

  private static String goStruct(Struct s, JsonElement e) {
    JsonObject o = e instanceof JsonObject j ? j : new JsonObject();
    StringBuilder b = new StringBuilder(s.name()).append('{');
    for (int i = 0; i < s.fields().size(); i++) {
      Field f = s.fields().get(i);
      b.append(i == 0 ? "" : ", ")
          .append(f.goName())
          .append(':')
          .append(goValue(f.type(), o.get(f.key())));
    }
    return b.append('}').toString();
  }

  private static String goValue(String type, JsonElement e) {
    boolean nil = e == null || e.isJsonNull();
    if (type.equals("string")) {
      return quote(nil ? "" : e.getAsString());
    }
    if (type.equals(MAP)) {
      if (nil || !e.isJsonObject()) {
        return MAP + "(nil)";
      }
      StringBuilder b = new StringBuilder(MAP).append('{');
      sorted(e)
          .forEach(
              (k, v) ->
                  b.append(b.length() > MAP.length() + 1 ? ", " : "")
                      .append(quote(k))
                      .append(':')
                      .append(quote(v)));
      return b.append('}').toString();
    }
    if (nil || !e.isJsonArray()) {
      return type + "(nil)";
    }
    JsonArray a = e.getAsJsonArray();
    Struct element = ELEMENTS.get(type);
    StringBuilder b = new StringBuilder(type).append('{');
    for (int i = 0; i < a.size(); i++) {
      b.append(i == 0 ? "" : ", ")
          .append(element == null ? goValue("string", a.get(i)) : goStruct(element, a.get(i)));
    }
    return b.append('}').toString();
  }

  private static String json(Struct s, JsonElement e) {
    JsonObject o = e instanceof JsonObject j ? j : new JsonObject();
    StringBuilder b = new StringBuilder("{");
    for (Field f : s.fields()) {
      JsonElement v = o.get(f.key());
      boolean empty =
          v == null
              || v.isJsonNull()
              || (v.isJsonArray() && v.getAsJsonArray().isEmpty())
              || (v.isJsonObject() && v.getAsJsonObject().isEmpty())
              || (v.isJsonPrimitive() && v.getAsString().isEmpty());
      if (s.jsonTags() && f.omitEmpty() && empty) {
        continue;
      }
      b.append(b.length() > 1 ? "," : "")
          .append(jsonString(s.jsonTags() ? f.key() : f.goName()))
          .append(':')
          .append(jsonValue(f.type(), v));
    }
    return b.append('}').toString();
  }

  private static String jsonValue(String type, JsonElement e) {
    boolean nil = e == null || e.isJsonNull();
    if (type.equals("string")) {
      return jsonString(nil ? "" : e.getAsString());
    }
    if (type.equals(MAP)) {
      if (nil || !e.isJsonObject()) {
        return "null";
      }
      StringBuilder b = new StringBuilder("{");
      sorted(e)
          .forEach(
              (k, v) ->
                  b.append(b.length() > 1 ? "," : "")
                      .append(jsonString(k))
                      .append(':')
                      .append(jsonString(v)));
      return b.append('}').toString();
    }
    if (nil || !e.isJsonArray()) {
      return "null";
    }
    Struct element = ELEMENTS.get(type);
    StringBuilder b = new StringBuilder("[");
    for (JsonElement x : e.getAsJsonArray()) {
      b.append(b.length() > 1 ? "," : "")
          .append(element == null ? jsonValue("string", x) : json(element, x));
    }
    return b.append(']').toString();
  }

  private static Map<String, String> sorted(JsonElement map) {
    Map<String, String> sorted = new TreeMap<>();
    map.getAsJsonObject()
        .entrySet()
        .forEach(x -> sorted.put(x.getKey(), x.getValue().getAsString()));
    return sorted;
  }

  /** Go's {@code %q} of a string (strconv.Quote), for the printable text API values hold. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\x%02x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** encoding/json's string: HTML characters escaped, as json.Marshal does by default. */
  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        case '<', '>', '&' -> b.append(String.format("\\u%04x", (int) c));
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
