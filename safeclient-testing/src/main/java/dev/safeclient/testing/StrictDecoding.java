package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.safeclient.model.KubeProtoSchemas;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the apiserver's strict JSON decoding finds in a body: the errors of sigs.k8s.io/json's
 * {@code UnmarshalStrict} ({@code unknown field "spec.foo"}, {@code duplicate field
 * "metadata.name"}), in document order, as {@code runtime.NewStrictDecodingError} lists them.
 *
 * <p>A built-in kind is checked against its Protobuf message in the union schema of
 * safeclient-api-model, the same Go structs the Protobuf is generated from. Keys match the field
 * names exactly (the decoder is case-sensitive); {@code x-kubernetes-*} and {@code $ref} match
 * without '-' and '$'; fields of embedded structs ({@code json:",inline"}) are looked up through
 * the field go-to-protobuf names after their type. Types whose JSON is free-form ({@code
 * RawExtension}, {@code JSON}, {@code FieldsV1}) are not looked into. A kind without a schema (a
 * custom resource KubeSim serves) is checked for duplicates only.
 */
final class StrictDecoding {
  /** The errors, and the path of each unknown field (keys and indices), to drop it. */
  record Result(List<String> errors, List<List<Object>> unknown) {
    boolean clean() {
      return errors.isEmpty();
    }

    /** Drops the unknown fields, as decoding into a Go struct drops them. */
    void prune(JsonElement decoded) {
      for (List<Object> path : unknown) {
        JsonElement e = decoded;
        for (int i = 0; i < path.size() - 1 && e != null; i++) {
          Object step = path.get(i);
          if (step instanceof Integer idx) {
            e =
                e.isJsonArray() && idx < e.getAsJsonArray().size()
                    ? e.getAsJsonArray().get(idx)
                    : null;
          } else {
            e = e.isJsonObject() ? e.getAsJsonObject().get((String) step) : null;
          }
        }
        if (e != null && e.isJsonObject()) {
          e.getAsJsonObject().remove((String) path.get(path.size() - 1));
        }
      }
    }
  }

  /** The shape a value is decoded into. */
  private sealed interface Node
      permits Any, Struct, MapOf, ListOf, SchemaPropsOr, PatchOp, OpenApi {}

  /** Free-form JSON: only duplicate keys are errors. */
  private record Any() implements Node {}

  private record Struct(Descriptor message, boolean typeMeta) implements Node {}

  private record MapOf(Node value) implements Node {}

  private record ListOf(Node element) implements Node {}

  /** apiextensions' JSONSchemaPropsOrArray/OrBool/OrStringArray: a schema, or a list of them. */
  private record SchemaPropsOr(Descriptor props) implements Node {}

  /**
   * A value of a custom resource, by its CRD's structural schema (OpenAPI v3): the fields of {@code
   * properties}, else {@code additionalProperties}, else anything under {@code
   * x-kubernetes-preserve-unknown-fields}; the root and an {@code x-kubernetes-embedded-resource}
   * also take apiVersion, kind and metadata (apiextensions-apiserver's structural pruning).
   */
  private record OpenApi(JsonObject schema, boolean root) implements Node {}

  /** One operation of a JSON patch: the handler's {@code jsonPatchOp} struct. */
  private record PatchOp() implements Node {}

  private static final Any ANY = new Any();

  /** Message types whose JSON is anything, so nothing under them is unknown. */
  static final Set<String> FREE_FORM =
      Set.of(
          "k8s.io.apimachinery.pkg.runtime.RawExtension",
          "k8s.io.apimachinery.pkg.runtime.Unknown",
          "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1",
          "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON",
          "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1beta1.JSON");

  private static final Set<String> JSON_PATCH_OP_FIELDS = Set.of("op", "path", "from", "value");

  private StrictDecoding() {}

  /** A body decoded into a kind ({@code schema} null: free-form, duplicates only). */
  static Result check(String json, Descriptor schema) {
    return check(json, schema, null);
  }

