package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.safeclient.model.GoJsonFields;

/**
 * The fields a kube-apiserver writes into every answer although nobody set them: it decodes a
 * built-in object into its Go struct and encodes it with {@code encoding/json}, which writes a
 * field without {@code omitempty} even when zero ({@code "status": {}} on a new Deployment, {@code
 * "resources": {}} on every container, {@code "replicas": 0} in a StatefulSet's status). Which
 * fields those are comes from the Go json tags of every release ({@link GoJsonFields}), walked
 * along the kind's Protobuf schema; without the Protobuf schemas on the class path, nothing is
 * added.
 */
final class GoZeroValues {
  private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";

  private GoZeroValues() {}

  /**
   * Adds to {@code o}, an object of {@code t}, the zero values its Go struct renders on a server of
   * minor version {@code minor}.
   */
  static void fill(ResourceType t, JsonObject o, int minor) {
    // The simulated release's own struct and tags: a field only later releases define is not its
    // zero value to write.
    Descriptor d = ReleaseSchemas.of(minor, Writes.unionSchemaOf(t.apiVersion(), t.kind()));
    if (d != null) {
      fill(d, o, minor);
    }
  }

  private static void fill(Descriptor d, JsonObject o, int minor) {
    for (FieldDescriptor f : d.getFields()) {
      GoJsonFields.Field g = GoJsonFields.release(minor).field(d.getFullName(), f.getName());
      if (g == null) {
        continue;
      }
      boolean message = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isMapField();
      if (g.inline()) {
        if (message) {
          fill(f.getMessageType(), o, minor);
        }
        continue;
      }
      if (g.jsonName() == null) {
        continue;
      }
      JsonElement v = o.get(g.jsonName());
      if (v == null) {
        JsonElement zero =
            minor < 34
                    && d.getFullName().equals(META + "ObjectMeta")
                    && f.getName().equals("creationTimestamp")
                // Before 1.34 creationTimestamp had no omitzero: an embedded template's
                // metadata shows "creationTimestamp": null.
                ? JsonNull.INSTANCE
                : zero(f, g, message);
        if (zero != null) {
          o.add(g.jsonName(), zero);
          v = zero;
        }
      }
      if (message && v != null) {
        if (v instanceof JsonObject child) {
          fill(f.getMessageType(), child, minor);
        } else if (v.isJsonArray()) {
          for (JsonElement e : v.getAsJsonArray()) {
            if (e instanceof JsonObject child) {
              fill(f.getMessageType(), child, minor);
            }
          }
        }
      }
    }
  }

  /** What Go writes for the field when nobody set it, or null when it writes nothing. */
  private static JsonElement zero(FieldDescriptor f, GoJsonFields.Field g, boolean message) {
    if (g.pointer() || g.slice() || g.map()) {
      return g.nullWhenNil() ? JsonNull.INSTANCE : null;
    }
    if (message) {
      String type = f.getMessageType().getFullName();
      if (type.equals(META + "Time") || type.equals(META + "MicroTime")) {
        return g.omitsZeroStruct() ? null : JsonNull.INSTANCE;
      }
      if (type.equals("k8s.io.apimachinery.pkg.runtime.RawExtension")) {
        return g.omitsZeroStruct() ? null : JsonNull.INSTANCE;
      }
      if (type.equals("k8s.io.apimachinery.pkg.util.intstr.IntOrString")) {
        return g.omitsZeroStruct() ? null : new com.google.gson.JsonPrimitive(0);
      }
      if (type.equals("k8s.io.apimachinery.pkg.api.resource.Quantity")) {
        return g.omitsZeroStruct() ? null : new com.google.gson.JsonPrimitive("0");
      }
      return g.omitsZeroStruct() ? null : new JsonObject();
    }
    if (g.omitsZeroScalar()) {
      return null;
    }
    return switch (f.getJavaType()) {
      case STRING -> new com.google.gson.JsonPrimitive("");
      case BOOLEAN -> new com.google.gson.JsonPrimitive(false);
      case INT, LONG, FLOAT, DOUBLE -> new com.google.gson.JsonPrimitive(0);
      default -> null;
    };
  }
}
