package dev.safeclient.apiserver;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The discovery documents kube-apiserver serves: the legacy {@code APIVersions} ({@code /api}),
 * {@code APIGroupList} ({@code /apis}), {@code APIGroup} ({@code /apis/g}) and {@code
 * APIResourceList} ({@code /api/v1}, {@code /apis/g/v}), and aggregated discovery's {@code
 * APIGroupDiscoveryList}, with the Accept negotiation that chooses between them.
 */
public final class DiscoveryDocuments {
  /** The group of aggregated discovery's kinds. */
  public static final String AGGREGATED_GROUP = "apidiscovery.k8s.io";

  private DiscoveryDocuments() {}

  /**
   * {@code GET /api} (root.go APIVersionHandler): the core group's one version and the address
   * clients may use, one for every client network.
   */
  public static JsonObject apiVersions(String serverAddress) {
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIVersions");
    JsonArray versions = new JsonArray();
    versions.add("v1");
    o.add("versions", versions);
    JsonObject address = new JsonObject();
    address.addProperty("clientCIDR", "0.0.0.0/0");
    address.addProperty("serverAddress", serverAddress);
    JsonArray addresses = new JsonArray();
    addresses.add(address);
    o.add("serverAddressByClientCIDRs", addresses);
    return o;
  }

  /** {@code GET /apis}: every named group with its one served version, in the map's order. */
  public static JsonObject apiGroupList(Map<String, String> groupVersions) {
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIGroupList");
    o.addProperty("apiVersion", "v1");
    JsonArray arr = new JsonArray();
    groupVersions.forEach((g, v) -> arr.add(group(g, v)));
    o.add("groups", arr);
    return o;
  }

  /** {@code GET /apis/<group>} (discovery/group.go). */
  public static JsonObject apiGroup(String group, String version) {
    JsonObject o = group(group, version);
    o.addProperty("kind", "APIGroup");
    o.addProperty("apiVersion", "v1");
    return o;
  }

