package dev.safeclient.model;

import java.util.List;
import java.util.Optional;

/**
 * How a strategic merge patch treats a field, from its {@code +patchStrategy} and {@code
 * +patchMergeKey} markers: {@code PodSpec.containers} is {@code merge} on {@code name}, a list
 * patched element by element; {@code PodSpec.volumes} is {@code merge,retainKeys}.
 *
 * @param strategies the strategies in marker order, e.g. {@code [merge, retainKeys]}
 * @param mergeKey the field that identifies a list element, or null if the field has none
 */
public record PatchStrategy(List<String> strategies, String mergeKey) {
  public PatchStrategy {
    strategies = List.copyOf(strategies);
  }

  /** The field that identifies a list element when patches merge lists, if any. */
  public Optional<String> patchMergeKey() {
    return Optional.ofNullable(mergeKey);
  }

  /** Whether a patch merges this field's list elements (by key) instead of replacing the list. */
  public boolean merges() {
    return strategies.contains("merge");
  }
}