  /**
   * A body decoded into a built-in kind ({@code schema}), or a custom resource with a structural
   * schema ({@code openApi}, its CRD's {@code openAPIV3Schema}); with neither, duplicates only.
   */
  static Result check(String json, Descriptor schema, JsonObject openApi) {
    if (schema != null || openApi == null) {
      return run(json, schema == null ? ANY : new Struct(schema, true));
    }
    // A custom resource: the JSON decoder's duplicates, in document order, then what structural
    // pruning (apiextensions-apiserver's unstructured decoder) reports, sorted.
    Result r = run(json, new OpenApi(openApi, true));
    List<String> errors = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String e : r.errors()) {
      (e.startsWith("duplicate") ? errors : unknown).add(e);
    }
    java.util.Collections.sort(unknown);
    errors.addAll(unknown);
    return new Result(errors, r.unknown());
  }

  /**
   * A JSON patch decoded into the handler's {@code []jsonPatchOp} (patch.go applyJSPatch): unknown
   * and duplicate keys of each operation, each error prefixed "json patch ".
   */
  static Result checkJsonPatch(String json) {
    Result r = run(json, new ListOf(new PatchOp()));
    List<String> prefixed = new ArrayList<>();
    r.errors.forEach(e -> prefixed.add("json patch " + e));
    return new Result(prefixed, r.unknown);
  }

  private static Result run(String json, Node root) {
    Result r = new Result(new ArrayList<>(), new ArrayList<>());
    try (JsonReader in = new JsonReader(new StringReader(json == null ? "" : json))) {
      walk(in, root, "", new ArrayList<>(), r);
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      // Not JSON: the caller's own parse refuses it.
    }
    return r;
  }

  private static void walk(JsonReader in, Node node, String path, List<Object> steps, Result r)
      throws IOException {
    JsonToken token = in.peek();
    if (node instanceof SchemaPropsOr or) {
      node = new Struct(or.props(), false);
      if (token == JsonToken.BEGIN_ARRAY) {
        node = new ListOf(node);
      }
    }
    if (token == JsonToken.BEGIN_OBJECT) {
      in.beginObject();
      Set<String> seen = new HashSet<>();
      while (in.hasNext()) {
        String key = in.nextName();
        String at = path.isEmpty() ? key : path + "." + key;
        if (!seen.add(key)) {
          r.errors.add("duplicate field \"" + at + "\"");
        }
        Node child = childOf(node, key);
        List<Object> next = new ArrayList<>(steps);
        next.add(key);
        if (child == null) {
          r.errors.add("unknown field \"" + at + "\"");
          r.unknown.add(next);
          in.skipValue();
        } else {
          walk(in, child, at, next, r);
        }
      }
      in.endObject();
    } else if (token == JsonToken.BEGIN_ARRAY) {
      Node element = node instanceof ListOf l ? l.element() : ANY;
      if (node instanceof OpenApi o && o.schema().get("items") instanceof JsonObject items) {
        element = new OpenApi(items, false);
      }
      in.beginArray();
      for (int i = 0; in.hasNext(); i++) {
        List<Object> next = new ArrayList<>(steps);
        next.add(i);
        walk(in, element, path + "[" + i + "]", next, r);
      }
      in.endArray();
    } else {
      in.skipValue();
    }
  }

  /** The shape of a key's value inside {@code node}, or null if the key is unknown there. */
  private static Node childOf(Node node, String key) {
    if (node instanceof Struct s) {
      if (s.typeMeta() && (key.equals("apiVersion") || key.equals("kind"))) {
        return ANY;
      }
      FieldDescriptor f = field(s.message(), key, 3);
      return f == null ? null : nodeOf(f);
    }
    if (node instanceof MapOf m) {
      return m.value();
    }
    if (node instanceof PatchOp) {
      return JSON_PATCH_OP_FIELDS.contains(key) ? ANY : null;
    }
    if (node instanceof OpenApi o) {
      return childOf(o, key);
    }
    return ANY; // a list or scalar given an object: a type error, not an unknown field
  }

  private static Node childOf(OpenApi o, String key) {
    JsonObject s = o.schema();
    if (o.root() || flag(s, "x-kubernetes-embedded-resource")) {
      if (key.equals("apiVersion") || key.equals("kind")) {
        return ANY;
      }
      if (key.equals("metadata")) {
        return KubeProtoSchemas.union()
            .message("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta")
            .<Node>map(m -> new Struct(m, false))
            .orElse(ANY);
      }
    }
    if (s.get("properties") instanceof JsonObject properties
        && properties.get(key) instanceof JsonObject property) {
      return new OpenApi(property, false);
    }
    if (flag(s, "x-kubernetes-preserve-unknown-fields")) {
      return ANY;
    }
    JsonElement additional = s.get("additionalProperties");
    if (additional instanceof JsonObject a) {
      return new OpenApi(a, false);
    }
    return additional != null && additional.isJsonPrimitive() && additional.getAsBoolean()
        ? ANY
        : null;
  }

  private static boolean flag(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e != null && e.isJsonPrimitive() && e.getAsBoolean();
  }

  private static Node nodeOf(FieldDescriptor f) {
    if (f.isMapField()) {
      return new MapOf(single(f.getMessageType().findFieldByName("value")));
    }
    Node one = single(f);
    return f.isRepeated() ? new ListOf(one) : one;
  }

  private static Node single(FieldDescriptor f) {
    if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return ANY;
    }
    Descriptor m = f.getMessageType();
    if (FREE_FORM.contains(m.getFullName())) {
      return ANY;
    }
    if (m.getName().startsWith("JSONSchemaPropsOr")) {
      FieldDescriptor schema = m.findFieldByName("schema");
      return schema == null ? ANY : new SchemaPropsOr(schema.getMessageType());
    }
    return new Struct(m, embedsTypeMeta(m));
  }

  /**
   * Whether a nested struct embeds TypeMeta, so takes apiVersion and kind: the API kinds do
   * (StatefulSet's volumeClaimTemplates are PersistentVolumeClaims), and each has a list type.
   */
  private static boolean embedsTypeMeta(Descriptor m) {
    return m.findFieldByName("metadata") != null
        && KubeProtoSchemas.union().message(m.getFullName() + "List").isPresent();
  }

  /**
   * Embedded structs whose Protobuf field is not named after their type (the others are found by
   * name: {@code volumeSource}, {@code persistentVolumeSource}, {@code ephemeralContainerCommon}).
   */
  private static final Set<String> INLINE = Set.of("k8s.io.api.core.v1.Probe.handler");

  /**
   * The field a JSON key names: the exact name, else the JSON name of a field go-to-protobuf named
   * after the Go field ({@code Name}, {@code Webhooks}, {@code uID}, {@code aPIGroup}), or the name
   * without '-' and '$' for the keys Go spells that way ({@code x-kubernetes-*}, {@code $ref}),
   * else a field of an embedded struct.
   */
  static FieldDescriptor field(Descriptor d, String key, int depth) {
    FieldDescriptor f = d.findFieldByName(key);
    if (f != null) {
      return f;
    }
    boolean folded = key.indexOf('-') >= 0 || key.indexOf('$') >= 0;
    String bare = key.replace("-", "").replace("$", "");
    for (FieldDescriptor c : d.getFields()) {
      if (folded ? c.getName().equalsIgnoreCase(bare) : key.equals(jsonName(c.getName()))) {
        return c;
      }
    }
    if (depth == 0) {
      return null;
    }
    for (FieldDescriptor c : d.getFields()) {
      if (c.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !c.isRepeated()
          && (c.getName().equalsIgnoreCase(c.getMessageType().getName())
              || INLINE.contains(c.getFullName()))) {
        FieldDescriptor inner = field(c.getMessageType(), key, depth - 1);
        if (inner != null) {
          return inner;
        }
      }
    }
    return null;
  }

  /**
   * The JSON name of a Protobuf field named after its Go field rather than its JSON tag: the
   * leading capitals lowered, the last one kept before a lower-case letter ({@code aPIGroup} to
   * {@code apiGroup}, {@code uID} to {@code uid}, {@code Name} to {@code name}).
   */
  static String jsonName(String protoName) {
    int start = Character.isUpperCase(protoName.charAt(0)) ? 0 : 1;
    if (start >= protoName.length() || !Character.isUpperCase(protoName.charAt(start))) {
      return protoName;
    }
    int end = start;
    while (end < protoName.length() && Character.isUpperCase(protoName.charAt(end))) {
      end++;
    }
    if (end < protoName.length() && end - start > 1) {
      end--; // the capital that starts the next word
    }
    return protoName.substring(0, start)
        + protoName.substring(start, end).toLowerCase(java.util.Locale.ROOT)
        + protoName.substring(end);
  }
}
