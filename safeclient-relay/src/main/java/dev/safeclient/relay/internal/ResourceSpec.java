package dev.safeclient.relay.internal;

/**
 * A relayed resource as the internals see it: where it lives in the API, its kind (for list and
 * bookmark bodies), and the upstream selectors its reflector uses.
 */
public record ResourceSpec(
    String group,
    String version,
    String plural,
    String kind,
    boolean namespaced,
    String labelSelector,
    String fieldSelector) {

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** The collection path on the API server, all namespaces. */
  public String path() {
    return (group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version) + "/" + plural;
  }

  /** Pods get the node index: node agents read their own node's pods. */
  public boolean nodeIndexed() {
    return group.isEmpty() && plural.equals("pods");
  }

  /** A group the kube-apiserver serves itself (custom resources' groups have a dot, not k8s.io). */
  boolean builtIn() {
    return !group.contains(".") || group.endsWith(".k8s.io");
  }

  @Override
  public String toString() {
    return group.isEmpty() ? plural : plural + "." + group;
  }
}
