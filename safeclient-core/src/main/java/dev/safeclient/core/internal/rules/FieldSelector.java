package dev.safeclient.core.internal.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed {@code fieldSelector}: comma-separated terms {@code key=value}, {@code key==value} or
 * {@code key!=value}, as k8s.io/apimachinery/pkg/fields parses them.
 */
record FieldSelector(List<Term> terms) {
  record Term(String key, boolean equality, String value) {}

  static FieldSelector parse(String selector) {
    List<Term> terms = new ArrayList<>();
    if (selector == null || selector.isBlank()) {
      return new FieldSelector(terms);
    }
    for (String raw : selector.split(",")) {
      String t = raw.trim();
      if (t.isEmpty()) {
        continue;
      }
      int ne = t.indexOf("!=");
      int eq = t.indexOf('=');
      if (ne >= 0 && ne < eq) {
        terms.add(new Term(t.substring(0, ne).trim(), false, t.substring(ne + 2).trim()));
      } else if (eq >= 0) {
        int valueStart = t.startsWith("==", eq) ? eq + 2 : eq + 1;
        terms.add(new Term(t.substring(0, eq).trim(), true, t.substring(valueStart).trim()));
      } else {
        terms.add(new Term(t, false, "")); // malformed: the server rejects it; never "indexed"
      }
    }
    return new FieldSelector(List.copyOf(terms));
  }

  /** Whether some term is {@code key=value} (or {@code ==}) for this key. */
  boolean hasEquality(String key) {
    return terms.stream().anyMatch(t -> t.equality() && t.key().equals(key));
  }
}
