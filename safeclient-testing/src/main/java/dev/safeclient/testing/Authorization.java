package dev.safeclient.testing;

import com.google.gson.JsonObject;
import dev.safeclient.model.serving.NodeAuthorization;
import dev.safeclient.model.serving.ServerVersion;
import java.util.List;
import java.util.Set;

/**
 * Authorization as {@code --authorization-mode=Node,RBAC} does it: the node authorizer first (its
 * selector rule from the api-model), then RBAC-like allow rules by user, verb and resource. A
 * denial is the real 403 Forbidden Status.
 */
final class Authorization {
  /** One RBAC-like rule: a user may use these verbs on these resources ("*" for any). */
  static final class Rule {
    final String user;
    final Set<String> verbs;
    final Set<String> resources;

    Rule(String user, Set<String> verbs, Set<String> resources) {
      this.user = user;
      this.verbs = verbs;
      this.resources = resources;
    }

    boolean allows(String u, String verb, String resource) {
      return user.equals(u)
          && (verbs.contains("*") || verbs.contains(verb))
          && (resources.contains("*") || resources.contains(resource));
    }
  }

  private Authorization() {}

  /** Null if allowed, else the 403 answer (WithAuthorization's responsewriters.Forbidden). */
  static Answer check(
      ServerVersion version,
      boolean nodeAuthorizer,
      List<Rule> rules,
      ApiCall c,
      String user,
      String fieldSelectorNodeName) {
    String verb = c.verb.apiName();
    String reason = "";
    String node = NodeAuthorization.nodeOf(user);
    if (nodeAuthorizer
        && node != null
        && c.type.plural().equals("pods")
        && c.type.group().isEmpty()
        && c.subresource == null) {
      NodeAuthorization.Decision d =
          NodeAuthorization.authorizePod(
              version, node, verb, fieldSelectorNodeName, c.name != null);
      if (d == NodeAuthorization.Decision.ALLOW) {
        return null;
      }
      if (verb.equals("list") || verb.equals("watch")) {
        reason = NodeAuthorization.POD_SELECTOR_REASON;
      }
    }
    for (Rule r : rules) {
      if (r.allows(user, verb, c.type.resourceName())) {
        return null;
      }
    }
    return forbidden(c, user, verb, reason);
  }

  private static Answer forbidden(ApiCall c, String user, String verb, String reason) {
    String scope =
        c.type.isNamespaced() && !c.namespace.isEmpty()
            ? "in the namespace \"" + c.namespace + "\""
            : "at the cluster scope";
    String what = c.type.plural() + (c.subresource == null ? "" : "/" + c.subresource);
    String message =
        (c.name == null ? what : what + " \"" + c.name + "\"")
            + " is forbidden: User \""
            + user
            + "\" cannot "
            + verb
            + " resource \""
            + what
            + "\" in API group \""
            + c.type.group()
            + "\" "
            + scope
            + (reason.isEmpty() ? "" : ": " + reason);
    JsonObject d = new JsonObject();
    if (c.name != null) {
      d.addProperty("name", c.name);
    }
    if (!c.type.group().isEmpty()) {
      d.addProperty("group", c.type.group());
    }
    d.addProperty("kind", c.type.plural());
    return StatusAnswers.status(403, "Forbidden", message, d);
  }
}
