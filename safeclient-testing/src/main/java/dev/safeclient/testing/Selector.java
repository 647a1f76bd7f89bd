package dev.safeclient.testing;

import dev.safeclient.apiserver.LabelSelector;
import dev.safeclient.apiserver.StatusException;
import java.util.ArrayList;
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

  /**
   * The selectors of a request, with its kind's field labels; IllegalArgumentException is a 400.
   */
  static Selector of(ApiCall c) {
    return parse(c.type, c.param("labelSelector"), c.param("fieldSelector"));
  }

  /** Both selectors, with no kind's field label check (KubeSim's own lookups). */
  static Selector parse(String labelSelector, String fieldSelector) {
    return parse(null, labelSelector, fieldSelector);
  }

  /**
   * Parses both selectors: labels by {@link LabelSelector}, fields as fields.ParseSelector does
   * (terms split on unescaped commas, the first of {@code !=}, {@code ==}, {@code =} in each,
   * nothing trimmed), each label converted by {@link FieldLabels} for {@code type} when given.
   */
  static Selector parse(ResourceType type, String labelSelector, String fieldSelector) {
    List<Predicate<StoredObject>> terms = new ArrayList<>();
    String nodeName = null;
    String name = null;
    String namespace = null;
    boolean scans = false;
    boolean empty = true;
    if (labelSelector != null && !labelSelector.isBlank()) {
      LabelSelector labels;
      try {
        labels = LabelSelector.parse(labelSelector);
      } catch (StatusException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      if (!labels.isEmpty()) {
        terms.add(o -> labels.matches(o.labels));
        empty = false;
      }
    }
    if (fieldSelector != null && !fieldSelector.isEmpty()) {
      for (String req : splitFieldTerms(fieldSelector)) {
        if (req.isEmpty()) {
          continue;
        }
        String[] term = splitFieldTerm(req);
        if (term == null) {
          throw new IllegalArgumentException(
              "invalid selector: '" + fieldSelector + "'; can't understand '" + req + "'");
        }
        empty = false;
        String field = type == null ? term[0] : FieldLabels.convert(type, term[0]);
        boolean negate = term[1].equals("!=");
        String value = unescape(term[2]);
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
        Predicate<StoredObject> eq = o -> value.equals(FieldLabels.value(o, field));
        terms.add(negate ? eq.negate() : eq);
      }
    }
    return new Selector(List.copyOf(terms), nodeName, name, namespace, scans, empty);
  }

  static String fieldValue(StoredObject o, String field) {
    return FieldLabels.value(o, field);
  }

  /** fields.splitTerms: commas not escaped by a backslash. */
  private static List<String> splitFieldTerms(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean escaped = false;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (escaped) {
        cur.append(ch);
        escaped = false;
      } else if (ch == '\\') {
        cur.append(ch);
        escaped = true;
      } else if (ch == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    out.add(cur.toString());
    return out;
  }

  /** fields.splitTerm: the first operator in the term, "!=" before "==" before "=". */
  private static String[] splitFieldTerm(String term) {
    for (int i = 0; i < term.length(); i++) {
      for (String op : new String[] {"!=", "==", "="}) {
        if (term.startsWith(op, i)) {
          return new String[] {term.substring(0, i), op, term.substring(i + op.length())};
        }
      }
    }
    return null;
  }

  /** fields.UnescapeValue: {@code \\}, {@code \,} and {@code \=} stand for the character. */
  private static String unescape(String v) {
    if (v.indexOf('\\') < 0) {
      return v;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < v.length(); i++) {
      char ch = v.charAt(i);
      if (ch == '\\') {
        if (i + 1 >= v.length() || "\\,=".indexOf(v.charAt(i + 1)) < 0) {
          throw new IllegalArgumentException("invalid field selector value: " + v);
        }
        ch = v.charAt(++i);
      }
      out.append(ch);
    }
    return out.toString();
  }
}
