package dev.safeclient.apiserver;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The field labels each resource supports in a field selector, and their values. The lists are the
 * apiserver's field label conversion functions (pkg/apis/core/v1/conversion.go for pods, nodes,
 * replication controllers, events, namespaces and secrets; apps/v1 for replica sets; batch/v1 for
 * jobs) and the registries' GetAttrs that fill them (e.g. pod.ToSelectableFields). Every other
 * resource, custom resources included, takes {@code runtime.DefaultMetaV1FieldSelectorConversion}:
 * only metadata.name and metadata.namespace. The list handler answers an unsupported label with a
 * 400 BadRequest carrying the conversion's message (handlers/get.go ListResource).
 */
public final class FieldLabels {
  /** Keyed by group + "/" + resource ("/pods", "apps/replicasets"). */
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
   * The label a selector on {@code group}/{@code resource} means ({@code spec.host} is the pods'
   * old name of spec.nodeName). A label the resource does not support throws a {@link
   * StatusException} with the 400 the list handler gives.
   */
  public static String convert(String group, String resource, String label) {
    Set<String> supported = SUPPORTED.get(group + "/" + resource);
    if (supported == null) {
      if (label.equals("metadata.name") || label.equals("metadata.namespace")) {
        return label;
      }
      throw new StatusException(
          Status.badRequest(
              "\""
                  + label
                  + "\" is not a known field selector: only \"metadata.name\","
                  + " \"metadata.namespace\""));
    }
    if (resource.equals("pods") && group.isEmpty() && label.equals("spec.host")) {
      return "spec.nodeName";
    }
    if (!supported.contains(label)) {
      throw new StatusException(Status.badRequest("field label not supported: " + label));
    }
    return label;
  }

  /**
   * The value GetAttrs gives {@code label} (already converted) for {@code object}: Go's zero value
   * where a field is unset.
   */
  public static String value(JsonObject object, String label) {
    switch (label) {
      case "metadata.name":
      case "metadata.namespace":
        return walk(object, label);
      case "spec.hostNetwork":
      case "spec.unschedulable":
        return Boolean.toString("true".equals(walk(object, label)));
      case "status.replicas":
      case "status.successful":
        String n = walk(object, label);
        return n.isEmpty() ? "0" : n;
      case "status.podIPs":
        // A pod matches on any of its IPs; the first is status.podIP.
        return walk(object, "status.podIP");
      case "source":
        // Event GetAttrs: the source component, else the reporting controller.
        String component = walk(object, "source.component");
        return component.isEmpty() ? walk(object, "reportingController") : component;
      case "reportingComponent":
        return walk(object, "reportingController");
      default:
        return walk(object, label);
    }
  }

  /** A {@link SelectableObject} over an object's JSON: metadata.labels and {@link #value}. */
  public static SelectableObject selectable(JsonObject object) {
    Map<String, String> labels = new HashMap<>();
    JsonElement meta = object.get("metadata");
    if (meta != null && meta.isJsonObject()) {
      JsonElement l = meta.getAsJsonObject().get("labels");
      if (l != null && l.isJsonObject()) {
        for (Map.Entry<String, JsonElement> e : l.getAsJsonObject().entrySet()) {
          if (e.getValue().isJsonPrimitive()) {
            labels.put(e.getKey(), e.getValue().getAsString());
          }
        }
      }
    }
    Map<String, String> view = Map.copyOf(labels);
    return new SelectableObject() {
      @Override
      public Map<String, String> labels() {
        return view;
      }

      @Override
      public String fieldValue(String fieldLabel) {
        return value(object, fieldLabel);
      }
    };
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
