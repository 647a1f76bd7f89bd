package dev.safeclient.relay.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which objects one request reads: a namespace, and the label and field selectors it sent. The
 * node and name fields are served from the cache's indexes; every other field is read from the
 * stored bytes (a scan, as in the apiserver).
 */
final class Selection {
  static final Selection EVERYTHING = new Selection(null, List.of(), List.of());

  final String namespace;
  final List<Requirement> labels;
  final List<FieldTerm> fields;

  /** The node an equality term on {@code spec.nodeName} names, for the node index; else null. */
  final String nodeName;

  /** The name an equality term on {@code metadata.name} names; else null. */
  final String name;

  Selection(String namespace, List<Requirement> labels, List<FieldTerm> fields) {
    this.namespace = namespace;
    this.labels = labels;
    this.fields = fields;
    String node = null;
    String n = null;
    for (FieldTerm t : fields) {
      if (t.equal && t.field.equals("spec.nodeName")) {
        node = t.value;
      }
      if (t.equal && t.field.equals("metadata.name")) {
        n = t.value;
      }
    }
    this.nodeName = node;
    this.name = n;
  }

  Selection inNamespace(String ns) {
    return new Selection(ns, labels, fields);
  }

  boolean matches(CachedObject o) {
    if (o == null) {
      return false;
    }
    if (namespace != null && !namespace.equals(o.namespace)) {
      return false;
    }
    for (Requirement r : labels) {
      if (!r.matches(o.labels)) {
        return false;
      }
    }
    for (FieldTerm t : fields) {
      String v =
          switch (t.field) {
            case "metadata.name" -> o.name;
            case "metadata.namespace" -> o.namespace == null ? "" : o.namespace;
            case "spec.nodeName" -> o.nodeName == null ? "" : o.nodeName;
            default -> o.field(t.field);
          };
      if (t.equal != v.equals(t.value)) {
        return false;
      }
    }
    return true;
  }

  /** One label requirement: {@code op} is one of =, !=, in, notin, exists, !. */
  record Requirement(String key, String op, Set<String> values) {
    boolean matches(Map<String, String> labels) {
      String v = labels.get(key);
      return switch (op) {
        case "=" -> v != null && values.contains(v);
        case "!=" -> v == null || !values.contains(v);
        case "in" -> v != null && values.contains(v);
        case "notin" -> v == null || !values.contains(v);
        case "exists" -> v != null;
        case "!" -> v == null;
        default -> false;
      };
    }
  }

  /** One field term: {@code field=value} or {@code field!=value}. */
  record FieldTerm(String field, boolean equal, String value) {}

  static List<FieldTerm> copy(List<FieldTerm> terms) {
    return new ArrayList<>(terms);
  }
}