  private static JsonObject group(String g, String v) {
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

  /**
   * {@code GET /api/v1}, {@code /apis/<group>/<version>}: one entry per resource and one per
   * subresource ({@code pods/status}), as the installer builds them (endpoints/installer.go).
   */
  public static JsonObject apiResourceList(
      String group, String version, List<DiscoveryResource> resources) {
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIResourceList");
    o.addProperty("apiVersion", "v1");
    o.addProperty("groupVersion", group.isEmpty() ? version : group + "/" + version);
    JsonArray arr = new JsonArray();
    for (DiscoveryResource t : resources) {
      JsonObject r = new JsonObject();
      r.addProperty("name", t.resource());
      r.addProperty("singularName", t.singularName());
      r.addProperty("namespaced", t.namespaced());
      r.addProperty("kind", t.kind());
      r.add("verbs", strings(t.verbs()));
      if (!t.shortNames().isEmpty()) {
        r.add("shortNames", strings(t.shortNames()));
      }
      if (!t.categories().isEmpty()) {
        r.add("categories", strings(t.categories()));
      }
      arr.add(r);
      for (DiscoveryResource.Subresource s : t.subresources()) {
        JsonObject sr = new JsonObject();
        sr.addProperty("name", t.resource() + "/" + s.name());
        sr.addProperty("singularName", "");
        sr.addProperty("namespaced", t.namespaced());
        if (!s.group().equals(t.group()) || !s.version().equals(t.version())) {
          sr.addProperty("group", s.group());
          sr.addProperty("version", s.version());
        }
        sr.addProperty("kind", s.kind());
        sr.add("verbs", strings(s.verbs()));
        arr.add(sr);
      }
    }
    o.add("resources", arr);
    return o;
  }

  /**
   * The aggregated discovery version an Accept header asks for first among those served: {@code
   * v2}, and {@code v2beta1} where {@code v2beta1Served} (before 1.33,
   * AggregatedDiscoveryRemoveBetaType). Only the JSON form is served; a Protobuf clause is passed
   * over. Null for legacy discovery (aggregated.WrappedHandler.ServeHTTP).
   */
  public static String aggregatedVersion(String accept, boolean v2beta1Served) {
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
        if ("v2".equals(v) || ("v2beta1".equals(v) && v2beta1Served)) {
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

  /** The Content-Type of an aggregated discovery answer of {@code discoveryVersion}. */
  public static String aggregatedContentType(String discoveryVersion) {
    return "application/json;g="
        + AGGREGATED_GROUP
        + ";v="
        + discoveryVersion
        + ";as=APIGroupDiscoveryList";
  }

  /**
   * The aggregated {@code APIGroupDiscoveryList} (aggregated/handler.go): per group of {@code
   * groupVersions} (in its order; "" is the core group, unnamed) its version, and per version the
   * {@code resources} of that group version in their order, with response kind, scope, singular
   * name, verbs, short names, categories and subresources; freshness Current. Send it with {@link
   * #aggregatedContentType} and {@code Vary: Accept}.
   */
  public static JsonObject aggregatedList(
      String discoveryVersion,
      Map<String, String> groupVersions,
      List<DiscoveryResource> resources) {
    JsonObject list = new JsonObject();
    list.addProperty("kind", "APIGroupDiscoveryList");
    list.addProperty("apiVersion", AGGREGATED_GROUP + "/" + discoveryVersion);
    list.add("metadata", new JsonObject());
    JsonArray items = new JsonArray();
    groupVersions.forEach(
        (g, v) -> {
          JsonObject item = new JsonObject();
          JsonObject meta = new JsonObject();
          if (!g.isEmpty()) {
            meta.addProperty("name", g);
          }
          meta.add("creationTimestamp", JsonNull.INSTANCE);
          item.add("metadata", meta);
          JsonArray rs = new JsonArray();
          for (DiscoveryResource r : resources) {
            if (r.group().equals(g) && r.version().equals(v)) {
              rs.add(aggregatedResource(r));
            }
          }
          JsonObject gv = new JsonObject();
          gv.addProperty("version", v);
          gv.add("resources", rs);
          gv.addProperty("freshness", "Current");
          JsonArray versions = new JsonArray();
          versions.add(gv);
          item.add("versions", versions);
          items.add(item);
        });
    list.add("items", items);
    return list;
  }

  private static JsonObject responseKind(String group, String version, String kind) {
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
  private static JsonObject aggregatedResource(DiscoveryResource t) {
    boolean named = t.namesResponseGroupVersion();
    JsonObject r = new JsonObject();
    r.addProperty("resource", t.resource());
    r.add(
        "responseKind",
        named ? responseKind(t.group(), t.version(), t.kind()) : responseKind("", "", t.kind()));
    r.addProperty("scope", t.namespaced() ? "Namespaced" : "Cluster");
    r.addProperty("singularResource", t.singularName());
    r.add("verbs", strings(t.verbs()));
    if (!t.shortNames().isEmpty()) {
      r.add("shortNames", strings(t.shortNames()));
    }
    if (!t.categories().isEmpty()) {
      r.add("categories", strings(t.categories()));
    }
    if (!t.subresources().isEmpty()) {
      JsonArray subs = new JsonArray();
      for (DiscoveryResource.Subresource s : t.subresources()) {
        JsonObject sr = new JsonObject();
        sr.addProperty("subresource", s.name());
        boolean own = s.group().equals(t.group()) && s.version().equals(t.version());
        sr.add(
            "responseKind",
            !named && own
                ? responseKind("", "", s.kind())
                : responseKind(s.group(), s.version(), s.kind()));
        sr.add("verbs", strings(s.verbs()));
        subs.add(sr);
      }
      r.add("subresources", subs);
    }
    return r;
  }

  private static JsonArray strings(List<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }
}
