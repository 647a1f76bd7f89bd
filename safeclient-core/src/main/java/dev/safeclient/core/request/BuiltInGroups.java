package dev.safeclient.core.request;

import java.util.Set;

/**
 * API groups the kube-apiserver serves itself. Any other group is a CRD or an aggregated API: its
 * 503 ("service unavailable") says that a backend is down, not that the API server is overloaded,
 * and it may not speak Protobuf.
 */
public final class BuiltInGroups {
  private static final Set<String> GROUPS =
      Set.of(
          "",
          "admissionregistration.k8s.io",
          "apiextensions.k8s.io",
          "apiregistration.k8s.io",
          "apps",
          "authentication.k8s.io",
          "authorization.k8s.io",
          "autoscaling",
          "batch",
          "certificates.k8s.io",
          "coordination.k8s.io",
          "discovery.k8s.io",
          "events.k8s.io",
          "flowcontrol.apiserver.k8s.io",
          "internal.apiserver.k8s.io",
          "networking.k8s.io",
          "node.k8s.io",
          "policy",
          "rbac.authorization.k8s.io",
          "resource.k8s.io",
          "scheduling.k8s.io",
          "storage.k8s.io",
          "storagemigration.k8s.io");

  private BuiltInGroups() {}

  /** Null (a non-resource path such as {@code /version}) counts as the API server's own. */
  public static boolean contains(String group) {
    return group == null || GROUPS.contains(group);
  }
}
