package dev.safeclient.apiserver;

import java.util.List;

/**
 * What discovery says about one served resource ({@code metav1.APIResource}, and its entry in
 * aggregated discovery).
 *
 * @param group the API group; "" for the core group
 * @param version the served version
 * @param resource the plural
 * @param kind the kind its objects have
 * @param singularName the singular name (the lower-cased kind where the storage names none)
 * @param namespaced whether its objects live in namespaces
 * @param verbs the verbs it serves, sorted
 * @param shortNames its short names; empty if none
 * @param categories its categories ({@code all}); empty if none
 * @param namesResponseGroupVersion true if aggregated discovery names the group and version of its
 *     response kind: custom resources always; built-in ones leave them empty
 * @param subresources its subresources, in the order they are listed
 */
public record DiscoveryResource(
    String group,
    String version,
    String resource,
    String kind,
    String singularName,
    boolean namespaced,
    List<String> verbs,
    List<String> shortNames,
    List<String> categories,
    boolean namesResponseGroupVersion,
    List<Subresource> subresources) {

  public DiscoveryResource {
    verbs = List.copyOf(verbs);
    shortNames = List.copyOf(shortNames);
    categories = List.copyOf(categories);
    subresources = List.copyOf(subresources);
  }

  /**
   * A subresource ({@code pods/status}): the kind it answers with, in its own group and version
   * where that is not the parent's (a scale subresource answers autoscaling/v1 Scale).
   */
  public record Subresource(
      String name, String group, String version, String kind, List<String> verbs) {
    public Subresource {
      verbs = List.copyOf(verbs);
    }
  }
}
