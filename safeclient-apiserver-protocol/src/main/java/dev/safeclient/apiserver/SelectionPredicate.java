package dev.safeclient.apiserver;

/**
 * The label and field selectors of a list or watch, with the field labels converted for the
 * resource (storage.SelectionPredicate): which objects the request selects, and which exact field
 * values a server may answer from an index ({@link #exactField}).
 */
public final class SelectionPredicate {
  private static final SelectionPredicate EVERYTHING =
      new SelectionPredicate(LabelSelector.parse(""), FieldSelector.parse(""));

  private final LabelSelector labels;
  private final FieldSelector fields;

  private SelectionPredicate(LabelSelector labels, FieldSelector fields) {
    this.labels = labels;
    this.fields = fields;
  }

  /** The predicate that selects everything. */
  public static SelectionPredicate everything() {
    return EVERYTHING;
  }

  /**
   * Parses both selectors for {@code group}/{@code resource}: a selector outside the grammar, or a
   * field label the resource does not support, throws a {@link StatusException} with the list
   * handler's 400.
   */
  public static SelectionPredicate parse(
      String group, String resource, String labelSelector, String fieldSelector) {
    LabelSelector l = LabelSelector.parse(labelSelector);
    FieldSelector f =
        FieldSelector.parse(fieldSelector)
            .withFieldsConverted(label -> FieldLabels.convert(group, resource, label));
    return l.isEmpty() && f.isEmpty() ? EVERYTHING : new SelectionPredicate(l, f);
  }

  /** The predicate of a list or watch request. */
  public static SelectionPredicate of(RequestInfo request, ListOptions options) {
    return parse(
        request.apiGroup(), request.resource(), options.labelSelector(), options.fieldSelector());
  }

  /** True if {@code o} is selected. */
  public boolean matches(SelectableObject o) {
    return (labels.isEmpty() || labels.matches(o.labels())) && fields.matches(o);
  }

  /** True if it selects everything (the fast path, and what makes remainingItemCount exact). */
  public boolean isEverything() {
    return labels.isEmpty() && fields.isEmpty();
  }

  /**
   * The value a (converted) field label must equal, e.g. {@code spec.nodeName} for a node's pods,
   * or null: an index on that field can answer the request.
   */
  public String exactField(String fieldLabel) {
    return fields.requiresExactMatch(fieldLabel);
  }

  public LabelSelector labelSelector() {
    return labels;
  }

  public FieldSelector fieldSelector() {
    return fields;
  }

  @Override
  public String toString() {
    return "labels(" + labels + ") fields(" + fields + ")";
  }
}
