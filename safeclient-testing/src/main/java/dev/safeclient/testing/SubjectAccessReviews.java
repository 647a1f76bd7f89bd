package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /apis/authorization.k8s.io/v1/subjectaccessreviews}: may this user do this? Answered
 * by the very authorizer that guards KubeSim's own requests ({@link Authorization}: the node
 * authorizer, then the rules), with the 1.31+ {@code fieldSelector} of {@code resourceAttributes}
 * (its {@code rawSelector} or its {@code requirements}) reaching the node authorizer's selector
 * rule, as pkg/registry/authorization/subjectaccessreview/rest.go and its util helpers pass them.
 */
final class SubjectAccessReviews {
  static final String PLURAL = "subjectaccessreviews";
  static final String RESOURCE = PLURAL + "." + AccessReviews.GROUP;
  private static final String KIND = "SubjectAccessReview";

  private SubjectAccessReviews() {}

  static boolean isSubjectAccessReview(String group, String version, List<String> rest) {
    return AccessReviews.GROUP.equals(group)
        && AccessReviews.VERSION.equals(version)
        && rest.size() == 1
        && rest.get(0).equals(PLURAL);
  }

  static Answer review(SimConfig config, Authorization.PodBindings pods, String body) {
    JsonObject review = AccessReviews.object(body);
    if (review == null) {
      return StatusAnswers.status(
          400, "BadRequest", "the request body must be a JSON object", null);
    }
    JsonObject spec = AccessReviews.child(review, "spec");
    boolean resource =
        spec.has("resourceAttributes") && spec.get("resourceAttributes").isJsonObject();
    boolean nonResource =
        spec.has("nonResourceAttributes") && spec.get("nonResourceAttributes").isJsonObject();
    if (resource == nonResource) {
      return AccessReviews.invalid(
          KIND,
          "spec.resourceAttributes",
          "null",
          "exactly one of nonResourceAttributes or resourceAttributes must be specified");
    }
    String user = AccessReviews.string(spec, "user");
    if (user.isEmpty() && AccessReviews.strings(spec, "groups").isEmpty()) {
      return AccessReviews.invalid(
          KIND, "spec.user", "", "at least one of user or group must be specified");
    }
    List<String> groups = AccessReviews.strings(spec, "groups");
    String dropped = dropped(config, user, spec, groups);
    if (dropped != null) {
      // No real server checks this: KubeSim guards the delegating servers it tests, which must
      // pass on the user their TokenReview gave them, whole.
      return StatusAnswers.status(
          400,
          "BadRequest",
          "KubeSim: this SubjectAccessReview of \""
              + user
              + "\" lacks the "
              + dropped
              + " its TokenReview answered",
          null);
    }
    Authorization.Decision d;
    if (resource) {
      JsonObject ra = spec.getAsJsonObject("resourceAttributes");
      String name = AccessReviews.string(ra, "name");
      String subresource = AccessReviews.string(ra, "subresource");
      Authorization.Attributes a =
          new Authorization.Attributes(
              user,
              groups,
              AccessReviews.string(ra, "verb"),
              AccessReviews.string(ra, "group"),
              AccessReviews.string(ra, "resource"),
              subresource.isEmpty() ? null : subresource,
              AccessReviews.string(ra, "namespace"),
              name.isEmpty() ? null : name,
              nodeName(AccessReviews.child(ra, "fieldSelector")));
      d =
          config.authorizes()
              ? Authorization.decide(config.version, config.nodeAuthorizer, config.rules, a, pods)
              : new Authorization.Decision(true, "");
    } else {
      // Non-resource paths: only a rule over every resource and verb reaches them here.
      String verb = AccessReviews.string(spec.getAsJsonObject("nonResourceAttributes"), "verb");
      boolean any =
          !config.authorizes()
              || config.rules.stream()
                  .anyMatch(r -> r.allows(user, groups, verb, "*") && r.resources.contains("*"));
      d = new Authorization.Decision(any, "");
    }
    JsonObject st = new JsonObject();
    // The node authorizer and RBAC never deny, they have no opinion: denied stays unset.
    st.addProperty("allowed", d.allowed());
    if (!d.reason().isEmpty()) {
      st.addProperty("reason", d.reason());
    }
    return AccessReviews.created(KIND, AccessReviews.GROUP + "/" + AccessReviews.VERSION, spec, st);
  }

  /**
   * What of the user a TokenReview answered for {@code user} the review's spec does not carry
   * ("uid", "groups" or "extra"), or null when it carries all of it for one of the user's tokens
   * (or the user is no token's).
   */
  private static String dropped(
      SimConfig config, String user, JsonObject spec, List<String> groups) {
    String missing = null;
    for (Map.Entry<String, String> t : config.users.entrySet()) {
      if (!t.getValue().equals(user)) {
        continue;
      }
      JsonObject want =
          TokenReviews.userInfo(user, config.extras.getOrDefault(t.getKey(), Map.of()));
      JsonObject wantExtra = AccessReviews.child(want, "extra");
      JsonObject gotExtra = AccessReviews.child(spec, "extra");
      if (!AccessReviews.string(spec, "uid").equals(AccessReviews.string(want, "uid"))) {
        missing = "uid";
      } else if (!groups.equals(AccessReviews.strings(want, "groups"))) {
        missing = "groups";
      } else if (!gotExtra.equals(wantExtra)) {
        missing = "extra";
      } else {
        return null;
      }
    }
    return missing;
  }

  /**
   * The node a field selector pins with {@code spec.nodeName=}: from {@code rawSelector}, or from a
   * requirement {@code In} one value (the conversion of requirements makes that an equality).
   */
  static String nodeName(JsonObject fieldSelector) {
    String raw = AccessReviews.string(fieldSelector, "rawSelector");
    if (!raw.isEmpty()) {
      try {
        return Selector.parse(null, raw).nodeName;
      } catch (IllegalArgumentException e) {
        return null; // an unparsable selector reaches the authorizer as none
      }
    }
    if (fieldSelector.has("requirements") && fieldSelector.get("requirements").isJsonArray()) {
      for (JsonElement e : fieldSelector.getAsJsonArray("requirements")) {
        JsonObject r = e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
        List<String> values = AccessReviews.strings(r, "values");
        if (AccessReviews.string(r, "key").equals("spec.nodeName")
            && AccessReviews.string(r, "operator").equals("In")
            && values.size() == 1) {
          return values.get(0);
        }
      }
    }
    return null;
  }
}
