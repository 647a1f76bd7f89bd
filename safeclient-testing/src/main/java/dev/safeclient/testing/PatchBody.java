package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors.Descriptor;
import java.util.List;

/**
 * A PATCH body by its Content-Type, as the apiserver's {@code PatchResource} (endpoints/handlers
 * /patch.go) reads it: JSON patch, JSON merge patch, and strategic merge patch for built-in types.
 * Server-side apply is not simulated and answers a 415 that says so.
 */
final class PatchBody {
  static final String JSON_PATCH = "application/json-patch+json";
  static final String MERGE_PATCH = "application/merge-patch+json";
  static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  static final String APPLY_PATCH_YAML = "application/apply-patch+yaml";
  static final String APPLY_PATCH_CBOR = "application/apply-patch+cbor";

  /** The patch types a built-in resource takes: the installer's {@code supportedTypes}. */
  private static final List<String> BUILT_IN_TYPES =
      List.of(JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH_YAML);

  /**
   * A custom resource takes no strategic merge patch (apiextensions-apiserver
   * customresource_handler.go {@code supportedTypes}): it has no Go struct tags to merge by.
   */
  private static final List<String> CUSTOM_TYPES =
      List.of(JSON_PATCH, MERGE_PATCH, APPLY_PATCH_YAML);

  private final String type;
  private final JsonElement body;
  private final Descriptor schema;
  private final Answer refusal;
  private JsonObject merged;

  private PatchBody(String type, JsonElement body, Descriptor schema, Answer refusal) {
    this.type = type;
    this.body = body;
    this.schema = schema;
    this.refusal = refusal;
  }

  private static PatchBody refused(Answer a) {
    return new PatchBody(null, null, null, a);
  }

  /**
   * A patch of an object of the kind {@code schema} describes (the resource's or a subresource's
   * own kind): a type with a Protobuf schema is a built-in one; anything else KubeSim serves is a
   * CRD.
   */
  static PatchBody read(ApiCall c, String contentType, Descriptor schema) {
    String ct = contentType == null ? "" : contentType.split(";")[0].trim();
    List<String> accepted = schema != null ? BUILT_IN_TYPES : CUSTOM_TYPES;
    if (ct.equals(APPLY_PATCH_YAML) || ct.equals(APPLY_PATCH_CBOR)) {
      return refused(
          status(
              415,
              "UnsupportedMediaType",
              "server-side apply ("
                  + ct
                  + ") is not simulated by KubeSim; use application/json-patch+json,"
                  + " application/merge-patch+json or application/strategic-merge-patch+json",
              null));
    }
    if (!accepted.contains(ct)) {
      // negotiation.NewUnsupportedMediaTypeError(patchTypes).
      return refused(
          status(
              415,
              "UnsupportedMediaType",
              "the body of the request was in an unknown format - accepted media types include: "
                  + String.join(", ", accepted),
              null));
    }
    JsonElement body;
    try {
      body = JsonParser.parseString(c.body == null ? "" : c.body);
    } catch (JsonParseException e) {
      // validateAndTranscodePatch: json.Valid fails.
      return refused(status(400, "BadRequest", "invalid JSON patch", null));
    }
    if (ct.equals(JSON_PATCH)) {
      try {
        JsonPatch.decode(body);
      } catch (JsonPatch.Undecodable e) {
        return refused(status(400, "BadRequest", e.getMessage(), null));
      }
    } else if (!body.isJsonObject()) {
      return refused(status(400, "BadRequest", "the request body must be a JSON object", null));
    }
    return new PatchBody(ct, body, schema, null);
  }

  /**
   * Field validation of a patch (patch.go): the strict errors of the patch body itself (duplicates;
   * for a JSON patch, unknown keys of its operations), then those of the patched object decoded
   * into its kind. Strict refuses them with a 422 on {@code patch}, Warn warns of each; the patched
   * object's unknown fields are dropped in every case. Null if it may go on.
   */
  Answer validateFields(FieldValidation.Directive d, ApiCall c) {
    return validateFields(d, c, null);
  }

