package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /apis/authentication.k8s.io/v1/tokenreviews}: who a bearer token is, for the
 * audiences the reviewer names, as pkg/registry/authentication/tokenreview/storage.go answers. A
 * token authenticates only if the audiences it is bound to meet {@code spec.audiences} (the API
 * server's own audience when none are named), as the ServiceAccount token authenticator checks its
 * {@code aud} claim; the token is echoed in {@code spec}, as the apiserver echoes it.
 */
final class TokenReviews {
  static final String GROUP = "authentication.k8s.io";
  static final String VERSION = "v1";
  static final String PLURAL = "tokenreviews";
  static final String RESOURCE = PLURAL + "." + GROUP;
  private static final String KIND = "TokenReview";

  private TokenReviews() {}

  static boolean isTokenReview(String group, String version, List<String> rest) {
    return GROUP.equals(group)
        && VERSION.equals(version)
        && rest.size() == 1
        && rest.get(0).equals(PLURAL);
  }

  static Answer review(SimConfig config, String body) {
    JsonObject review = AccessReviews.object(body);
    if (review == null) {
      return status(400, "BadRequest", "the request body must be a JSON object", null);
    }
    JsonObject spec = AccessReviews.child(review, "spec");
    String token = AccessReviews.string(spec, "token");
    if (token.isEmpty()) {
      return status(400, "BadRequest", "token is required for TokenReview in authentication", null);
    }
    List<String> asked = AccessReviews.strings(spec, "audiences");
    List<String> wanted = asked.isEmpty() ? List.of(KubeSim.API_AUDIENCE) : asked;
    JsonObject st = new JsonObject();
    String user = config.userOf(token);
    if (user == null) {
      st.add("user", new JsonObject());
      st.addProperty("error", "invalid bearer token");
    } else {
      List<String> bound = config.audiencesOf(token);
      List<String> common = new ArrayList<>(wanted);
      common.retainAll(bound);
      if (common.isEmpty()) {
        // The ServiceAccount authenticator's refusal of a token bound to other audiences.
        st.add("user", new JsonObject());
        st.addProperty(
            "error",
            "[invalid bearer token, token audiences "
                + goQuoted(bound)
                + " is invalid for the target audiences "
                + goQuoted(wanted)
                + "]");
      } else {
        st.addProperty("authenticated", true);
        st.add("user", userInfo(user, config.extras.getOrDefault(token, Map.of())));
        st.add("audiences", array(common));
      }
    }
    return AccessReviews.created(KIND, GROUP + "/" + VERSION, spec, st);
  }

  /**
   * The user as the authenticators name it: a kubelet's in system:nodes, a ServiceAccount's in
   * system:serviceaccounts and its namespace's group, everyone in system:authenticated; with the
   * {@code extra} of a pod-bound token.
   */
  static JsonObject userInfo(String user, Map<String, List<String>> extra) {
    JsonObject u = new JsonObject();
    u.addProperty("username", user);
    String uid = uidOf(user);
    if (!uid.isEmpty()) {
      u.addProperty("uid", uid);
    }
    u.add("groups", array(groupsOf(user)));
    if (!extra.isEmpty()) {
      JsonObject e = new JsonObject();
      extra.forEach((k, v) -> e.add(k, array(v)));
      u.add("extra", e);
    }
    return u;
  }

  /** A ServiceAccount's UID, stable for its name (KubeSim derives it); "" for other users. */
  static String uidOf(String user) {
    return user.startsWith("system:serviceaccount:")
        ? UUID.nameUUIDFromBytes(user.getBytes(StandardCharsets.UTF_8)).toString()
        : "";
  }

  /** The groups the authenticators put {@code user} in. */
  static List<String> groupsOf(String user) {
    List<String> groups = new ArrayList<>();
    if (user.startsWith("system:node:")) {
      groups.add("system:nodes");
    } else if (user.startsWith("system:serviceaccount:")) {
      String[] parts = user.split(":");
      groups.add("system:serviceaccounts");
      if (parts.length == 4) {
        groups.add("system:serviceaccounts:" + parts[2]);
      }
    }
    if (!user.equals("system:anonymous")) {
      groups.add("system:authenticated");
    } else {
      groups.add("system:unauthenticated");
    }
    return groups;
  }

  private static JsonArray array(List<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }

  /** A string slice as Go's %q prints it. */
  private static String goQuoted(List<String> values) {
    StringBuilder b = new StringBuilder("[");
    for (String v : values) {
      if (b.length() > 1) {
        b.append(' ');
      }
      b.append('"').append(v).append('"');
    }
    return b.append(']').toString();
  }
}
