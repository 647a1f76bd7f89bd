package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** Label and field selectors with the apiserver's syntax, and the indexes they can use. */
final class Selector {
  /** Fields the watch cache indexes (K8S-API-FACTS "Node-scoped pod lists"): no scan needed. */
  static final Set<String> INDEXED_FIELDS =
      Set.of("metadata.name", "metadata.namespace", "spec.nodeName");

  private final List<Predicate<StoredObject>> terms;
  final String nodeName; // spec.nodeName=X, else null: lets the cache use its node index
  final String name; // metadata.name=X, else null
  final String namespace; // metadata.namespace=X, else null
  final boolean scansEveryObject; // a field selector on an unindexed field
  final boolean empty;

  private Selector(
      List<Predicate<StoredObject>> terms,
      String nodeName,
      String name,
      String namespace,
      boolean scans,
      boolean empty) {
    this.terms = terms;
    this.nodeName = nodeName;
    this.name = name;
    this.namespace = namespace;
    this.scansEveryObject = scans;
    this.empty = empty;
  }

  static final Selector EVERYTHING = new Selector(List.of(), null, null, null, false, true);

  boolean matches(StoredObject o) {
    for (Predicate<StoredObject> t : terms) {
      if (!t.test(o)) {
        return false;
      }
    }
    return true;
  }

  /** Parses both selectors; throws IllegalArgumentException (a 400) on bad syntax. */
  static Selector parse(String labelSelector, String fieldSelector) {
    List<Predicate<StoredObject>> terms = new ArrayList<>();
    String nodeName = null;
    String name = null;
    String namespace = null;
    boolean scans = false;
    boolean empty = true;
    if (labelSelector != null && !labelSelector.isBlank()) {
      empty = false;
      for (String req : splitTopLevel(labelSelector)) {
        terms.add(labelTerm(req.trim()));
      }
    }
    if (fieldSelector != null && !fieldSelector.isBlank()) {
      empty = false;
      for (String req : fieldSelector.split(",")) {
        req = req.trim();
        boolean negate = req.contains("!=");
        String[] kv = req.split(negate ? "!=" : "==?", 2);
        if (kv.length != 2 || kv[0].isBlank()) {
          throw new IllegalArgumentException("invalid field selector: " + req);
        }
        String field = kv[0].trim();
        String value = kv[1].trim();
        if (!negate && field.equals("spec.nodeName")) {
          nodeName = value;
        } else if (!negate && field.equals("metadata.name")) {
          name = value;
        } else if (!negate && field.equals("metadata.namespace")) {
          namespace = value;
        }
        if (!INDEXED_FIELDS.contains(field)) {
          scans = true;
        }
        Predicate<StoredObject> eq = o -> value.equals(fieldValue(o, field));
        terms.add(negate ? eq.negate() : eq);
      }
    }
    return new Selector(List.copyOf(terms), nodeName, name, namespace, scans, empty);
  }

  static String fieldValue(StoredObject o, String field) {
    switch (field) {
      case "metadata.name":
        return o.name;
      case "metadata.namespace":
        return o.namespace;
      case "spec.nodeName":
        return o.nodeName;
      default:
        // An unindexed field: decode and walk, as the apiserver's field-set function does.
        JsonElement e = o.decode();
        for (String part : field.split("\\.")) {
          if (e == null || !e.isJsonObject()) {
            return "";
          }
          e = ((JsonObject) e).get(part);
        }
        return e == null || e.isJsonNull() ? "" : e.isJsonPrimitive() ? e.getAsString() : "";
    }
  }

  private static Predicate<StoredObject> labelTerm(String req) {
    if (req.isEmpty()) {
      throw new IllegalArgumentException("empty label selector term");
    }
    String lower = req.replaceAll("\\s+", " ");
    int in = lower.indexOf(" in ");
    int notin = lower.indexOf(" notin ");
    if (notin > 0 || in > 0) {
      boolean negate = notin > 0;
      String key = lower.substring(0, negate ? notin : in).trim();
      String rest = lower.substring((negate ? notin : in) + (negate ? 7 : 4)).trim();
      if (!rest.startsWith("(") || !rest.endsWith(")")) {
        throw new IllegalArgumentException("invalid label selector: " + req);
      }
      Set<String> values = new HashSet<>();
      for (String v : rest.substring(1, rest.length() - 1).split(",")) {
        values.add(v.trim());
      }
      return negate
          ? o -> !values.contains(o.labels.get(key))
          : o -> values.contains(o.labels.get(key));
    }
    if (req.contains("!=")) {
      String[] kv = req.split("!=", 2);
      String key = kv[0].trim();
      String value = kv[1].trim();
      return o -> !value.equals(o.labels.get(key));
    }
    if (req.contains("=")) {
      String[] kv = req.split("==?", 2);
      String key = kv[0].trim();
      String value = kv[1].trim();
      return o -> value.equals(o.labels.get(key));
    }
    if (req.startsWith("!")) {
      String key = req.substring(1).trim();
      return o -> !o.labels.containsKey(key);
    }
    return o -> o.labels.containsKey(req);
  }

  /** Splits on commas outside parentheses ("a in (x,y),b=c"). */
  private static List<String> splitTopLevel(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }
}
