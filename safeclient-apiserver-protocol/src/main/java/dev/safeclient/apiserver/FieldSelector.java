package dev.safeclient.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A field selector as {@code fields.ParseSelector} reads it: terms split on unescaped commas, in
 * each the first of {@code !=}, {@code ==}, {@code =}, nothing trimmed, values unescaped ({@code
 * \\}, {@code \,}, {@code \=}). The labels are not checked here: {@link FieldLabels} knows which a
 * resource supports.
 */
public final class FieldSelector {
  /** One term: a field label, whether it must differ ({@code !=}) or equal, and the value. */
  public record Requirement(String field, boolean notEquals, String value) {
    boolean matches(String actual) {
      return notEquals != value.equals(actual);
    }
  }

  private static final FieldSelector EVERYTHING = new FieldSelector("", List.of());

  private final String text;
  private final List<Requirement> requirements;

  private FieldSelector(String text, List<Requirement> requirements) {
    this.text = text;
    this.requirements = requirements;
  }

  /**
   * Parses a selector; empty selects everything. A term without an operator, or a value with a bad
   * escape, throws a {@link StatusException} with the codec's 400 ({@code invalid selector:
   * 'spec.nodeName'; can't understand 'spec.nodeName'}).
   */
  public static FieldSelector parse(String selector) {
    if (selector == null || selector.isEmpty()) {
      return EVERYTHING;
    }
    List<Requirement> out = new ArrayList<>();
    for (String part : splitTerms(selector)) {
      if (part.isEmpty()) {
        continue;
      }
      String[] term = splitTerm(part);
      if (term == null) {
        throw new StatusException(
            Status.badRequest(
                "invalid selector: '" + selector + "'; can't understand '" + part + "'"));
      }
      out.add(new Requirement(term[0], term[1].equals("!="), unescape(term[2])));
    }
    return out.isEmpty() ? EVERYTHING : new FieldSelector(selector, List.copyOf(out));
  }

  /** The terms, in the order given. */
  public List<Requirement> requirements() {
    return requirements;
  }

  /** True for the selector that selects everything. */
  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  /**
   * The value {@code field} must equal if a term requires exactly that (RequiresExactMatch), else
   * null: what lets a server answer from an index.
   */
  public String requiresExactMatch(String field) {
    for (Requirement r : requirements) {
      if (!r.notEquals && r.field.equals(field)) {
        return r.value;
      }
    }
    return null;
  }

  /**
   * This selector with each field label converted ({@link FieldLabels#convert}); the conversion's
   * refusal propagates.
   */
  public FieldSelector withFieldsConverted(UnaryOperator<String> conversion) {
    if (requirements.isEmpty()) {
      return this;
    }
    List<Requirement> out = new ArrayList<>(requirements.size());
    for (Requirement r : requirements) {
      out.add(new Requirement(conversion.apply(r.field), r.notEquals, r.value));
    }
    return new FieldSelector(text, List.copyOf(out));
  }

  /** True if every term holds for {@code o}'s field values. */
  public boolean matches(SelectableObject o) {
    for (Requirement r : requirements) {
      if (!r.matches(o.fieldValue(r.field))) {
        return false;
      }
    }
    return true;
  }

  /** fields.splitTerms: commas not escaped by a backslash. */
  private static List<String> splitTerms(String s) {
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
  private static String[] splitTerm(String term) {
    for (int i = 0; i < term.length(); i++) {
      for (String op : new String[] {"!=", "==", "="}) {
        if (term.startsWith(op, i)) {
          return new String[] {term.substring(0, i), op, term.substring(i + op.length())};
        }
      }
    }
    return null;
  }

  /**
   * fields.UnescapeValue: {@code \\}, {@code \,} and {@code \=} stand for the character; any other
   * escape, a trailing backslash, or a bare {@code ,} or {@code =} is an error.
   */
  private static String unescape(String v) {
    if (v.indexOf('\\') < 0 && v.indexOf(',') < 0 && v.indexOf('=') < 0) {
      return v;
    }
    StringBuilder out = new StringBuilder(v.length());
    boolean inSlash = false;
    for (int i = 0; i < v.length(); i++) {
      char ch = v.charAt(i);
      if (inSlash) {
        if (ch != '\\' && ch != ',' && ch != '=') {
          throw new StatusException(
              Status.badRequest("invalid field selector: invalid escape sequence: \\" + ch));
        }
        out.append(ch);
        inSlash = false;
      } else if (ch == '\\') {
        inSlash = true;
      } else if (ch == ',' || ch == '=') {
        // Go prints the rune with %v: its code point.
        throw new StatusException(
            Status.badRequest("invalid field selector: unescaped character in value: " + (int) ch));
      } else {
        out.append(ch);
      }
    }
    if (inSlash) {
      throw new StatusException(
          Status.badRequest("invalid field selector: invalid escape sequence: \\"));
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return text;
  }
}
