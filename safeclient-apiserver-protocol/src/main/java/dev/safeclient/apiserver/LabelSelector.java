package dev.safeclient.apiserver;

import dev.safeclient.apiserver.internal.LabelSelectorParser;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A label selector in the apiserver's grammar (apimachinery pkg/labels/selector.go {@code Parse}):
 * {@code =}, {@code ==}, {@code !=}, {@code in}, {@code notin}, exists, {@code !key}, {@code >},
 * {@code <}, with its key and value validation and its error messages.
 */
public final class LabelSelector {
  private static final LabelSelector EVERYTHING = new LabelSelector("", List.of());

  private final String text;
  private final List<Predicate<Map<String, String>>> requirements;

  private LabelSelector(String text, List<Predicate<Map<String, String>>> requirements) {
    this.text = text;
    this.requirements = requirements;
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
    try {
      return new LabelSelector(selector, List.copyOf(LabelSelectorParser.parse(selector)));
    } catch (IllegalArgumentException e) {
      throw new StatusException(Status.badRequest(e.getMessage()));
    }
  }

  /** True if every requirement holds for {@code labels}. */
  public boolean matches(Map<String, String> labels) {
    for (Predicate<Map<String, String>> r : requirements) {
      if (!r.test(labels)) {
        return false;
      }
    }
    return true;
  }

  /** True for the selector that selects everything. */
  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  @Override
  public String toString() {
    return text;
  }
}
