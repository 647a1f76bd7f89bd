package dev.safeclient.core.internal.protobuf;

import dev.safeclient.model.GoJsonFields;
import java.util.Set;
import java.util.TreeSet;

/**
 * Scalar fields that Go declares as non-pointer with {@code omitempty} (or {@code omitzero}). The
 * Go Protobuf marshaller writes such a field even when it is zero ({@code ""}, {@code 0}, {@code
 * false}), while JSON omits it, so the JSON path leaves the model field null. For these fields, and
 * only these, the decoder treats the zero value as absent.
 *
 * <p>Every other scalar keeps a zero it receives: a pointer field ({@code spec.replicas: 0}, {@code
 * storageClassName: ""}) means something different from an absent one, and a field without {@code
 * omitempty} ({@code containerStatuses[].ready: false}, {@code subjects[].kind}) is written by JSON
 * too. The json tags come from the Go types of every release ({@link GoJsonFields}). A zero {@code
 * metav1.Time} is handled apart: it arrives as an empty message.
 */
final class GoOmitEmptyFields {
  private GoOmitEmptyFields() {}

  static boolean contains(String message, String field) {
    GoJsonFields.Field f = GoJsonFields.field(message, field);
    return f != null && f.omitsZeroScalar();
  }

  /** Every scalar field of the schema whose zero is left out, as {@code <message>.<field>}. */
  static Set<String> all() {
    Set<String> out = new TreeSet<>();
    GoJsonFields.all()
        .forEach(
            (key, f) -> {
              int dot = key.lastIndexOf('.');
              ProtoSchema.Message m = ProtoSchema.get().message(key.substring(0, dot));
              ProtoSchema.Field pf = m == null ? null : m.field(key.substring(dot + 1));
              if (f.omitsZeroScalar()
                  && pf != null
                  && !pf.repeated
                  && pf.type != ProtoSchema.Type.MESSAGE) {
                out.add(key);
              }
            });
    return out;
  }
}
