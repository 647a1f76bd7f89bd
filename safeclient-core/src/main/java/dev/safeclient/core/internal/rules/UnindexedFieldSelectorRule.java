package dev.safeclient.core.internal.rules;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import java.util.List;

/**
 * SC109: a LIST with a field selector the server cannot answer from an index: anything but equality
 * on {@code metadata.name}, {@code metadata.namespace}, and pods' {@code spec.nodeName}. Each such
 * request scans every object of the type, even from the watch cache. Warn only.
 */
public final class UnindexedFieldSelectorRule implements RequestRule {
  public static final String ID = "SC109";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String check(KubeRequest k, SafetyMode mode) {
    if (k.verb() != Verb.LIST || !k.hasQuery("fieldSelector")) {
      return null;
    }
    List<String> unindexed =
        FieldSelector.parse(k.query("fieldSelector")).terms().stream()
            .filter(t -> !isIndexed(k, t))
            .map(t -> t.key() + (t.equality() ? "=" : "!="))
            .toList();
    if (unindexed.isEmpty()) {
      return null;
    }
    return "field selector on unindexed "
        + String.join(", ", unindexed)
        + ": each request scans all "
        + k.groupResource()
        + "; filter a label, or use an informer and filter in memory";
  }

  /** Only equality can use an index; {@code !=} scans. */
  private static boolean isIndexed(KubeRequest k, FieldSelector.Term t) {
    if (!t.equality()) {
      return false;
    }
    return switch (t.key()) {
      case "metadata.name", "metadata.namespace" -> true;
      case NodeAgentPodsRule.NODE_NAME_FIELD -> "pods".equals(k.resource()) && "".equals(k.group());
      default -> false;
    };
  }
}
