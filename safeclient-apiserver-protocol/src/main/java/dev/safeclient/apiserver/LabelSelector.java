package dev.safeclient.apiserver;

import dev.safeclient.apiserver.internal.LabelSelectorParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A label selector in the apiserver's grammar (apimachinery pkg/labels/selector.go {@code Parse}):
 * {@code =}, {@code ==}, {@code !=}, {@code in}, {@code notin}, exists, {@code !key}, {@code >},
 * {@code <}, with its key and value validation and its error messages.
 */
public final class LabelSelector {
  /** The operators of selection.Operator. */
  public enum Operator {
    EQUALS,
    NOT_EQUALS,
    IN,
    NOT_IN,
    EXISTS,
    DOES_NOT_EXIST,
    GREATER_THAN,
    LESS_THAN
  }

  /** One requirement: a key, an operator and its values (sorted; none for exists and {@code !}). */
  public record Requirement(String key, Operator operator, List<String> values) {
    public Requirement {
      values = List.copyOf(values);
    }
  }

  private static final LabelSelector EVERYTHING = new LabelSelector("", List.of(), List.of());

  private final String text;
  private final List<Requirement> requirements;
  private final List<Predicate<Map<String, String>>> matchers;

  private LabelSelector(
      String text, List<Requirement> requirements, List<Predicate<Map<String, String>>> matchers) {
    this.text = text;
    this.requirements = requirements;
    this.matchers = matchers;
  }

  /**
   * Parses a selector; empty or blank selects everything. One outside the grammar throws a {@link
   * StatusException} with the 400 BadRequest the list handler gives ({@code found 'c', expected:
   * ',' or 'end of string'}).
   */
  public static LabelSelector parse(String selector) {
    if (selector == null || selector.isBlank()) {
      return EVERYTHING;
    }
    List<LabelSelectorParser.Requirement> parsed;
    try {
      parsed = LabelSelectorParser.parse(selector);
    } catch (IllegalArgumentException e) {
      throw new StatusException(Status.badRequest(e.getMessage()));
    }
    List<Requirement> requirements = new ArrayList<>(parsed.size());
    List<Predicate<Map<String, String>>> matchers = new ArrayList<>(parsed.size());
    for (LabelSelectorParser.Requirement r : parsed) {
      requirements.add(
          new Requirement(r.key(), operator(r.operator()), new ArrayList<>(r.values())));
      matchers.add(r.matcher());
    }
    return new LabelSelector(selector, List.copyOf(requirements), List.copyOf(matchers));
  }

  private static Operator operator(String op) {
    return switch (op) {
      case "=" -> Operator.EQUALS;
      case "!=" -> Operator.NOT_EQUALS;
      case "in" -> Operator.IN;
      case "notin" -> Operator.NOT_IN;
      case "exists" -> Operator.EXISTS;
      case "!" -> Operator.DOES_NOT_EXIST;
      case "gt" -> Operator.GREATER_THAN;
      default -> Operator.LESS_THAN;
    };
  }

  /** True if every requirement holds for {@code labels}. */
  public boolean matches(Map<String, String> labels) {
    for (Predicate<Map<String, String>> r : matchers) {
      if (!r.test(labels)) {
        return false;
      }
    }
    return true;
  }

  /** The requirements, in the order given. */
  public List<Requirement> requirements() {
    return requirements;
  }

  /**
   * The one value {@code key} must have ({@code key=v}, or {@code key in (v)}), else null
   * (Selector.RequiresExactMatch): what lets a server answer from a label index.
   */
  public String requiresExactMatch(String key) {
    for (Requirement r : requirements) {
      if (r.key().equals(key)) {
        // The first requirement on the key decides, as in internalSelector.RequiresExactMatch.
        boolean exact =
            (r.operator() == Operator.EQUALS || r.operator() == Operator.IN)
                && r.values().size() == 1;
        return exact ? r.values().get(0) : null;
      }
    }
    return null;
  }

  /** True for the selector that selects everything. */
  public boolean isEmpty() {
    return matchers.isEmpty();
  }

  @Override
  public String toString() {
    return text;
  }
}
