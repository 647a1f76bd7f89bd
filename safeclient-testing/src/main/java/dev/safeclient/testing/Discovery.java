package dev.safeclient.testing;

import com.google.gson.JsonObject;
import dev.safeclient.apiserver.DiscoveryDocuments;
import dev.safeclient.apiserver.DiscoveryResource;
import dev.safeclient.apiserver.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Discovery (/api, /apis, /apis/group/version) and the non-resource paths (/version, /healthz). */
final class Discovery {
  private final KubeSim sim;

  Discovery(KubeSim sim) {
    this.sim = sim;
  }

  Answer nonResource(String path) {
    switch (path) {
      case "/version":
      case "/version/":
        JsonObject v = new JsonObject();
        String minor = Integer.toString(sim.config().minor);
        v.addProperty("major", "1");
        v.addProperty("minor", minor);
        v.addProperty("gitVersion", "v1." + minor + ".0-kubesim");
        v.addProperty("platform", "linux/amd64");
        return new Answer(200, v);
      case "/healthz":
      case "/livez":
      case "/readyz":
        return new Answer(200, "ok".getBytes(StandardCharsets.US_ASCII))
            .header("Content-Type", "text/plain");
      default:
        return Answer.of(Status.resourceNotFound());
    }
  }

  /**
   * {@code GET /api} or {@code /apis}: aggregated discovery if the Accept header asks for an
   * APIGroupDiscoveryList this server serves, else the legacy APIVersions or APIGroupList.
   */
  Answer discoveryGroups(String root, String accept) {
    String aggregated = DiscoveryDocuments.aggregatedVersion(accept, sim.config().minor < 33);
    if (aggregated != null) {
      Map<String, String> groups = new LinkedHashMap<>();
      if (root.equals("api")) {
        groups.put("", "v1");
      } else {
        groups.putAll(groups());
      }
      List<DiscoveryResource> all = new ArrayList<>();
      groups.forEach((g, v) -> all.addAll(resources(g, v)));
      return new Answer(200, DiscoveryDocuments.aggregatedList(aggregated, groups, all))
          .header("Content-Type", DiscoveryDocuments.aggregatedContentType(aggregated))
          .header("Vary", "Accept");
    }
    if (root.equals("api")) {
      return new Answer(
          200, DiscoveryDocuments.apiVersions(sim.url().substring("http://".length())));
    }
    return new Answer(200, DiscoveryDocuments.apiGroupList(groups()));
  }

  /** {@code GET /apis/<group>}: that group's APIGroup, 404 if not served. */
  Answer discoveryGroup(String group) {
    String version = groups().get(group);
    if (version == null) {
      return Answer.of(Status.resourceNotFound());
    }
    return new Answer(200, DiscoveryDocuments.apiGroup(group, version));
  }

  /** The served groups (other than the core group) and their one version, in a stable order. */
  private Map<String, String> groups() {
    Map<String, String> groups = new java.util.TreeMap<>();
    for (ResourceType t : sim.resources().values()) {
      if (!t.group().isEmpty()) {
        groups.put(t.group(), t.version());
      }
    }
    groups.put(AccessReviews.GROUP, AccessReviews.VERSION);
    return groups;
  }

  /** The resources of one group version, in name order, then the access reviews KubeSim serves. */
  private List<DiscoveryResource> resources(String group, String version) {
    List<ResourceType> types = new ArrayList<>();
    for (ResourceType t : sim.resources().values()) {
      if (t.group().equals(group) && t.version().equals(version)) {
        types.add(t);
      }
    }
    types.sort(java.util.Comparator.comparing(ResourceType::plural));
    List<DiscoveryResource> out = new ArrayList<>();
    for (ResourceType t : types) {
      out.add(discoveryResource(ApiResource.of(t)));
    }
    if (group.equals(AccessReviews.GROUP) && version.equals(AccessReviews.VERSION)) {
      out.add(AccessReviews.discoveryResource());
    }
    return out;
  }

  /**
   * A resource as discovery lists it. Aggregated discovery names a built-in resource's response
   * group and version only where its storage says so; a custom resource's always.
   */
  private static DiscoveryResource discoveryResource(ApiResource a) {
    ResourceType t = a.type;
    boolean builtIn = Writes.unionSchemaOf(t.apiVersion(), t.kind()) != null;
    List<DiscoveryResource.Subresource> subs = new ArrayList<>();
    for (ApiResource.Subresource s : a.subresources.values()) {
      subs.add(
          new DiscoveryResource.Subresource(s.name(), s.group(), s.version(), s.kind(), s.verbs()));
    }
    return new DiscoveryResource(
        t.group(),
        t.version(),
        t.plural(),
        t.kind(),
        a.singularName,
        t.isNamespaced(),
        a.verbs,
        a.shortNames,
        a.categories,
        !builtIn,
        subs);
  }

  /**
   * {@code GET /api/v1}, {@code /apis/<group>/<version>}: the legacy APIResourceList; 404 for a
   * group version not served.
   */
  Answer discoveryResources(String group, String version) {
    List<DiscoveryResource> resources = resources(group, version);
    if (resources.isEmpty()) {
      return Answer.of(Status.resourceNotFound());
    }
    return new Answer(200, DiscoveryDocuments.apiResourceList(group, version, resources));
  }
}
