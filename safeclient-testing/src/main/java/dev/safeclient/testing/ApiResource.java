package dev.safeclient.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What discovery says about a resource (metav1.APIResource): singular name, short names,
 * categories, verbs and the subresources KubeSim serves. Built-in values are those of the
 * apiserver's REST storages ({@code ShortNames()}, {@code Categories()} in
 * k8s.io/kubernetes/pkg/registry); a registered kind gets what a CRD without names declared gets.
 */
final class ApiResource {
  /** A subresource: its verbs, and the kind it answers with when it is not the parent's. */
  record Subresource(String name, String group, String version, String kind, List<String> verbs) {}

  static final List<String> ALL_VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  /** The namespace storage has no deletecollection (pkg/registry/core/namespace/storage). */
  private static final List<String> NAMESPACE_VERBS =
      List.of("create", "delete", "get", "list", "patch", "update", "watch");

  private static final List<String> GET_PATCH_UPDATE = List.of("get", "patch", "update");

  final ResourceType type;
  final String singularName;
  final List<String> shortNames;
  final List<String> categories;
  final List<String> verbs;
  final Map<String, Subresource> subresources;

  private ApiResource(
      ResourceType type,
      List<String> shortNames,
      List<String> categories,
      List<String> verbs,
      Map<String, Subresource> subresources) {
    this.type = type;
    // installer.go: a storage without SingularNameProvider gets the lower-cased kind.
    this.singularName = type.kind().toLowerCase(Locale.ROOT);
    this.shortNames = shortNames;
    this.categories = categories;
    this.verbs = verbs;
    this.subresources = subresources;
  }

  private static Subresource status(ResourceType t) {
    return new Subresource("status", t.group(), t.version(), t.kind(), GET_PATCH_UPDATE);
  }

  /** Scale subresources answer autoscaling/v1 Scale (registry/apps/deployment/storage). */
  private static Subresource scale() {
    return new Subresource("scale", "autoscaling", "v1", "Scale", GET_PATCH_UPDATE);
  }

  static ApiResource of(ResourceType t) {
    List<String> shortNames = List.of();
    List<String> categories = List.of();
    boolean status = false;
    boolean scale = false;
    Map<String, Subresource> subs = new LinkedHashMap<>();
    switch (t.group() + "/" + t.plural()) {
      case "/pods":
        shortNames = List.of("po");
        categories = List.of("all");
        status = true;
        subs.put(
            "eviction", new Subresource("eviction", "policy", "v1", "Eviction", List.of("create")));
        subs.put("log", new Subresource("log", "", "v1", "Pod", List.of("get")));
        break;
      case "/services":
        shortNames = List.of("svc");
        categories = List.of("all");
        status = true;
        break;
      case "/configmaps":
        shortNames = List.of("cm");
        break;
      case "/events":
        shortNames = List.of("ev");
        break;
      case "/endpoints":
        shortNames = List.of("ep");
        break;
      case "/serviceaccounts":
        shortNames = List.of("sa");
        break;
      case "/persistentvolumeclaims":
        shortNames = List.of("pvc");
        status = true;
        break;
      case "/replicationcontrollers":
        shortNames = List.of("rc");
        categories = List.of("all");
        status = true;
        scale = true;
        break;
      case "/resourcequotas":
        shortNames = List.of("quota");
        status = true;
        break;
      case "/limitranges":
        shortNames = List.of("limits");
        break;
      case "/nodes":
        shortNames = List.of("no");
        status = true;
        break;
      case "/namespaces":
        shortNames = List.of("ns");
        status = true;
        break;
      case "/persistentvolumes":
        shortNames = List.of("pv");
        status = true;
        break;
      case "apps/deployments":
        shortNames = List.of("deploy");
        categories = List.of("all");
        status = true;
        scale = true;
        break;
      case "apps/daemonsets":
        shortNames = List.of("ds");
        categories = List.of("all");
        status = true;
        break;
      case "apps/replicasets":
        shortNames = List.of("rs");
        categories = List.of("all");
        status = true;
        scale = true;
        break;
      case "apps/statefulsets":
        shortNames = List.of("sts");
        categories = List.of("all");
        status = true;
        scale = true;
        break;
      case "batch/jobs":
        categories = List.of("all");
        status = true;
        break;
      case "batch/cronjobs":
        shortNames = List.of("cj");
        categories = List.of("all");
        status = true;
        break;
      case "policy/poddisruptionbudgets":
        shortNames = List.of("pdb");
        status = true;
        break;
      case "networking.k8s.io/ingresses":
        shortNames = List.of("ing");
        status = true;
        break;
      case "networking.k8s.io/networkpolicies":
        shortNames = List.of("netpol");
        break;
      case "autoscaling/horizontalpodautoscalers":
        shortNames = List.of("hpa");
        categories = List.of("all");
        status = true;
        break;
      case "storage.k8s.io/storageclasses":
        shortNames = List.of("sc");
        break;
      case "scheduling.k8s.io/priorityclasses":
        shortNames = List.of("pc");
        break;
      case "apiextensions.k8s.io/customresourcedefinitions":
        shortNames = List.of("crd", "crds");
        categories = List.of("api-extensions");
        status = true;
        break;
      default:
        break;
    }
    Map<String, Subresource> ordered = new LinkedHashMap<>();
    if (scale) {
      ordered.put("scale", scale());
    }
    if (status) {
      ordered.put("status", status(t));
    }
    ordered.putAll(subs);
    boolean isNamespaces = t.group().isEmpty() && t.plural().equals("namespaces");
    return new ApiResource(
        t, shortNames, categories, isNamespaces ? NAMESPACE_VERBS : ALL_VERBS, ordered);
  }
}
