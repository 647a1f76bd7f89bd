package dev.safeclient.testing;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.safeclient.model.KubeProtoSchemas;
import dev.safeclient.model.PatchStrategy;
import java.util.List;
import java.util.Locale;

/**
 * The type of a value inside a built-in object, as strategic merge patch looks it up: the
 * counterpart of strategicpatch's {@code LookupPatchMeta} ({@code PatchMetaFromStruct}), read from
 * the Protobuf schema of safeclient-api-model instead of Go struct tags. Each field's strategy and
 * merge key come from its {@code +patchStrategy} and {@code +patchMergeKey} comment markers, the
 * same markers the Go struct tags are generated from; {@code +listType=map} is ignored, as the
 * apiserver's strategic merge ignores it.
 */
final class PatchSchema {
  /** The Go kinds the lookups distinguish. */
  enum Shape {
    STRUCT,
    MAP,
    SLICE,
    SCALAR
  }

  /** What {@code LookupPatchMetadataForStruct/ForSlice} answer: the subschema and patch meta. */
  record Lookup(PatchSchema schema, List<String> strategies, String mergeKey) {}

  /** A lookup that fails: Go answers it with a plain error, which the apiserver sends as a 500. */
  static final class LookupFailed extends RuntimeException {
    LookupFailed(String message) {
      super(message, null, false, false);
    }
  }

  private final Shape shape;
  private final Descriptor message;
  private final PatchSchema element;

  private PatchSchema(Shape shape, Descriptor message, PatchSchema element) {
    this.shape = shape;
    this.message = message;
    this.element = element;
  }

  /** The schema of a whole object of a message type, e.g. {@code k8s.io.api.apps.v1.Deployment}. */
  static PatchSchema of(Descriptor message) {
    return new PatchSchema(Shape.STRUCT, message, null);
  }

  /** reflect.Kind's name, as strategicpatch's {@code Name()} and its errors print it. */
  String name() {
    return shape.name().toLowerCase(Locale.ROOT).replace("scalar", "string");
  }

  /** {@code LookupPatchMetadataForStruct}: the field named by a JSON key of this struct. */
  Lookup forStruct(String key) {
    if (shape != Shape.STRUCT) {
      throw new LookupFailed(
          "merging an object in json but data type is not struct, instead is: " + name());
    }
    FieldDescriptor f = field(message, key, 3);
    if (f == null) {
      throw new LookupFailed(
          "unable to find api field in struct "
              + message.getName()
              + " for the json field \""
              + key
              + "\"");
    }
    PatchStrategy strategy = KubeProtoSchemas.union().patchStrategy(f).orElse(null);
    return new Lookup(
        typeOf(f),
        strategy == null ? List.of() : strategy.strategies(),
        strategy == null || strategy.mergeKey() == null ? "" : strategy.mergeKey());
  }

  /** {@code LookupPatchMetadataForSlice}: as for a struct field, with the list's element type. */
  Lookup forSlice(String key) {
    Lookup l = forStruct(key);
    if (l.schema.shape != Shape.SLICE) {
      throw new LookupFailed("expected slice or array type, but got: " + name());
    }
    return new Lookup(l.schema.element, l.strategies, l.mergeKey);
  }

  private static PatchSchema typeOf(FieldDescriptor f) {
    if (f.isMapField()) {
      return new PatchSchema(Shape.MAP, null, single(f.getMessageType().findFieldByName("value")));
    }
    PatchSchema one = single(f);
    return f.isRepeated() ? new PatchSchema(Shape.SLICE, null, one) : one;
  }

  private static PatchSchema single(FieldDescriptor f) {
    return f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        ? new PatchSchema(Shape.STRUCT, f.getMessageType(), null)
        : new PatchSchema(Shape.SCALAR, null, null);
  }

  /**
   * The field a JSON key names, as encoding/json finds it: exact name, then case-insensitive, then
   * among the fields of embedded ({@code json:",inline"}) structs, which go-to-protobuf writes as a
   * field named after its type ({@code ruleWithOperations}). Keys Go spells differently from the
   * Protobuf field ({@code x-kubernetes-list-type}, {@code $ref}) match without '-' and '$'.
   */
  private static FieldDescriptor field(Descriptor d, String key, int depth) {
    FieldDescriptor f = d.findFieldByName(key);
    if (f != null) {
      return f;
    }
    String folded = key.replace("-", "").replace("$", "");
    for (FieldDescriptor c : d.getFields()) {
      if (c.getName().equalsIgnoreCase(key) || c.getName().equalsIgnoreCase(folded)) {
        return c;
      }
    }
    if (depth == 0) {
      return null;
    }
    for (FieldDescriptor c : d.getFields()) {
      if (c.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !c.isRepeated()
          && c.getName().equalsIgnoreCase(c.getMessageType().getName())) {
        FieldDescriptor inner = field(c.getMessageType(), key, depth - 1);
        if (inner != null) {
          return inner;
        }
      }
    }
    return null;
  }
}
