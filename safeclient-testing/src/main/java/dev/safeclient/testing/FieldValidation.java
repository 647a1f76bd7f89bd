package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code fieldValidation} option of create, update and patch (k8s.io/apiserver
 * pkg/endpoints/handlers: create.go, update.go, patch.go): what the server does with unknown and
 * duplicate fields. {@code Strict} refuses them, {@code Warn} answers a {@code Warning: 299} header
 * for each, {@code Ignore} says nothing; the fields are dropped either way, as decoding into the Go
 * type drops them.
 */
final class FieldValidation {
  enum Directive {
    IGNORE,
    WARN,
    STRICT
  }

  private FieldValidation() {}

  /**
   * The request's directive: {@code Warn} when absent (rest.go {@code fieldValidation}); any other
   * value than the three is refused by {@code ValidateCreateOptions} (and its update and patch
   * siblings) with a 422 before the body is read.
   */
  static Directive of(ApiCall c) {
    String v = c.param("fieldValidation");
    if (v == null || v.isEmpty() || v.equals("Warn")) {
      return Directive.WARN;
    }
    if (v.equals("Strict")) {
      return Directive.STRICT;
    }
    if (v.equals("Ignore")) {
      return Directive.IGNORE;
    }
    String options =
        switch (c.verb) {
          case CREATE -> "CreateOptions";
          case PATCH -> "PatchOptions";
          default -> "UpdateOptions";
        };
    String detail =
        "Unsupported value: \""
            + v
            + "\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"";
    JsonObject details = new JsonObject();
    details.addProperty("group", "meta.k8s.io");
    details.addProperty("kind", options);
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "FieldValueNotSupported");
    cause.addProperty("message", detail);
    cause.addProperty("field", "fieldValidation");
    causes.add(cause);
    details.add("causes", causes);
    throw new Writes.Refused(
        status(
            422,
            "Invalid",
            options + ".meta.k8s.io \"\" is invalid: fieldValidation: " + detail,
            details));
  }

  /**
   * Applies a directive to strict decoding errors: under Strict, the refusal {@code refuse} builds;
   * under Warn, one warning each on the call; then null.
   */
  static Answer apply(
      Directive d,
      ApiCall c,
      List<String> errors,
      java.util.function.Function<String, Answer> refuse) {
    if (errors.isEmpty() || d == Directive.IGNORE) {
      return null;
    }
    if (d == Directive.STRICT) {
      return refuse.apply("strict decoding error: " + String.join(", ", errors));
    }
    errors.forEach(c::warn);
    return null;
  }

  /**
   * The 400 of a create or update body that does not decode strictly: {@code transformDecodeError}
   * in handlers/rest.go.
   */
  static Answer undecodable(String kind, String version, String error) {
    return status(
        400,
        "BadRequest",
        kind + " in version \"" + version + "\" cannot be handled as a " + kind + ": " + error,
        null);
  }

  /**
   * The 422 of a patch whose result does not decode strictly: patch.go's {@code
   * errors.NewInvalid(schema.GroupKind{}, "", field.Invalid(field.NewPath("patch"), value, err))},
   * whose value is the patched object's JSON (JSON and merge patch) or Go's {@code %+v} of the
   * patch map (strategic merge).
   */
  static Answer unpatchable(String value, String error) {
    String detail = "Invalid value: " + goQuote(value) + ": " + error;
    JsonObject details = new JsonObject();
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "FieldValueInvalid");
    cause.addProperty("message", detail);
    cause.addProperty("field", "patch");
    causes.add(cause);
    details.add("causes", causes);
    return status(422, "Invalid", " \"\" is invalid: patch: " + detail, details);
  }

  /** A Warning header's value: apimachinery's {@code NewWarningHeader(299, "-", text)}. */
  static String warningHeader(String text) {
    return "299 - \"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Go's {@code %q}, as field.Invalid prints a string value. */
  private static String goQuote(String s) {
    return new JsonPrimitive(s).toString();
  }

  /** Go's {@code %+v} of a map[string]interface{} decoded from JSON: sorted keys, no quotes. */
  static String goValue(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return "<nil>";
    }
    if (e.isJsonObject()) {
      Map<String, JsonElement> sorted = new TreeMap<>();
      e.getAsJsonObject().entrySet().forEach(x -> sorted.put(x.getKey(), x.getValue()));
      StringBuilder b = new StringBuilder("map[");
      sorted.forEach(
          (k, v) -> b.append(b.length() > 4 ? " " : "").append(k).append(':').append(goValue(v)));
      return b.append(']').toString();
    }
    if (e.isJsonArray()) {
      StringBuilder b = new StringBuilder("[");
      for (JsonElement x : e.getAsJsonArray()) {
        b.append(b.length() > 1 ? " " : "").append(goValue(x));
      }
      return b.append(']').toString();
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    if (p.isNumber()) {
      return new BigDecimal(p.getAsString()).stripTrailingZeros().toPlainString();
    }
    return p.getAsString();
  }
}
