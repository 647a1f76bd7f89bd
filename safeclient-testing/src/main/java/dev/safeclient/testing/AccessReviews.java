package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.safeclient.apiserver.DiscoveryResource;
import java.util.List;

/**
 * {@code POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews} ("can I?"), which clients ask
 * before acting. KubeSim authorizes every request, so every review is allowed; the review is
 * validated and echoed as the apiserver's REST storage for it does
 * (pkg/registry/authorization/selfsubjectaccessreview/rest.go).
 */
final class AccessReviews {
  static final String GROUP = "authorization.k8s.io";
  static final String VERSION = "v1";
  static final String PLURAL = "selfsubjectaccessreviews";
  private static final String KIND = "SelfSubjectAccessReview";

  private AccessReviews() {}

  static boolean isAccessReview(String group, String version, java.util.List<String> rest) {
    return GROUP.equals(group)
        && VERSION.equals(version)
        && rest.size() == 1
        && rest.get(0).equals(PLURAL);
  }

  static Answer review(String method, String body) {
    if (!method.equals("POST")) {
      return status(
          405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
          null);
    }
    JsonObject review;
    try {
      JsonElement e = JsonParser.parseString(body == null ? "" : body);
      if (!e.isJsonObject()) {
        return status(400, "BadRequest", "the request body must be a JSON object", null);
      }
      review = e.getAsJsonObject();
    } catch (JsonParseException e) {
      return status(400, "BadRequest", "invalid JSON: " + e.getMessage(), null);
    }
    JsonObject spec =
        review.has("spec") && review.get("spec").isJsonObject()
            ? review.getAsJsonObject("spec")
            : new JsonObject();
    boolean resource =
        spec.has("resourceAttributes") && spec.get("resourceAttributes").isJsonObject();
    boolean nonResource =
        spec.has("nonResourceAttributes") && spec.get("nonResourceAttributes").isJsonObject();
    if (resource == nonResource) {
      // validation.ValidateSelfSubjectAccessReviewSpec
      return invalid(
          KIND,
          "spec.resourceAttributes",
          "null",
          "exactly one of nonResourceAttributes or resourceAttributes must be specified");
    }
    JsonObject st = new JsonObject();
    st.addProperty("allowed", true);
    st.addProperty("reason", "KubeSim authorizes every request");
    return created(KIND, GROUP + "/" + VERSION, spec, st);
  }

  /** A review as its create answers it: 201 Created, the spec echoed, the status filled in. */
  static Answer created(String kind, String apiVersion, JsonObject spec, JsonObject status) {
    JsonObject out = new JsonObject();
    out.addProperty("kind", kind);
    out.addProperty("apiVersion", apiVersion);
    JsonObject meta = new JsonObject();
    meta.add("creationTimestamp", JsonNull.INSTANCE);
    out.add("metadata", meta);
    out.add("spec", spec);
    out.add("status", status);
    return new Answer(201, out);
  }

  /** The body as a JSON object, or null if it is none. */
  static JsonObject object(String body) {
    try {
      JsonElement e = JsonParser.parseString(body == null ? "" : body);
      return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    } catch (JsonParseException e) {
      return null;
    }
  }

  /** The object field {@code name}, or an empty object. */
  static JsonObject child(JsonObject o, String name) {
    return o != null && o.has(name) && o.get(name).isJsonObject()
        ? o.getAsJsonObject(name)
        : new JsonObject();
  }

  /** The string field {@code name}, or "". */
  static String string(JsonObject o, String name) {
    return o.has(name) && o.get(name).isJsonPrimitive() ? o.get(name).getAsString() : "";
  }

  /** The string-array field {@code name}, or none. */
  static List<String> strings(JsonObject o, String name) {
    List<String> out = new java.util.ArrayList<>();
    if (o.has(name) && o.get(name).isJsonArray()) {
      for (JsonElement e : o.getAsJsonArray(name)) {
        out.add(e.getAsString());
      }
    }
    return out;
  }

  /** The 422 of a review whose spec validation failed, one cause. */
  static Answer invalid(String kind, String field, String value, String detail) {
    String cause = "Invalid value: \"" + value + "\": " + detail;
    JsonObject details = new JsonObject();
    details.addProperty("group", GROUP);
    details.addProperty("kind", kind);
    JsonArray causes = new JsonArray();
    JsonObject c = new JsonObject();
    c.addProperty("reason", "FieldValueInvalid");
    c.addProperty("message", cause);
    c.addProperty("field", field);
    causes.add(c);
    details.add("causes", causes);
    return status(
        422, "Invalid", kind + "." + GROUP + " \"\" is invalid: " + field + ": " + cause, details);
  }

  /** What discovery lists: a cluster-scoped kind served in create only. */
  static DiscoveryResource discoveryResource() {
    return new DiscoveryResource(
        GROUP,
        VERSION,
        PLURAL,
        KIND,
        "selfsubjectaccessreview",
        false,
        List.of("create"),
        List.of(),
        List.of(),
        true,
        List.of());
  }
}
