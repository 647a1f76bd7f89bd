package dev.safeclient.core.internal.rules;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import java.util.Optional;

/**
 * SC106: a node agent (its node name known from the builder or {@code NODE_NAME}) lists or watches
 * pods cluster-wide without a {@code spec.nodeName} field selector. Every node doing it is the
 * shape of the December 2024 outage: the cost grows with nodes × pods. The watch cache indexes
 * {@code spec.nodeName=X}, so the node-scoped form is cheap. STRICT rejects.
 */
public final class NodeAgentPodsRule implements RequestRule {
  public static final String ID = "SC106";
  static final String NODE_NAME_FIELD = "spec.nodeName";

  private final Optional<String> nodeName;

  public NodeAgentPodsRule(Optional<String> nodeName) {
    this.nodeName = nodeName.filter(n -> !n.isBlank());
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public boolean rejectsInStrict() {
    return true;
  }

  @Override
  public String check(KubeRequest k, SafetyMode mode) {
    if (nodeName.isEmpty()
        || (k.verb() != Verb.LIST && k.verb() != Verb.WATCH)
        || !"pods".equals(k.resource())
        || !"".equals(k.group())
        || k.namespace() != null
        || FieldSelector.parse(k.query("fieldSelector")).hasEquality(NODE_NAME_FIELD)) {
      return null;
    }
    return "node agent on "
        + nodeName.get()
        + (k.verb() == Verb.LIST ? " lists" : " watches")
        + " pods cluster-wide: every node pays for every pod; add fieldSelector=spec.nodeName="
        + nodeName.get()
        + " or use an informer with that selector";
  }
}
