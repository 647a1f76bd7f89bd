package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.status;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
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

  Answer discoveryGroups(String root) {
    if (root.equals("api")) {
      JsonObject o = new JsonObject();
      o.addProperty("kind", "APIVersions");
      JsonArray versions = new JsonArray();
      versions.add("v1");
      o.add("versions", versions);
      return new Answer(200, o);
    }
    Map<String, String> groups = new LinkedHashMap<>();
    for (ResourceType t : sim.resources().values()) {
      if (!t.group().isEmpty()) {
        groups.put(t.group(), t.version());
      }
    }
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIGroupList");
    o.addProperty("apiVersion", "v1");
    JsonArray arr = new JsonArray();
    groups.forEach(
        (g, v) -> {
          JsonObject gv = new JsonObject();
          gv.addProperty("groupVersion", g + "/" + v);
          gv.addProperty("version", v);
          JsonObject group = new JsonObject();
          group.addProperty("name", g);
          JsonArray vs = new JsonArray();
          vs.add(gv);
          group.add("versions", vs);
          group.add("preferredVersion", gv);
          arr.add(group);
        });
    o.add("groups", arr);
    return new Answer(200, o);
  }

  Answer discoveryResources(String group, String version) {
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIResourceList");
    o.addProperty("apiVersion", "v1");
    o.addProperty("groupVersion", group.isEmpty() ? version : group + "/" + version);
    JsonArray arr = new JsonArray();
    for (ResourceType t : sim.resources().values()) {
      if (t.group().equals(group) && t.version().equals(version)) {
        JsonObject r = new JsonObject();
        r.addProperty("name", t.plural());
        r.addProperty("singularName", "");
        r.addProperty("namespaced", t.isNamespaced());
        r.addProperty("kind", t.kind());
        JsonArray verbs = new JsonArray();
        for (String v :
            new String[] {
              "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"
            }) {
          verbs.add(v);
        }
        r.add("verbs", verbs);
        arr.add(r);
      }
    }
    o.add("resources", arr);
    return new Answer(200, o);
  }
}
