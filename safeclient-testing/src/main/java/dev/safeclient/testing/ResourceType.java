package dev.safeclient.testing;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A resource KubeSim serves: group, version, plural, kind and scope. Built-in kinds are known
 * without registration; a CRD-like one is registered with {@link KubeSim#register(ResourceType)}.
 */
public final class ResourceType {
  private final String group;
  private final String version;
  private final String plural;
  private final String kind;
  private final boolean namespaced;

  private ResourceType(
      String group, String version, String plural, String kind, boolean namespaced) {
    this.group = Objects.requireNonNull(group, "group");
    this.version = Objects.requireNonNull(version, "version");
    this.plural = Objects.requireNonNull(plural, "plural");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.namespaced = namespaced;
  }

  /** A namespaced resource, e.g. {@code namespaced("example.com", "v1", "widgets", "Widget")}. */
  public static ResourceType namespaced(String group, String version, String plural, String kind) {
    return new ResourceType(group, version, plural, kind, true);
  }

  /** A cluster-scoped resource. */
  public static ResourceType clusterScoped(
      String group, String version, String plural, String kind) {
    return new ResourceType(group, version, plural, kind, false);
  }

  public String group() {
    return group;
  }

  public String version() {
    return version;
  }

  public String plural() {
    return plural;
  }

  public String kind() {
    return kind;
  }

  public boolean isNamespaced() {
    return namespaced;
  }

  /** {@code v1} for the core group, {@code group/version} otherwise. */
  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** The name stats use: {@code pods}, {@code deployments.apps}. */
  public String resourceName() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  String groupVersionPlural() {
    return apiVersion() + "/" + plural;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResourceType r
        && r.group.equals(group)
        && r.version.equals(version)
        && r.plural.equals(plural);
  }

  @Override
  public int hashCode() {
    return Objects.hash(group, version, plural);
  }

  @Override
  public String toString() {
    return groupVersionPlural();
  }

  /** The built-in kinds a real apiserver serves without registration (the common ones). */
  static final Map<String, ResourceType> BUILT_IN =
      List.of(
              namespaced("", "v1", "pods", "Pod"),
              namespaced("", "v1", "services", "Service"),
              namespaced("", "v1", "configmaps", "ConfigMap"),
              namespaced("", "v1", "secrets", "Secret"),
              namespaced("", "v1", "events", "Event"),
              namespaced("", "v1", "endpoints", "Endpoints"),
              namespaced("", "v1", "serviceaccounts", "ServiceAccount"),
              namespaced("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
              namespaced("", "v1", "replicationcontrollers", "ReplicationController"),
              namespaced("", "v1", "resourcequotas", "ResourceQuota"),
              namespaced("", "v1", "limitranges", "LimitRange"),
              namespaced("", "v1", "podtemplates", "PodTemplate"),
              clusterScoped("", "v1", "nodes", "Node"),
              clusterScoped("", "v1", "namespaces", "Namespace"),
              clusterScoped("", "v1", "persistentvolumes", "PersistentVolume"),
              namespaced("apps", "v1", "deployments", "Deployment"),
              namespaced("apps", "v1", "daemonsets", "DaemonSet"),
              namespaced("apps", "v1", "replicasets", "ReplicaSet"),
              namespaced("apps", "v1", "statefulsets", "StatefulSet"),
              namespaced("apps", "v1", "controllerrevisions", "ControllerRevision"),
              namespaced("batch", "v1", "jobs", "Job"),
              namespaced("batch", "v1", "cronjobs", "CronJob"),
              namespaced("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget"),
              namespaced("coordination.k8s.io", "v1", "leases", "Lease"),
              namespaced("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
              namespaced("networking.k8s.io", "v1", "ingresses", "Ingress"),
              namespaced("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
              namespaced(
                  "autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
              namespaced("rbac.authorization.k8s.io", "v1", "roles", "Role"),
              namespaced("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
              clusterScoped("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole"),
              clusterScoped(
                  "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding"),
              clusterScoped("storage.k8s.io", "v1", "storageclasses", "StorageClass"),
              clusterScoped("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass"),
              clusterScoped(
                  "apiextensions.k8s.io",
                  "v1",
                  "customresourcedefinitions",
                  "CustomResourceDefinition"))
          .stream()
          .collect(
              Collectors.toUnmodifiableMap(ResourceType::groupVersionPlural, Function.identity()));
}
