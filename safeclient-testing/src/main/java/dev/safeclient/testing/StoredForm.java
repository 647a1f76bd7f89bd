package dev.safeclient.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.safeclient.model.GoJsonFields;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;

/**
 * What a written object looks like once the apiserver has stored it and read it back: the etcd3
 * store answers a create or update with the object decoded from the bytes it wrote (store.go {@code
 * Create}/{@code GuaranteedUpdate}: {@code decode(s.codec, ..., data, out, ...)}), and Go's {@code
 * encoding/json} renders that. So an empty list or map a client sent (client-java writes {@code
 * "annotations": {}}, {@code "finalizers": []}) comes back left out when its json tag has {@code
 * omitempty}, and {@code null} without it, since Protobuf carries no empty list; a zero scalar of a
 * non-pointer {@code omitempty} field is left out. And what the object lacks is written as Go
 * writes a zero value: a struct field (never omitted: {@code omitempty} does not apply to structs)
 * as {@code {}} with its own fields, a zero {@code metav1.Time} as {@code null} (left out from
 * 1.34, where {@code creationTimestamp} is {@code omitzero}), a scalar without {@code omitempty} as
 * its zero, a nil list or map without it as {@code null}, and a struct with a JSON form of its own
 * as its {@code MarshalJSON} writes the zero value: an IntOrString as {@code 0}, a Quantity as
 * {@code "0"}, a RawExtension as {@code null} (left out only under {@code omitzero}). This is the
 * one walker of Go's zero values: the defaulted object of every write (create, update, patch,
 * subresources, dry run, seeded) passes through it. Built-in kinds only: a custom resource is
 * stored as the JSON it was given, except its metadata, which is decoded into ObjectMeta and
 * encoded back (apiextensions-apiserver schema/objectmeta {@code GetObjectMeta}/{@code
 * SetObjectMeta}).
 */
final class StoredForm {
  private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
  private static final String OBJECT_META = META + "ObjectMeta";

  /** Structs whose zero value marshals to {@code null} (their MarshalJSON). */
  private static final Set<String> TIMES = Set.of(META + "Time", META + "MicroTime");

  /**
   * Structs with their own JSON form, and what their {@code MarshalJSON} writes for a zero value:
   * intstr.IntOrString{} is the integer 0, resource.Quantity{} canonicalises to "0", and
   * runtime.RawExtension{} (nil Raw) is null.
   */
  private static final Map<String, JsonElement> MARSHALLED_ZERO =
      Map.of(
          "k8s.io.apimachinery.pkg.util.intstr.IntOrString", new JsonPrimitive(0),
          "k8s.io.apimachinery.pkg.api.resource.Quantity", new JsonPrimitive("0"),
          "k8s.io.apimachinery.pkg.runtime.RawExtension", JsonNull.INSTANCE);

  /**
   * Structs with their own JSON form whose zero value KubeSim does not write: no object of a kind
   * it serves holds one outside a pointer (metav1.Duration would be {@code "0s"}).
   */
  private static final Set<String> SPECIAL =
      Set.of(
          META + "Duration",
          META + "Verbs",
          "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
          "k8s.io.apimachinery.pkg.api.resource.Quantity",
          "k8s.io.apimachinery.pkg.api.resource.QuantityValue");

  private final int minor;

  /** The simulated release's json tags: its encoder writes what its own tags say. */
  private final GoJsonFields.Release tags;

  private StoredForm(int minor) {
    this.minor = minor;
    this.tags = GoJsonFields.release(minor);
  }

  /**
   * Brings a built-in object ({@code schema}: its kind's message) to its stored form on release
   * 1.{@code minor}, in place.
   */
  static void of(JsonObject object, Descriptor schema, int minor) {
    new StoredForm(minor).walk(object, schema);
  }

  /** Brings a custom resource's metadata to its stored form, in place. */
  static void ofCustomResource(JsonObject object, Descriptor objectMeta, int minor) {
    if (objectMeta != null
        && objectMeta.getFullName().equals(OBJECT_META)
        && object.get("metadata") instanceof JsonObject meta) {
      new StoredForm(minor).walk(meta, objectMeta);
    }
  }

