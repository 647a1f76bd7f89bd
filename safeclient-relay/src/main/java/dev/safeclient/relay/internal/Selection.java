package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.SelectionPredicate;

/**
 * Which objects one request reads: a namespace (null: all) and the request's selectors. The node
 * and name the selectors require exactly are served from the cache's indexes; everything else is
 * matched in memory, as the apiserver's watch cache does.
 */
final class Selection {
  static final Selection EVERYTHING = new Selection(null, SelectionPredicate.everything());

  final String namespace;
  final SelectionPredicate predicate;

  /**
   * The node the field selector requires ({@code spec.nodeName=X}), for the node index; or null.
   * Null too for {@code spec.nodeName=}: unscheduled pods have no node to be indexed by, so they
   * are matched in memory.
   */
  final String nodeName;

  /** The name the field selector requires ({@code metadata.name=X}); or null. */
  final String name;

  Selection(String namespace, SelectionPredicate predicate) {
    this.namespace = namespace;
    this.predicate = predicate;
    String node = predicate.exactField("spec.nodeName");
    this.nodeName = node == null || node.isEmpty() ? null : node;
    this.name = predicate.exactField("metadata.name");
  }

  Selection inNamespace(String ns) {
    return new Selection(ns, predicate);
  }

  boolean matches(CachedObject o) {
    if (o == null) {
      return false;
    }
    if (namespace != null && !namespace.equals(o.namespace)) {
      return false;
    }
    return predicate.isEverything() || predicate.matches(o);
  }
}
