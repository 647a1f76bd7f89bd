package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
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
        return status(404, "NotFound", "the server could not find the requested resource", null);
    }
  }

  /**
   * The aggregated discovery media type's parameters (apidiscovery.k8s.io, APIGroupDiscoveryList).
   */
  private static final String AGGREGATED_GROUP = "apidiscovery.k8s.io";

  /**
   * {@code GET /api} or {@code /apis}: aggregated discovery if the Accept header asks for an
   * APIGroupDiscoveryList this server serves (aggregated.WrappedHandler.ServeHTTP), else the legacy
   * APIVersions or APIGroupList.
   */
  Answer discoveryGroups(String root, String accept) {
    String aggregated = aggregatedVersion(accept);
    if (aggregated != null) {
      return aggregated(root, aggregated);
    }
    if (root.equals("api")) {
      JsonObject o = new JsonObject();
      o.addProperty("kind", "APIVersions");
      JsonArray versions = new JsonArray();
      versions.add("v1");
      o.add("versions", versions);
      // root.go APIVersionHandler: the addresses clients may use, one for every client network.
      JsonObject address = new JsonObject();
      address.addProperty("clientCIDR", "0.0.0.0/0");
      address.addProperty("serverAddress", sim.url().substring("http://".length()));
      JsonArray addresses = new JsonArray();
      addresses.add(address);
      o.add("serverAddressByClientCIDRs", addresses);
      return new Answer(200, o);
    }
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIGroupList");
    o.addProperty("apiVersion", "v1");
    JsonArray arr = new JsonArray();
    groups().forEach((g, v) -> arr.add(apiGroup(g, v)));
    o.add("groups", arr);
    return new Answer(200, o);
  }

  /** {@code GET /apis/<group>}: that group's APIGroup (discovery/group.go), 404 if not served. */
  Answer discoveryGroup(String group) {
    String version = groups().get(group);
    if (version == null) {
      return status(404, "NotFound", "the server could not find the requested resource", null);
    }
    JsonObject o = apiGroup(group, version);
    o.addProperty("kind", "APIGroup");
    o.addProperty("apiVersion", "v1");
    return new Answer(200, o);
  }

  /**
   * The aggregated discovery version the Accept header asks for first among those served: {@code
   * v2}, and {@code v2beta1} before 1.33 (AggregatedDiscoveryRemoveBetaType, negotiation.go). Only
   * the JSON form is served; a Protobuf clause is passed over. Null for legacy discovery.
   */
  private String aggregatedVersion(String accept) {
    if (accept == null) {
      return null;
    }
    for (String clause : accept.split(",")) {
      String[] parts = clause.trim().split(";");
      String mediaType = parts[0].trim();
      Map<String, String> params = new LinkedHashMap<>();
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].trim().split("=", 2);
        if (kv.length == 2) {
          params.put(kv[0].trim(), kv[1].trim());
        }
      }
      boolean json = mediaType.equals("application/json");
      if (params.containsKey("as")) {
        if (!json
            || !AGGREGATED_GROUP.equals(params.get("g"))
            || !"APIGroupDiscoveryList".equals(params.get("as"))) {
          continue;
        }
        String v = params.get("v");
        if ("v2".equals(v) || ("v2beta1".equals(v) && sim.config().minor < 33)) {
          return v;
        }
        continue;
      }
      if (json || mediaType.equals("*/*") || mediaType.equals("application/*")) {
        return null; // a plain type comes first: legacy discovery
      }
    }
    return null;
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

  private static JsonObject apiGroup(String g, String v) {
    JsonObject gv = new JsonObject();
    gv.addProperty("groupVersion", g + "/" + v);
    gv.addProperty("version", v);
    JsonObject group = new JsonObject();
    group.addProperty("name", g);
    JsonArray vs = new JsonArray();
    vs.add(gv);
    group.add("versions", vs);
    group.add("preferredVersion", gv);
    return group;
  }

  /** The resources of one group version, in name order. */
  private List<ResourceType> resources(String group, String version) {
    List<ResourceType> out = new ArrayList<>();
    for (ResourceType t : sim.resources().values()) {
      if (t.group().equals(group) && t.version().equals(version)) {
        out.add(t);
      }
    }
    out.sort(java.util.Comparator.comparing(ResourceType::plural));
    return out;
  }

  private static JsonArray strings(List<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }

  /**
   * {@code GET /api/v1}, {@code /apis/<group>/<version>}: the legacy APIResourceList, one entry per
   * resource and one per subresource ({@code pods/status}), as the installer builds them
   * (endpoints/installer.go); 404 for a group version not served.
   */
  Answer discoveryResources(String group, String version) {
    List<ResourceType> types = resources(group, version);
    boolean accessReviews =
        group.equals(AccessReviews.GROUP) && version.equals(AccessReviews.VERSION);
    if (types.isEmpty() && !accessReviews) {
      return status(404, "NotFound", "the server could not find the requested resource", null);
    }
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIResourceList");
    o.addProperty("apiVersion", "v1");
    o.addProperty("groupVersion", group.isEmpty() ? version : group + "/" + version);
    JsonArray arr = new JsonArray();
    for (ResourceType t : types) {
      ApiResource a = ApiResource.of(t);
      JsonObject r = new JsonObject();
      r.addProperty("name", t.plural());
      r.addProperty("singularName", a.singularName);
      r.addProperty("namespaced", t.isNamespaced());
      r.addProperty("kind", t.kind());
      r.add("verbs", strings(a.verbs));
      if (!a.shortNames.isEmpty()) {
        r.add("shortNames", strings(a.shortNames));
      }
      if (!a.categories.isEmpty()) {
        r.add("categories", strings(a.categories));
      }
      arr.add(r);
      for (ApiResource.Subresource s : a.subresources.values()) {
        JsonObject sr = new JsonObject();
        sr.addProperty("name", t.plural() + "/" + s.name());
        sr.addProperty("singularName", "");
        sr.addProperty("namespaced", t.isNamespaced());
        if (!s.group().equals(t.group()) || !s.version().equals(t.version())) {
          sr.addProperty("group", s.group());
          sr.addProperty("version", s.version());
        }
        sr.addProperty("kind", s.kind());
        sr.add("verbs", strings(s.verbs()));
        arr.add(sr);
      }
    }
    if (accessReviews) {
      arr.add(AccessReviews.legacyResource());
    }
    o.add("resources", arr);
    return new Answer(200, o);
  }

  /**
   * The aggregated APIGroupDiscoveryList for {@code /api} (the core group, unnamed) or {@code
   * /apis} (every other group), as aggregated/handler.go serves it: per group its versions, per
   * version its resources with their response kind, scope, singular name, verbs, short names,
   * categories and subresources, freshness Current.
   */
  private Answer aggregated(String root, String version) {
    JsonObject list = new JsonObject();
    list.addProperty("kind", "APIGroupDiscoveryList");
    list.addProperty("apiVersion", AGGREGATED_GROUP + "/" + version);
    list.add("metadata", new JsonObject());
    JsonArray items = new JsonArray();
    Map<String, String> groups = new LinkedHashMap<>();
    if (root.equals("api")) {
      groups.put("", "v1");
    } else {
      groups.putAll(groups());
    }
    groups.forEach(
        (g, v) -> {
          JsonObject item = new JsonObject();
          JsonObject meta = new JsonObject();
          if (!g.isEmpty()) {
            meta.addProperty("name", g);
          }
          meta.add("creationTimestamp", com.google.gson.JsonNull.INSTANCE);
          item.add("metadata", meta);
          JsonArray resources = new JsonArray();
          for (ResourceType t : resources(g, v)) {
            resources.add(aggregatedResource(ApiResource.of(t)));
          }
          if (g.equals(AccessReviews.GROUP)) {
            resources.add(AccessReviews.aggregatedResource());
          }
          JsonObject gv = new JsonObject();
          gv.addProperty("version", v);
          gv.add("resources", resources);
          gv.addProperty("freshness", "Current");
          JsonArray versions = new JsonArray();
          versions.add(gv);
          item.add("versions", versions);
          items.add(item);
        });
    list.add("items", items);
    return new Answer(200, list)
        .header(
            "Content-Type",
            "application/json;g="
                + AGGREGATED_GROUP
                + ";v="
                + version
                + ";as=APIGroupDiscoveryList")
        .header("Vary", "Accept");
  }

  static JsonObject responseKind(String group, String version, String kind) {
    JsonObject k = new JsonObject();
    k.addProperty("group", group);
    k.addProperty("version", version);
    k.addProperty("kind", kind);
    return k;
  }

  /**
   * A resource's entry in aggregated discovery. A built-in resource's {@code responseKind} names
   * its group and version only when its storage says (a {@code GroupVersionKindProvider}: scale,
   * eviction), else they are empty (installer.go, then the aggregated converter copies the
   * APIResource's Group and Version); a custom resource's always names them
   * (customresource_discovery_controller.go).
   */
  private static JsonObject aggregatedResource(ApiResource a) {
    ResourceType t = a.type;
    boolean builtIn = Writes.unionSchemaOf(t.apiVersion(), t.kind()) != null;
    JsonObject r = new JsonObject();
    r.addProperty("resource", t.plural());
    r.add(
        "responseKind",
        builtIn ? responseKind("", "", t.kind()) : responseKind(t.group(), t.version(), t.kind()));
    r.addProperty("scope", t.isNamespaced() ? "Namespaced" : "Cluster");
    r.addProperty("singularResource", a.singularName);
    r.add("verbs", strings(a.verbs));
    if (!a.shortNames.isEmpty()) {
      r.add("shortNames", strings(a.shortNames));
    }
    if (!a.categories.isEmpty()) {
      r.add("categories", strings(a.categories));
    }
    if (!a.subresources.isEmpty()) {
      JsonArray subs = new JsonArray();
      for (ApiResource.Subresource s : a.subresources.values()) {
        JsonObject sr = new JsonObject();
        sr.addProperty("subresource", s.name());
        boolean own = s.group().equals(t.group()) && s.version().equals(t.version());
        sr.add(
            "responseKind",
            builtIn && own
                ? responseKind("", "", s.kind())
                : responseKind(s.group(), s.version(), s.kind()));
        sr.add("verbs", strings(s.verbs()));
        subs.add(sr);
      }
      r.add("subresources", subs);
    }
    return r;
  }
}
