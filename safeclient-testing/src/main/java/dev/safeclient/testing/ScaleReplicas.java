package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;

/**
 * A Scale's {@code spec.replicas} that does not decode into the Go field ({@code int32
 * ScaleSpec.Replicas} of autoscaling/v1). The answer depends on how the Scale was decoded: a body
 * or a JSON/merge-patched object goes through the JSON decoder (sigs.k8s.io/json, worded as
 * encoding/json's {@code UnmarshalTypeError}), a strategic-merge-patched map through the
 * unstructured converter (apimachinery runtime/converter.go {@code fromUnstructured}).
 */
final class ScaleReplicas {
  private static final String FIELD = " into Go struct field ScaleSpec.spec.replicas of type int32";

  private ScaleReplicas() {}

  /** The JSON decoder's error for a Scale's replicas, or null if they decode. */
  static String decodeError(JsonObject scale) {
    JsonElement r = replicas(scale);
    if (r == null || r.isJsonNull()) {
      return null;
    }
    String what;
    if (r instanceof JsonPrimitive p) {
      if (p.isNumber()) {
        // The literal as sent: strconv.ParseInt takes no fraction or exponent.
        String literal = p.getAsString();
        if (literal.matches("-?\\d+") && fitsInt32(new BigDecimal(literal))) {
          return null;
        }
        what = "number " + literal;
      } else {
        what = p.isBoolean() ? "bool" : "string";
      }
    } else {
      what = r.isJsonArray() ? "array" : "object";
    }
    return "json: cannot unmarshal " + what + FIELD;
  }

  /**
   * The 422 of a patch of the scale subresource whose result does not decode (patch.go: a decode
   * error that is not a strict one "trumps" field validation), or null.
   */
  static Answer undecodablePatch(PatchBody patch) {
    JsonObject merged = patch.merged();
    if (!patch.type().equals(PatchBody.STRATEGIC_MERGE_PATCH)) {
      String error = decodeError(merged);
      return error == null ? null : FieldValidation.unpatchable(merged.toString(), error);
    }
    String error = convertError(replicas(merged));
    return error == null
        ? null
        : FieldValidation.unpatchable(FieldValidation.goValue(patch.body()), error);
  }

  /**
   * fromUnstructured into an int32: JSON numbers arrive as int64 when whole (util/json), else as
   * float64, which converts only without a fraction; anything else is no simple type it converts.
   */
  private static String convertError(JsonElement r) {
    if (r == null || r.isJsonNull()) {
      return null;
    }
    if (r instanceof JsonPrimitive p && p.isNumber()) {
      BigDecimal d = new BigDecimal(p.getAsString());
      return d.stripTrailingZeros().scale() <= 0 ? null : "cannot convert float64 to int32";
    }
    return "unrecognized type: int32";
  }

  private static JsonElement replicas(JsonObject scale) {
    return scale.get("spec") instanceof JsonObject spec ? spec.get("replicas") : null;
  }

  private static boolean fitsInt32(BigDecimal d) {
    return d.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) >= 0
        && d.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0;
  }
}
