package dev.safeclient.testing;

import com.google.gson.JsonObject;
import dev.safeclient.model.serving.FeatureGate;
import dev.safeclient.model.serving.NodeAuthorization;
import dev.safeclient.model.serving.ServerVersion;
import java.util.List;
import java.util.Set;

/**
 * Authorization as {@code --authorization-mode=Node,RBAC} does it: the node authorizer first (its
 * selector rule from the api-model), then RBAC-like allow rules by user, verb and resource. A
 * denial is the real 403 Forbidden Status. A SubjectAccessReview asks the same authorizer.
 */
final class Authorization {
  /**
   * One RBAC-like rule: a user, or every member of a group (a subject {@link #GROUP}{@code name}),
   * may use these verbs on these resources ("*" for any).
   */
  static final class Rule {
    static final String GROUP = "group:";
    final String user;
    final Set<String> verbs;
    final Set<String> resources;

    Rule(String user, Set<String> verbs, Set<String> resources) {
      this.user = user;
      this.verbs = verbs;
      this.resources = resources;
    }

    boolean allows(String u, List<String> groups, String verb, String resource) {
      boolean subject =
          user.startsWith(GROUP) ? groups.contains(user.substring(GROUP.length())) : user.equals(u);
      return subject
          && (verbs.contains("*") || verbs.contains(verb))
          && (resources.contains("*") || resources.contains(resource));
    }
  }

  /**
   * What is asked, as authorizer.Attributes carries it.
   *
   * @param namespace empty at the cluster scope
   * @param name null unless the request names one object
   * @param fieldSelectorNodeName the value of a {@code spec.nodeName=} field-selector requirement,
   *     or null
   */
  record Attributes(
      String user,
      List<String> groups,
      String verb,
      String group,
      String resource,
      String subresource,
      String namespace,
      String name,
      String fieldSelectorNodeName) {
    String resourceName() {
      return group.isEmpty() ? resource : resource + "." + group;
    }
  }

  /** The authorizer's answer: allowed, or not, with the reason the authorizers gave. */
  record Decision(boolean allowed, String reason) {}

  /** The node authorizer's graph, as far as pods go: the node a stored pod is bound to. */
  interface PodBindings {
    /** No pods: for reviews of other resources. */
    PodBindings NONE = (namespace, name) -> null;

    /** The pod's {@code spec.nodeName}, "" if unbound, or null if there is no such pod. */
    String nodeOf(String namespace, String name);
  }

  private Authorization() {}

  /** Null if allowed, else the 403 answer (WithAuthorization's responsewriters.Forbidden). */
  static Answer check(
      ServerVersion version,
      boolean nodeAuthorizer,
      List<Rule> rules,
      ApiCall c,
      String user,
      String fieldSelectorNodeName,
      PodBindings pods) {
    Attributes a =
        new Attributes(
            user,
            TokenReviews.groupsOf(user),
            c.verb.apiName(),
            c.type.group(),
            c.type.plural(),
            c.subresource,
            c.type.isNamespaced() ? c.namespace : "",
            c.authorizedName,
            fieldSelectorNodeName);
    Decision d = decide(version, nodeAuthorizer, rules, a, pods);
    return d.allowed() ? null : forbidden(a, d.reason());
  }

  /**
   * The union of the node authorizer and the rules, as the apiserver's authorizer chain.
   *
   * @param pods where pods are bound, for the node authorizer's graph
   */
  static Decision decide(
      ServerVersion version,
      boolean nodeAuthorizer,
      List<Rule> rules,
      Attributes a,
      PodBindings pods) {
    String reason = "";
    // NodeIdentifier: a node is a system:node:<name> user in the system:nodes group.
    String node = a.groups().contains("system:nodes") ? NodeAuthorization.nodeOf(a.user()) : null;
    if (nodeAuthorizer
        && node != null
        && a.resource().equals("pods")
        && a.group().isEmpty()
        && a.subresource() == null) {
      boolean listOrWatch = a.verb().equals("list") || a.verb().equals("watch");
      if (version.enabled(FeatureGate.AUTHORIZE_NODE_WITH_SELECTORS)
          && (a.verb().equals("get")
              || (listOrWatch && !node.equals(a.fieldSelectorNodeName()) && a.name() != null))) {
        // authorizePod from 1.32: a get, or a list or watch of one pod without the node's
        // selector, is allowed through the graph (authorize): only a pod bound to this node.
        if (a.name() != null && node.equals(pods.nodeOf(a.namespace(), a.name()))) {
          return new Decision(true, "");
        }
        reason =
            a.name() == null
                ? "No Object name found"
                : "no relationship found between node '" + node + "' and this object";
      } else {
        NodeAuthorization.Decision d =
            NodeAuthorization.authorizePod(
                version, node, a.verb(), a.fieldSelectorNodeName(), a.name() != null);
        if (d == NodeAuthorization.Decision.ALLOW) {
          return new Decision(true, "");
        }
        if (listOrWatch) {
          reason = NodeAuthorization.POD_SELECTOR_REASON;
        }
      }
    }
    for (Rule r : rules) {
      if (r.allows(a.user(), a.groups(), a.verb(), a.resourceName())) {
        return new Decision(true, "");
      }
    }
    return new Decision(false, reason);
  }

  static Answer forbidden(Attributes a, String reason) {
    String scope =
        !a.namespace().isEmpty()
            ? "in the namespace \"" + a.namespace() + "\""
            : "at the cluster scope";
    String what = a.resource() + (a.subresource() == null ? "" : "/" + a.subresource());
    // errors.NewForbidden names the group resource, never the subresource.
    String qualified = a.group().isEmpty() ? a.resource() : a.resource() + "." + a.group();
    String message =
        (a.name() == null ? qualified : qualified + " \"" + a.name() + "\"")
            + " is forbidden: User \""
            + a.user()
            + "\" cannot "
            + a.verb()
            + " resource \""
            + what
            + "\" in API group \""
            + a.group()
            + "\" "
            + scope
            + (reason.isEmpty() ? "" : ": " + reason);
    JsonObject d = new JsonObject();
    if (a.name() != null) {
      d.addProperty("name", a.name());
    }
    if (!a.group().isEmpty()) {
      d.addProperty("group", a.group());
    }
    d.addProperty("kind", a.resource());
    return StatusAnswers.status(403, "Forbidden", message, d);
  }
}
