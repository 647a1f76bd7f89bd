package dev.safeclient.testing;

import dev.safeclient.apiserver.FieldLabels;
import dev.safeclient.apiserver.FieldSelector;
import dev.safeclient.apiserver.LabelSelector;
import dev.safeclient.apiserver.StatusException;
import java.util.Set;

/**
 * The selectors of a KubeSim read (the protocol module's {@link LabelSelector} and {@link
 * FieldSelector}, field labels converted by {@link FieldLabels}), and the watch cache indexes they
 * let it use.
 */
final class Selector {
  /** Fields the watch cache indexes (K8S-API-FACTS "Node-scoped pod lists"): no scan needed. */
  static final Set<String> INDEXED_FIELDS =
      Set.of("metadata.name", "metadata.namespace", "spec.nodeName");

  private final LabelSelector labels;
  private final FieldSelector fields;
  final String nodeName; // spec.nodeName=X, else null: lets the cache use its node index
  final String name; // metadata.name=X, else null
  final String namespace; // metadata.namespace=X, else null
  final boolean scansEveryObject; // a field selector on an unindexed field
  final boolean empty;

  private Selector(LabelSelector labels, FieldSelector fields) {
    this.labels = labels;
    this.fields = fields;
    this.nodeName = fields.requiresExactMatch("spec.nodeName");
    this.name = fields.requiresExactMatch("metadata.name");
    this.namespace = fields.requiresExactMatch("metadata.namespace");
    boolean scans = false;
    for (FieldSelector.Requirement r : fields.requirements()) {
      if (!INDEXED_FIELDS.contains(r.field())) {
        scans = true;
      }
    }
    this.scansEveryObject = scans;
    this.empty = labels.isEmpty() && fields.isEmpty();
  }

  static final Selector EVERYTHING = new Selector(LabelSelector.parse(""), FieldSelector.parse(""));

  boolean matches(StoredObject o) {
    return (labels.isEmpty() || labels.matches(o.labels)) && fields.matches(o);
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
   * Parses both selectors as the apiserver does, each field label converted for {@code type} when
   * given; a refusal is an IllegalArgumentException carrying the apiserver's 400 message.
   */
  static Selector parse(ResourceType type, String labelSelector, String fieldSelector) {
    try {
      LabelSelector l = LabelSelector.parse(labelSelector);
      FieldSelector f = FieldSelector.parse(fieldSelector);
      if (type != null) {
        f = f.withFieldsConverted(label -> FieldLabels.convert(type.group(), type.plural(), label));
      }
      return new Selector(l, f);
    } catch (StatusException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
