package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Objects;

/**
 * Update validation a real apiserver applies to the fields it never lets change
 * (pkg/apis/core/validation and pkg/apis/{apps,batch}/validation, ValidateXxxUpdate), answered as
 * errors.NewInvalid: 422 Invalid with one cause per field. The messages are those of field.Invalid
 * / field.Forbidden; where Go prints a struct value, KubeSim prints its JSON.
 */
final class Validation {
  /** apivalidation.FieldImmutableErrorMsg. */
  static final String IMMUTABLE = "field is immutable";

  private static final String IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set";

  /** The head of ValidatePodUpdate's message (the real one goes on with a diff of the specs). */
  static final String POD_UPDATE =
      "pod updates may not change fields other than `spec.containers[*].image`,"
          + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only"
          + " additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to"
          + " be set to 1 if it was previously negative)";

  private Validation() {}

  /** The 422 for an update of {@code old} to {@code next}, or null if it is allowed. */
  static Answer immutableFields(ResourceType t, String name, JsonObject old, JsonObject next) {
    String kindKey = t.group() + "/" + t.plural();
    switch (kindKey) {
      case "/configmaps":
      case "/secrets":
        if (Boolean.TRUE.equals(bool(old, "immutable"))) {
          // ValidateConfigMapUpdate / ValidateSecretUpdate.
          if (!Boolean.TRUE.equals(bool(next, "immutable"))) {
            return forbidden(t, name, "immutable", IMMUTABLE_WHEN_SET);
          }
          if (!same(old.get("data"), next.get("data"))) {
            return forbidden(t, name, "data", IMMUTABLE_WHEN_SET);
          }
          if (!same(old.get("binaryData"), next.get("binaryData"))) {
            return forbidden(t, name, "binaryData", IMMUTABLE_WHEN_SET);
          }
        }
        if (t.plural().equals("secrets")
            && old.has("type")
            && next.has("type")
            && !old.get("type").equals(next.get("type"))) {
          return invalid(t, name, "type", next.get("type"), IMMUTABLE);
        }
        return null;
      case "/services":
        {
          // ValidateServiceUpdate: a set clusterIP may not change.
          JsonElement before = at(old, "spec", "clusterIP");
          JsonElement after = at(next, "spec", "clusterIP");
          if (before != null
              && after != null
              && !before.getAsString().isEmpty()
              && !after.getAsString().isEmpty()
              && !before.equals(after)) {
            return invalid(t, name, "spec.clusterIP", after, "may not change once set");
          }
          return null;
        }
      case "apps/deployments":
      case "apps/replicasets":
      case "apps/daemonsets":
      case "apps/statefulsets":
      case "batch/jobs":
        {
          // ValidateImmutableField(newSpec.Selector, oldSpec.Selector, "spec.selector").
          JsonElement before = at(old, "spec", "selector");
          JsonElement after = at(next, "spec", "selector");
          if (before != null && !same(before, after)) {
            return invalid(t, name, "spec.selector", after, IMMUTABLE);
          }
          return null;
        }
      case "/pods":
        return podSpecChanged(old, next) ? forbidden(t, name, "spec", POD_UPDATE) : null;
      default:
        return null;
    }
  }

  /** ValidatePodUpdate: the spec with its mutable fields taken from the old one must be equal. */
  private static boolean podSpecChanged(JsonObject old, JsonObject next) {
    JsonElement a = old.get("spec");
    JsonElement b = next.get("spec");
    if (a == null || !a.isJsonObject() || b == null || !b.isJsonObject()) {
      return !same(a, b);
    }
    JsonObject before = a.getAsJsonObject().deepCopy();
    JsonObject after = b.getAsJsonObject().deepCopy();
    for (String mutable :
        new String[] {
          "activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds", "schedulingGates"
        }) {
      before.remove(mutable);
      after.remove(mutable);
    }
    for (String list : new String[] {"containers", "initContainers"}) {
      stripImages(before.get(list));
      stripImages(after.get(list));
    }
    return !same(before, after);
  }

  private static void stripImages(JsonElement containers) {
    if (containers != null && containers.isJsonArray()) {
      for (JsonElement c : containers.getAsJsonArray()) {
        if (c.isJsonObject()) {
          c.getAsJsonObject().remove("image");
        }
      }
    }
  }

  /**
   * Whether two JSON values decode to the same Go value: nulls, empty lists and empty objects are
   * what an omitempty field encodes as absent (client-java sends {@code "matchExpressions":[]}).
   */
  static boolean same(JsonElement a, JsonElement b) {
    return Objects.equals(normalize(a), normalize(b));
  }

  private static JsonElement normalize(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (e.isJsonArray()) {
      JsonArray out = new JsonArray();
      for (JsonElement x : e.getAsJsonArray()) {
        JsonElement n = normalize(x);
        out.add(n == null ? com.google.gson.JsonNull.INSTANCE : n);
      }
      return out.isEmpty() ? null : out;
    }
    if (e.isJsonObject()) {
      JsonObject out = new JsonObject();
      for (var entry : e.getAsJsonObject().entrySet()) {
        JsonElement n = normalize(entry.getValue());
        if (n != null) {
          out.add(entry.getKey(), n);
        }
      }
      return out.isEmpty() ? null : out;
    }
    return e;
  }

  private static Boolean bool(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e == null || !e.isJsonPrimitive() ? null : e.getAsBoolean();
  }

  private static JsonElement at(JsonObject o, String a, String b) {
    JsonElement e = o.get(a);
    if (e == null || !e.isJsonObject()) {
      return null;
    }
    JsonElement v = e.getAsJsonObject().get(b);
    return v == null || v.isJsonNull() ? null : v;
  }

  private static Answer forbidden(ResourceType t, String name, String field, String detail) {
    return invalidStatus(t, name, field, "FieldValueForbidden", "Forbidden: " + detail);
  }

  private static Answer invalid(
      ResourceType t, String name, String field, JsonElement value, String detail) {
    String shown =
        value == null ? "null" : value.isJsonPrimitive() ? value.toString() : value.toString();
    return invalidStatus(
        t, name, field, "FieldValueInvalid", "Invalid value: " + shown + ": " + detail);
  }

  /** errors.NewInvalid(qualifiedKind, name, errs). */
  static Answer invalidStatus(
      ResourceType t, String name, String field, String reason, String message) {
    JsonObject d = new JsonObject();
    d.addProperty("name", name);
    if (!t.group().isEmpty()) {
      d.addProperty("group", t.group());
    }
    d.addProperty("kind", t.kind());
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", reason);
    cause.addProperty("message", message);
    cause.addProperty("field", field);
    causes.add(cause);
    d.add("causes", causes);
    String kind = t.group().isEmpty() ? t.kind() : t.kind() + "." + t.group();
    return status(
        422, "Invalid", kind + " \"" + name + "\" is invalid: " + field + ": " + message, d);
  }

  /**
   * A body whose kind is not the path's (handlers/rest transformDecodeError): 400 "Service in
   * version "v1" cannot be handled as a Pod: ...". Null if the kind matches or is absent.
   */
  static Answer kindMismatch(ResourceType t, JsonObject body) {
    String kind = StoredObject.string(body, "kind");
    if (kind.isEmpty() || kind.equals(t.kind())) {
      return null;
    }
    return status(
        400,
        "BadRequest",
        kind
            + " in version \""
            + t.version()
            + "\" cannot be handled as a "
            + t.kind()
            + ": the kind in the body does not match the resource on the URL",
        null);
  }
}
