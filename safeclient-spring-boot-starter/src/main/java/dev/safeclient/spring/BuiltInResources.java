package dev.safeclient.spring;

import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.CoreV1EventList;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1CronJob;
import io.kubernetes.client.openapi.models.V1CronJobList;
import io.kubernetes.client.openapi.models.V1CustomResourceDefinition;
import io.kubernetes.client.openapi.models.V1CustomResourceDefinitionList;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1DaemonSetList;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.openapi.models.V1Endpoints;
import io.kubernetes.client.openapi.models.V1EndpointsList;
import io.kubernetes.client.openapi.models.V1Ingress;
import io.kubernetes.client.openapi.models.V1IngressList;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobList;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseList;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NamespaceList;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1NetworkPolicyList;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1PersistentVolume;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaimList;
import io.kubernetes.client.openapi.models.V1PersistentVolumeList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudgetList;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetList;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1SecretList;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1ServiceAccountList;
import io.kubernetes.client.openapi.models.V1ServiceList;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V1StatefulSetList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The model classes of common built-in resources, so that a declared informer needs only {@code
 * resource: pods}. Resources outside this table name their classes with {@code type} and {@code
 * list-type}. A plain table: no classpath scanning, no reflection on client-java's private fields.
 */
final class BuiltInResources {
  /** One built-in resource: where it is served and which models client-java decodes it to. */
  record Resource(
      String group,
      String version,
      String plural,
      Class<? extends KubernetesObject> type,
      Class<? extends KubernetesListObject> listType) {}

  private static final List<Resource> TABLE =
      List.of(
          new Resource("", "v1", "pods", V1Pod.class, V1PodList.class),
          new Resource("", "v1", "services", V1Service.class, V1ServiceList.class),
          new Resource("", "v1", "endpoints", V1Endpoints.class, V1EndpointsList.class),
          new Resource("", "v1", "nodes", V1Node.class, V1NodeList.class),
          new Resource("", "v1", "namespaces", V1Namespace.class, V1NamespaceList.class),
          new Resource("", "v1", "configmaps", V1ConfigMap.class, V1ConfigMapList.class),
          new Resource("", "v1", "secrets", V1Secret.class, V1SecretList.class),
          new Resource(
              "", "v1", "serviceaccounts", V1ServiceAccount.class, V1ServiceAccountList.class),
          new Resource(
              "",
              "v1",
              "persistentvolumes",
              V1PersistentVolume.class,
              V1PersistentVolumeList.class),
          new Resource(
              "",
              "v1",
              "persistentvolumeclaims",
              V1PersistentVolumeClaim.class,
              V1PersistentVolumeClaimList.class),
          new Resource("", "v1", "events", CoreV1Event.class, CoreV1EventList.class),
          new Resource("apps", "v1", "deployments", V1Deployment.class, V1DeploymentList.class),
          new Resource("apps", "v1", "replicasets", V1ReplicaSet.class, V1ReplicaSetList.class),
          new Resource("apps", "v1", "statefulsets", V1StatefulSet.class, V1StatefulSetList.class),
          new Resource("apps", "v1", "daemonsets", V1DaemonSet.class, V1DaemonSetList.class),
          new Resource("batch", "v1", "jobs", V1Job.class, V1JobList.class),
          new Resource("batch", "v1", "cronjobs", V1CronJob.class, V1CronJobList.class),
          new Resource(
              "discovery.k8s.io",
              "v1",
              "endpointslices",
              V1EndpointSlice.class,
              V1EndpointSliceList.class),
          new Resource(
              "networking.k8s.io", "v1", "ingresses", V1Ingress.class, V1IngressList.class),
          new Resource(
              "networking.k8s.io",
              "v1",
              "networkpolicies",
              V1NetworkPolicy.class,
              V1NetworkPolicyList.class),
          new Resource("coordination.k8s.io", "v1", "leases", V1Lease.class, V1LeaseList.class),
          new Resource(
              "policy",
              "v1",
              "poddisruptionbudgets",
              V1PodDisruptionBudget.class,
              V1PodDisruptionBudgetList.class),
          new Resource(
              "apiextensions.k8s.io",
              "v1",
              "customresourcedefinitions",
              V1CustomResourceDefinition.class,
              V1CustomResourceDefinitionList.class));

  private BuiltInResources() {}

  /**
   * The built-in resource with this plural, in this group and version when given ({@code null}
   * means "the one in the table"; the core group is {@code ""}).
   */
  static Optional<Resource> find(String plural, String group, String version) {
    String p = plural.toLowerCase(Locale.ROOT);
    return TABLE.stream()
        .filter(r -> r.plural().equals(p))
        .filter(r -> group == null || r.group().equals(group))
        .filter(r -> version == null || r.version().equals(version))
        .findFirst();
  }

  /**
   * The built-in resource a declared informer names, or an {@link
   * InvalidSafeClientPropertyException} saying what the starter knows and what to set instead.
   *
   * @param where the informer's property path, such as {@code safeclient.informers[0]}
   */
  static Resource require(String where, String plural, String group, String version) {
    return find(plural, group, version)
        .orElseThrow(
            () -> {
              String guess = guess(plural);
              return new InvalidSafeClientPropertyException(
                  where + ".resource",
                  "'"
                      + plural
                      + "'"
                      + (group == null && version == null
                          ? ""
                          : " in "
                              + (group == null ? "any group" : "group '" + group + "'")
                              + (version == null ? "" : " version " + version))
                      + " is not a built-in resource the starter knows. It knows: "
                      + String.join(", ", plurals())
                      + ".",
                  (guess == null ? "" : "Did you mean '" + guess + "'? ")
                      + "Name a built-in by its plural, or, for another resource (a CRD), set "
                      + where
                      + ".type, .list-type, .group and .version.");
            });
  }

  /** The known plural a singular or miscased name most likely means, if any. */
  private static String guess(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    List<String> plurals = plurals();
    for (String candidate :
        List.of(
            n, n + "s", n + "es", n.endsWith("y") ? n.substring(0, n.length() - 1) + "ies" : n)) {
      if (plurals.contains(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  static List<String> plurals() {
    return TABLE.stream().map(Resource::plural).toList();
  }
}
