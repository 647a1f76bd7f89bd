package dev.safeclient.model.serving;

/**
 * The node authorizer's rule for a kubelet's pod reads (kubernetes plugin/pkg/auth/authorizer/node,
 * nodeAuthorizer.authorizePod): from 1.32 (AuthorizeNodeWithSelectors) {@code system:node:<n>} may
 * list and watch pods only with the field selector {@code spec.nodeName=<n>}. RBAC cannot express
 * this; selector-aware webhook authorizers can.
 */
public final class NodeAuthorization {
  /** The user-name prefix of a kubelet's credential (group system:nodes). */
  public static final String NODE_USER_PREFIX = "system:node:";

  /** The reason the node authorizer gives when it has no opinion on a selector-less pod list. */
  public static final String POD_SELECTOR_REASON =
      "can only list/watch pods with spec.nodeName field selector";

  /** The node authorizer's answer. */
  public enum Decision {
    ALLOW,
    /** Left to the next authorizer (RBAC); a reason may say why. */
    NO_OPINION
  }

  private NodeAuthorization() {}

  /** The node a kubelet user name is for, or null if it is not a node's. */
  public static String nodeOf(String user) {
    return user != null
            && user.startsWith(NODE_USER_PREFIX)
            && user.length() > NODE_USER_PREFIX.length()
        ? user.substring(NODE_USER_PREFIX.length())
        : null;
  }

  /**
   * nodeAuthorizer.authorizePod for the verbs without a subresource.
   *
   * @param fieldSelectorNodeName the value of a {@code spec.nodeName=} field-selector requirement,
   *     or null
   * @param named whether the request names one pod (a get, or a list/watch by name)
   */
  public static Decision authorizePod(
      ServerVersion v, String nodeName, String verb, String fieldSelectorNodeName, boolean named) {
    switch (verb) {
      case "get":
        return Decision.ALLOW; // podOnNode: KubeSim does not model the node-to-pod graph
      case "list":
      case "watch":
        if (!v.enabled(FeatureGate.AUTHORIZE_NODE_WITH_SELECTORS)) {
          return Decision.ALLOW; // before KEP-4601 a kubelet could read every pod
        }
        if (nodeName.equals(fieldSelectorNodeName) || named) {
          return Decision.ALLOW; // hasNodeNameSelector, or a single named pod
        }
        return Decision.NO_OPINION;
      case "create":
      case "delete":
        return Decision.ALLOW; // mirror pods
      default:
        return Decision.NO_OPINION;
    }
  }
}
