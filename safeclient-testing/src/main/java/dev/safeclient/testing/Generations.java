package dev.safeclient.testing;

import com.google.gson.JsonObject;
import java.util.Map;

/**
 * Which kinds have a {@code metadata.generation}, and when a write bumps it. Only a kind whose
 * registry strategy sets it has one: {@code PrepareForCreate} sets it to 1 and {@code
 * PrepareForUpdate} adds one when the spec changed (k8s.io/kubernetes pkg/registry/<group>/<kind>
 * /strategy.go). Config maps, secrets, services, namespaces, service accounts and the rest have
 * none, and a generation a client sends them is kept as sent (nothing clears it).
 */
final class Generations {
  /**
   * {@code <group>/<plural>} to the first minor release whose strategy sets the generation: the
   * strategies of 1.30.14 that set {@code Generation = 1}; pods from 1.33 (KEP-5067: {@code
   * podStrategy.PrepareForCreate} sets it; 1.34.2 does, 1.30.14 does not); DRA's device classes,
   * taint rules and slices and mutating admission policies from 1.34 (first seen in 1.34.2's
   * strategies; earlier alpha releases were not checked); horizontal pod autoscalers from 1.37.
   */
  private static final Map<String, Integer> SINCE =
      Map.ofEntries(
          Map.entry("admissionregistration.k8s.io/mutatingwebhookconfigurations", 0),
          Map.entry("admissionregistration.k8s.io/validatingwebhookconfigurations", 0),
          Map.entry("admissionregistration.k8s.io/validatingadmissionpolicies", 0),
          Map.entry("admissionregistration.k8s.io/validatingadmissionpolicybindings", 0),
          Map.entry("admissionregistration.k8s.io/mutatingadmissionpolicies", 34),
          Map.entry("admissionregistration.k8s.io/mutatingadmissionpolicybindings", 34),
          Map.entry("apps/daemonsets", 0),
          Map.entry("apps/deployments", 0),
          Map.entry("apps/replicasets", 0),
          Map.entry("apps/statefulsets", 0),
          Map.entry("batch/cronjobs", 0),
          Map.entry("batch/jobs", 0),
          Map.entry("/podtemplates", 0),
          Map.entry("/replicationcontrollers", 0),
          Map.entry("/pods", 33),
          Map.entry("discovery.k8s.io/endpointslices", 0),
          Map.entry("flowcontrol.apiserver.k8s.io/flowschemas", 0),
          Map.entry("flowcontrol.apiserver.k8s.io/prioritylevelconfigurations", 0),
          Map.entry("networking.k8s.io/ingresses", 0),
          Map.entry("networking.k8s.io/ingressclasses", 0),
          Map.entry("networking.k8s.io/networkpolicies", 0),
          Map.entry("policy/poddisruptionbudgets", 0),
          Map.entry("scheduling.k8s.io/priorityclasses", 0),
          Map.entry("resource.k8s.io/deviceclasses", 34),
          Map.entry("resource.k8s.io/devicetaintrules", 34),
          Map.entry("resource.k8s.io/resourceslices", 34),
          Map.entry("autoscaling/horizontalpodautoscalers", 37),
          // apiextensions-apiserver: customResourceDefinitionStrategy.PrepareForCreate.
          Map.entry("apiextensions.k8s.io/customresourcedefinitions", 0));

  private Generations() {}

  /**
   * Whether objects of {@code t} have a generation on a server of minor {@code minor}: the kinds
   * above, and every custom resource ({@code customResourceStrategy.PrepareForCreate}).
   */
  static boolean tracked(ResourceType t, int minor, boolean builtIn) {
    if (!builtIn) {
      return true;
    }
    Integer since = SINCE.get(t.group() + "/" + t.plural());
    return since != null && minor >= since;
  }

  /**
   * Whether an update from {@code old} to {@code next} bumps the generation: a change of {@code
   * spec} for the built-in kinds (each strategy's {@code !apiequality.Semantic.DeepEqual(new.Spec,
   * old.Spec)}); for a custom resource, a change of anything but metadata, and status when it has a
   * status subresource ({@code customResourceStrategy.PrepareForUpdate}).
   */
  static boolean bumps(
      JsonObject old, JsonObject next, boolean builtIn, boolean statusSubresource) {
    if (builtIn) {
      return !String.valueOf(old.get("spec")).equals(String.valueOf(next.get("spec")));
    }
    JsonObject a = old.deepCopy();
    JsonObject b = next.deepCopy();
    for (JsonObject o : new JsonObject[] {a, b}) {
      o.remove("metadata");
      if (statusSubresource) {
        o.remove("status");
      }
    }
    return !a.equals(b);
  }
}
