package dev.safeclient.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Map;
import java.util.Set;

/**
 * The field labels each kind supports in a field selector, and their values. The lists are the
 * apiserver's field label conversion functions (pkg/apis/core/v1/conversion.go for pods, nodes,
 * replication controllers, events, namespaces and secrets; apps/v1 for replica sets; batch/v1 for
 * jobs) and the registries' GetAttrs that fill them (e.g. pod.ToSelectableFields). Every other
 * kind, custom resources included, takes {@code runtime.DefaultMetaV1FieldSelectorConversion}: only
 * metadata.name and metadata.namespace. The list handler answers an unsupported label with a 400
 * BadRequest carrying the conversion's message (handlers/get.go ListResource).
 */
final class FieldLabels {
  private static final Map<String, Set<String>> SUPPORTED =
      Map.of(
          "/pods",
          Set.of(
              "metadata.name",
              "metadata.namespace",
              "spec.nodeName",
              "spec.restartPolicy",
              "spec.schedulerName",
              "spec.serviceAccountName",
              "spec.hostNetwork",
              "status.phase",
              "status.podIP",
              "status.podIPs",
              "status.nominatedNodeName"),
          "/nodes",
          Set.of("metadata.name", "spec.unschedulable"),
          "/replicationcontrollers",
          Set.of("metadata.name", "metadata.namespace", "status.replicas"),
          "/events",
          Set.of(
              "involvedObject.kind",
              "involvedObject.namespace",
              "involvedObject.name",
              "involvedObject.uid",
              "involvedObject.apiVersion",
              "involvedObject.resourceVersion",
              "involvedObject.fieldPath",
              "reason",
              "reportingComponent",
              "source",
              "type",
              "metadata.namespace",
              "metadata.name"),
          "/namespaces",
          Set.of("status.phase", "metadata.name"),
          "/secrets",
          Set.of("type", "metadata.namespace", "metadata.name"),
          "apps/replicasets",
          Set.of("metadata.name", "metadata.namespace", "status.replicas"),
          "batch/jobs",
          Set.of("metadata.name", "metadata.namespace", "status.successful"));

  private FieldLabels() {}

  /**
   * The label a selector on {@code type} means ({@code spec.host} is the pods' old name of
   * spec.nodeName); throws IllegalArgumentException, a 400, for a label the kind does not support.
   */
  static String convert(ResourceType type, String label) {
    Set<String> supported = SUPPORTED.get(type.group() + "/" + type.plural());
    if (supported == null) {
      if (label.equals("metadata.name") || label.equals("metadata.namespace")) {
        return label;
      }
      throw new IllegalArgumentException(
          "\""
              + label
              + "\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
    }
    if (type.plural().equals("pods") && type.group().isEmpty() && label.equals("spec.host")) {
      return "spec.nodeName";
    }
    if (!supported.contains(label)) {
      throw new IllegalArgumentException("field label not supported: " + label);
    }
    return label;
  }

  /**
   * The value GetAttrs gives {@code label} for {@code o}: Go's zero value where a field is unset.
   */
  static String value(StoredObject o, String label) {
    switch (label) {
      case "metadata.name":
        return o.name;
      case "metadata.namespace":
        return o.namespace;
      case "spec.nodeName":
        return o.nodeName;
      default:
        break;
    }
    JsonObject j = o.decode();
    switch (label) {
      case "spec.hostNetwork":
      case "spec.unschedulable":
        return Boolean.toString("true".equals(walk(j, label)));
      case "status.replicas":
      case "status.successful":
        String n = walk(j, label);
        return n.isEmpty() ? "0" : n;
      case "status.podIPs":
        // A pod matches on any of its IPs.
        return walk(j, "status.podIP");
      case "source":
        // Event GetAttrs: the source component, else the reporting controller.
        String component = walk(j, "source.component");
        return component.isEmpty() ? walk(j, "reportingController") : component;
      case "reportingComponent":
        return walk(j, "reportingController");
      default:
        return walk(j, label);
    }
  }

  private static String walk(JsonObject o, String path) {
    JsonElement e = o;
    for (String part : path.split("\\.")) {
      if (e == null || !e.isJsonObject()) {
        return "";
      }
      e = e.getAsJsonObject().get(part);
    }
    return e == null || e.isJsonNull() || !e.isJsonPrimitive() ? "" : e.getAsString();
  }
}
