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

/**
 * What a written object looks like once the apiserver has stored it and read it back: the etcd3
 * store answers a create or update with the object decoded from the bytes it wrote (store.go {@code
 * Create}/{@code GuaranteedUpdate}: {@code decode(s.codec, ..., data, out, ...)}), and Go's {@code
 * encoding/json} renders that. So an empty list or map a client sent (client-java writes {@code
 * "annotations": {}}, {@code "finalizers": []}) comes back left out when its json tag has {@code
 * omitempty}, and {@code null} without it, since Protobuf carries no empty list; a zero scalar of a
 * non-pointer {@code omitempty} field is left out. Built-in kinds only: a custom resource is stored
 * as the JSON it was given, except its metadata, which is decoded into ObjectMeta and encoded back
 * (apiextensions-apiserver schema/objectmeta {@code GetObjectMeta}/{@code SetObjectMeta}).
 */
final class StoredForm {
  private static final String OBJECT_META = "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta";

  private StoredForm() {}

  /** Brings a built-in object ({@code schema}: its kind's message) to its stored form, in place. */
  static void of(JsonObject object, Descriptor schema) {
    walk(object, schema);
  }

  /** Brings a custom resource's metadata to its stored form, in place. */
  static void ofCustomResource(JsonObject object, Descriptor objectMeta) {
    if (objectMeta != null
        && objectMeta.getFullName().equals(OBJECT_META)
        && object.get("metadata") instanceof JsonObject meta) {
      walk(meta, objectMeta);
    }
  }

  private static void walk(JsonObject o, Descriptor d) {
    for (String key : new ArrayList<>(o.keySet())) {
      FieldDescriptor f = StrictDecoding.field(d, key, 3);
      if (f == null) {
        continue; // apiVersion and kind (TypeMeta), or a field strict decoding already dropped
      }
      GoJsonFields.Field go = GoJsonFields.field(f.getContainingType().getFullName(), f.getName());
      JsonElement v = o.get(key);
      if (go == null) {
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

  private static void descend(JsonElement v, FieldDescriptor f) {
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