  private void walk(JsonObject o, Descriptor d) {
    for (String key : new ArrayList<>(o.keySet())) {
      FieldDescriptor f = StrictDecoding.field(d, key, 3);
      if (f == null) {
        continue; // apiVersion and kind (TypeMeta), or a field strict decoding already dropped
      }
      GoJsonFields.Field go = tags.field(f.getContainingType().getFullName(), f.getName());
      JsonElement v = o.get(key);
      if (go == null) {
        continue;
      }
      if (v.isJsonNull() && plainStruct(f, go)) {
        JsonObject zero = new JsonObject(); // encoding/json decodes null into a zero struct
        o.add(key, zero);
        walk(zero, f.getMessageType());
        continue;
      }
      if (isNil(v, go)) {
        if (go.nullWhenNil()) {
          o.add(key, JsonNull.INSTANCE);
        } else {
          o.remove(key);
        }
        continue;
      }
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        if (v instanceof JsonPrimitive p && go.omitsZeroScalar() && isZero(p)) {
          o.remove(key);
        }
        continue;
      }
      descend(v, f);
    }
    writeZeroes(o, d);
  }

  /** Writes the fields {@code o} lacks as encoding/json writes a zero value. */
  private void writeZeroes(JsonObject o, Descriptor d) {
    for (FieldDescriptor f : d.getFields()) {
      GoJsonFields.Field go = tags.field(d.getFullName(), f.getName());
      if (go == null) {
        continue;
      }
      boolean message = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE;
      if (go.inline()) {
        if (message && !f.isRepeated()) {
          writeZeroes(o, f.getMessageType()); // an embedded struct's fields are the parent's
        }
        continue;
      }
      String key = go.jsonName();
      if (key == null || o.has(key)) {
        continue;
      }
      if (go.pointer() || go.slice() || go.map()) {
        if (go.nullWhenNil()) {
          o.add(key, JsonNull.INSTANCE);
        }
      } else if (message && TIMES.contains(f.getMessageType().getFullName())) {
        boolean omitZero =
            go.omitZero() && (minor >= 34 || !f.getName().equals("creationTimestamp"));
        if (!omitZero) {
          o.add(key, JsonNull.INSTANCE);
        }
      } else if (message && !f.isRepeated() && MARSHALLED_ZERO.containsKey(typeOf(f))) {
        if (!go.omitZero()) {
          o.add(key, MARSHALLED_ZERO.get(typeOf(f)).deepCopy());
        }
      } else if (plainStruct(f, go)) {
        if (!go.omitZero()) {
          JsonObject zero = new JsonObject();
          o.add(key, zero);
          writeZeroes(zero, f.getMessageType());
        }
      } else if (!message && !go.omitEmpty() && !go.omitZero()) {
        JsonPrimitive zero = zero(f);
        if (zero != null) {
          o.add(key, zero);
        }
      }
    }
  }

  private static String typeOf(FieldDescriptor f) {
    return f.getMessageType().getFullName();
  }

  /** A non-pointer struct field whose JSON is an object. */
  private static boolean plainStruct(FieldDescriptor f, GoJsonFields.Field go) {
    if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE
        || f.isRepeated()
        || go.pointer()
        || go.slice()
        || go.map()) {
      return false;
    }
    String m = f.getMessageType().getFullName();
    return !TIMES.contains(m)
        && !SPECIAL.contains(m)
        && !StrictDecoding.FREE_FORM.contains(m)
        && !f.getMessageType().getName().startsWith("JSONSchemaPropsOr");
  }

  private static JsonPrimitive zero(FieldDescriptor f) {
    return switch (f.getJavaType()) {
      case STRING -> new JsonPrimitive("");
      case BOOLEAN -> new JsonPrimitive(false);
      case INT, LONG, FLOAT, DOUBLE -> new JsonPrimitive(0);
      default -> null;
    };
  }

  /**
   * Whether Go holds nil after the round trip: a JSON null in a pointer, slice or map field, or an
   * empty list or map, which Protobuf does not carry.
   */
  private static boolean isNil(JsonElement v, GoJsonFields.Field go) {
    if (v.isJsonNull()) {
      return go.pointer() || go.slice() || go.map();
    }
    if (v instanceof JsonArray a) {
      return go.slice() && a.isEmpty();
    }
    return v instanceof JsonObject m && go.map() && m.isEmpty();
  }

  private void descend(JsonElement v, FieldDescriptor f) {
    Descriptor m = f.getMessageType();
    if (StrictDecoding.FREE_FORM.contains(m.getFullName())) {
      return;
    }
    if (f.isMapField()) {
      FieldDescriptor value = m.findFieldByName("value");
      if (v instanceof JsonObject map && value.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        for (Map.Entry<String, JsonElement> e : map.entrySet()) {
          if (e.getValue() instanceof JsonObject item) {
            walk(item, value.getMessageType());
          }
        }
      }
      return;
    }
    if (v instanceof JsonArray a) {
      for (JsonElement item : a) {
        if (item instanceof JsonObject io) {
          walk(io, m);
        }
      }
    } else if (v instanceof JsonObject io) {
      walk(io, m);
    }
  }

  private static boolean isZero(JsonPrimitive p) {
    if (p.isString()) {
      return p.getAsString().isEmpty();
    }
    if (p.isBoolean()) {
      return !p.getAsBoolean();
    }
    return p.isNumber() && new BigDecimal(p.getAsString()).signum() == 0;
  }
}