  /** As {@link #validateFields(FieldValidation.Directive, ApiCall)}, for a custom resource. */
  Answer validateFields(FieldValidation.Directive d, ApiCall c, JsonObject crdSchema) {
    // strategicPatchObject shows the patch map; the JSON patchers the patched object's JSON.
    String value =
        type.equals(STRATEGIC_MERGE_PATCH) ? FieldValidation.goValue(body) : merged.toString();
    StrictDecoding.Result decoded = StrictDecoding.check(merged.toString(), schema, crdSchema);
    decoded.prune(merged);
    if (d == FieldValidation.Directive.IGNORE) {
      return null;
    }
    StrictDecoding.Result own =
        type.equals(JSON_PATCH)
            ? StrictDecoding.checkJsonPatch(c.body)
            : StrictDecoding.check(c.body, null);
    List<String> errors = new java.util.ArrayList<>(own.errors());
    List<String> objects = new java.util.ArrayList<>(decoded.errors());
    if (type.equals(STRATEGIC_MERGE_PATCH)) {
      // The merged map is converted with FromUnstructuredWithValidation (apimachinery
      // runtime/converter.go), which sorts its unknown-field errors; the JSON patchers decode
      // the patched JSON, in document order.
      java.util.Collections.sort(objects);
    }
    errors.addAll(objects);
    return FieldValidation.apply(d, c, errors, e -> FieldValidation.unpatchable(value, e));
  }

  /** Why the request is refused before the object is read, or null. */
  Answer refusal() {
    return refusal;
  }

  /** The patch's media type. */
  String type() {
    return type;
  }

  /** The patch as sent. */
  JsonElement body() {
    return body;
  }

  /** The object to write after {@link #applyTo}. */
  JsonObject merged() {
    return merged;
  }

  /** Patches the current object; answers the apiserver's refusal, or null when it applied. */
  Answer applyTo(JsonObject current) {
    if (type.equals(JSON_PATCH)) {
      // The handler patches the object as encoding/json writes it, where a struct field is never
      // omitted: a built-in object always has its spec and status, if only as {}.
      List<String> added = new java.util.ArrayList<>();
      for (String field : new String[] {"spec", "status"}) {
        com.google.protobuf.Descriptors.FieldDescriptor f =
            schema == null ? null : schema.findFieldByName(field);
        if (f != null && !f.isRepeated() && !current.has(field)) {
          current.add(field, new JsonObject());
          added.add(field);
        }
      }
      JsonElement out;
      try {
        out = JsonPatch.apply(current, body.getAsJsonArray());
      } catch (JsonPatch.Failed e) {
        return unprocessable();
      }
      if (!out.isJsonObject()) {
        return unprocessable();
      }
      // The patched resourceVersion is the stored one unless the patch changed it: a changed one
      // is a precondition that fails with 409, as on a real server.
      merged = out.getAsJsonObject();
      for (String field : added) {
        JsonElement left = merged.get(field);
        if (left != null && left.isJsonObject() && left.getAsJsonObject().isEmpty()) {
          merged.remove(field); // still empty: as stored, so a no-op stays a no-op
        }
      }
      if (!merged.has("metadata") || !merged.get("metadata").isJsonObject()) {
        merged.add("metadata", new JsonObject());
      }
      return null;
    }
    JsonObject patch = body.getAsJsonObject();
    if (type.equals(MERGE_PATCH)) {
      merged = (JsonObject) Writes.mergePatch(current, patch);
    } else {
      try {
        merged = StrategicMergePatch.apply(PatchSchema.of(schema), current, patch);
      } catch (StrategicMergePatch.PatchError e) {
        return switch (e.code) {
          case 400 -> status(400, "BadRequest", e.getMessage(), null);
          case 422 -> unprocessable();
          // A plain Go error: ErrorToAPIStatus answers 500 with no reason and the error's text.
          default -> status(500, null, e.getMessage(), null);
        };
      }
    }
    if (!merged.has("metadata") || !merged.get("metadata").isJsonObject()) {
      merged.add("metadata", new JsonObject());
    }
    JsonObject pm =
        patch.has("metadata") && patch.get("metadata").isJsonObject()
            ? patch.getAsJsonObject("metadata")
            : null;
    if (pm == null || !pm.has("resourceVersion")) {
      merged.getAsJsonObject("metadata").remove("resourceVersion"); // no precondition
    }
    return null;
  }

  /**
   * errors.NewGenericServerResponse(422, ...) as applyJSPatch and interpretStrategicMergePatchError
   * build it: reason Invalid, the generic message (the patch library's text is dropped), empty
   * details.
   */
  private static Answer unprocessable() {
    return status(
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
        new JsonObject());
  }
}
