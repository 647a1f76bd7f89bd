package dev.safeclient.testing.fidelity;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Pairs the exchanges the same replay made against KubeSim and against a real apiserver, and names
 * every way they differ: the status code, the body (a Status included) after normalising what two
 * servers legitimately differ in, the {@code Content-Type}, {@code Warning} and {@code Retry-After}
 * headers, and a watch's event sequence.
 *
 * <p>Exchanges pair by step and by their position among the step's requests of the same method,
 * path and query (resourceVersion and continue values aside): a client that sends a different
 * number of requests on one server leaves an exchange without a partner, itself a difference.
 */
final class FidelityDiff {
  private static final Pattern TIMESTAMP =
      Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d)");
  private static final Pattern DIGITS = Pattern.compile("\\d{2,}");

  /** One way an exchange on KubeSim differs from the same exchange on the real server. */
  record Difference(String area, String name, String detail) {}

  private FidelityDiff() {}

  static List<Difference> compare(List<Exchange> sim, List<Exchange> real) {
    Map<String, Exchange> simByKey = byKey(sim);
    Map<String, Exchange> realByKey = byKey(real);
    List<Difference> out = new ArrayList<>();
    for (Map.Entry<String, Exchange> e : realByKey.entrySet()) {
      Exchange r = e.getValue();
      Exchange s = simByKey.get(e.getKey());
      if (s == null) {
        out.add(new Difference(r.step.area(), e.getKey(), "sent to the real server only"));
        continue;
      }
      compare(e.getKey(), s, r, out);
    }
    for (Map.Entry<String, Exchange> e : simByKey.entrySet()) {
      if (!realByKey.containsKey(e.getKey())) {
        out.add(new Difference(e.getValue().step.area(), e.getKey(), "sent to KubeSim only"));
      }
    }
    out.sort(Comparator.comparing(Difference::area).thenComparing(Difference::name));
    return out;
  }

  /** Exchanges keyed by step, request and occurrence, in a stable order. */
  private static Map<String, Exchange> byKey(List<Exchange> exchanges) {
    Map<String, Integer> seen = new LinkedHashMap<>();
    Map<String, Exchange> out = new TreeMap<>();
    for (Exchange e : exchanges) {
      String base = e.step + " | " + e.method + " " + requestKey(e.pathAndQuery);
      int n = seen.merge(base, 1, Integer::sum);
      out.put(n == 1 ? base : base + " #" + n, e);
    }
    return out;
  }

  /** The path and sorted query, with the values that are a server's own tokens abstracted. */
  static String requestKey(String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    if (q < 0) {
      return pathAndQuery;
    }
    List<String> params = new ArrayList<>();
    for (String p : pathAndQuery.substring(q + 1).split("&")) {
      int eq = p.indexOf('=');
      String name = eq < 0 ? p : p.substring(0, eq);
      String value = eq < 0 ? "" : p.substring(eq + 1);
      if (name.equals("continue") && !value.isEmpty()) {
        value = "<continue>";
      } else if (name.equals("resourceVersion") && !value.isEmpty() && !value.equals("0")) {
        value = "<rv>";
      }
      params.add(name + "=" + value);
    }
    params.sort(null);
    return pathAndQuery.substring(0, q) + "?" + String.join("&", params);
  }

  private static void compare(String name, Exchange sim, Exchange real, List<Difference> out) {
    String area = real.step.area();
    if (sim.method.equals("OBSERVE")) {
      if (!sim.body().equals(real.body())) {
        out.add(new Difference(area, name, "KubeSim " + sim.body() + "; real " + real.body()));
      }
      return;
    }
    if (sim.status != real.status) {
      out.add(
          new Difference(area, name, "status: KubeSim " + sim.status + ", real " + real.status));
    }
    for (String h : List.of("Content-Type", "Warning", "Retry-After")) {
      String s = normaliseHeader(sim.header(h));
      String r = normaliseHeader(real.header(h));
      if (!s.equals(r)) {
        out.add(new Difference(area, name, h + ": KubeSim \"" + s + "\", real \"" + r + "\""));
      }
    }
    String what = isWatch(real.pathAndQuery) ? "events: " : "body: ";
    for (String diff : bodyDifferences(real.pathAndQuery, sim.body(), real.body())) {
      out.add(new Difference(area, name, what + diff));
    }
  }

  private static String normaliseHeader(String value) {
    return DIGITS.matcher(value).replaceAll("<n>");
  }

  static boolean isWatch(String pathAndQuery) {
    return pathAndQuery.contains("watch=true")
        || pathAndQuery.contains("watch=1")
        || pathAndQuery.contains("/watch/");
  }

  /** Every difference between two bodies after normalising; empty when they agree. */
  static List<String> bodyDifferences(String pathAndQuery, String sim, String real) {
    if (isWatch(pathAndQuery)) {
      // A bookmark comes when the server likes (the initial-events-end one races the first
      // events), so bookmarks pair among themselves: one arriving earlier on one server does not
      // shift every event after it.
      JsonArray s = events(sim);
      JsonArray r = events(real);
      List<String> out = differences("", withoutBookmarks(s, false), withoutBookmarks(r, false));
      differences("bookmarks", withoutBookmarks(s, true), withoutBookmarks(r, true), out);
      return out;
    }
    JsonElement s = parse(sim);
    JsonElement r = parse(real);
    if (s == null || r == null) {
      return sim.equals(real)
          ? List.of()
          : List.of("text " + abbreviate(sim) + " vs " + abbreviate(real));
    }
    boolean ordered = pathAndQuery.contains("limit=") || pathAndQuery.contains("continue=");
    return differences("", normalise(s, ordered), normalise(r, ordered));
  }

  private static JsonElement parse(String text) {
    if (text.isBlank()) {
      return null;
    }
    try {
      JsonElement e = JsonParser.parseString(text);
      return e.isJsonObject() || e.isJsonArray() ? e : null;
    } catch (JsonSyntaxException e) {
      return null;
    }
  }

  /**
   * A watch stream's events, normalised. The initial ADDED events of a watch (from RV 0 or with
   * sendInitialEvents) carry no promised order, and a 1.30 watch cache keeps no key order, so a
   * leading run of ADDED events is sorted by name.
   */
  static JsonArray events(String stream) {
    List<JsonElement> events = new ArrayList<>();
    for (String line : stream.split("\n")) {
      JsonElement e = parse(line);
      if (e != null) {
        events.add(normalise(e, true));
      }
    }
    int run = 0;
    while (run < events.size() && type(events.get(run)).equals("ADDED")) {
      run++;
    }
    events.subList(0, run).sort(Comparator.comparing(FidelityDiff::objectName));
    JsonArray out = new JsonArray();
    events.forEach(out::add);
    return out;
  }

  /**
   * The bookmarks that end a watch's initial events ({@code bookmarks} true), or the events that
   * are no bookmark. Other bookmarks are left out: the apiserver sends them on its own clock (about
   * once a minute, sooner near a watch's timeout), so whether one falls inside a short watch is
   * timing.
   */
  private static JsonArray withoutBookmarks(JsonArray events, boolean bookmarks) {
    JsonArray out = new JsonArray();
    for (JsonElement e : events) {
      boolean bookmark = type(e).equals("BOOKMARK");
      if (!bookmarks && !bookmark) {
        out.add(e);
      } else if (bookmarks && bookmark && e.toString().contains("k8s.io/initial-events-end")) {
        out.add(e);
      }
    }
    return out;
  }

  private static String type(JsonElement event) {
    JsonElement t = event.isJsonObject() ? event.getAsJsonObject().get("type") : null;
    return t == null ? "" : t.getAsString();
  }

  private static String objectName(JsonElement e) {
    if (!e.isJsonObject()) {
      return "";
    }
    JsonObject o = e.getAsJsonObject();
    if (o.has("object")) {
      o = o.getAsJsonObject("object");
    }
    JsonObject meta = o.getAsJsonObject("metadata");
    return meta == null || !meta.has("name") ? "" : meta.get("name").getAsString();
  }

  /**
   * What two servers of the same release legitimately answer differently: identities and clocks
   * (uid, timestamps, resourceVersions, continue tokens), managedFields (timestamps and manager
   * bookkeeping), the random suffix of a generated name, and the numbers inside a Status message
   * (resourceVersions). Items of an unpaged list carry no promised order.
   */
  static JsonElement normalise(JsonElement in, boolean ordered) {
    JsonElement e = in.deepCopy();
    normaliseInPlace(e, ordered);
    return e;
  }

  private static void normaliseInPlace(JsonElement e, boolean ordered) {
    if (e.isJsonArray()) {
      for (JsonElement c : e.getAsJsonArray()) {
        normaliseInPlace(c, ordered);
      }
      return;
    }
    if (!e.isJsonObject()) {
      return;
    }
    JsonObject o = e.getAsJsonObject();
    o.remove("managedFields");
    if (o.has("generateName") && o.has("name")) {
      String prefix = o.get("generateName").getAsString();
      String name = o.get("name").getAsString();
      if (name.startsWith(prefix)) {
        o.addProperty("name", prefix + "<generated>");
      }
    }
    if ("Status".equals(string(o, "kind")) && o.has("message")) {
      o.addProperty("message", DIGITS.matcher(o.get("message").getAsString()).replaceAll("<n>"));
    }
    for (String key : List.of("uid", "resourceVersion", "continue")) {
      if (o.has(key) && o.get(key).isJsonPrimitive() && !o.get(key).getAsString().isEmpty()) {
        o.addProperty(key, "<" + key + ">");
      }
    }
    for (Map.Entry<String, JsonElement> entry : o.entrySet()) {
      JsonElement v = entry.getValue();
      if (v.isJsonPrimitive()
          && v.getAsJsonPrimitive().isString()
          && TIMESTAMP.matcher(v.getAsString()).matches()) {
        entry.setValue(new JsonPrimitive("<time>"));
      } else {
        normaliseInPlace(v, ordered);
      }
    }
    if (!ordered && o.has("items") && o.get("items").isJsonArray()) {
      List<JsonElement> items = new ArrayList<>();
      o.getAsJsonArray("items").forEach(items::add);
      items.sort(Comparator.comparing(FidelityDiff::objectName));
      JsonArray sorted = new JsonArray();
      items.forEach(sorted::add);
      o.add("items", sorted);
    }
  }

  private static String string(JsonObject o, String key) {
    JsonElement v = o.get(key);
    return v != null && v.isJsonPrimitive() ? v.getAsString() : "";
  }

  /**
   * Every difference between two JSON trees, each with its path and both values: a key on one side
   * only, a value that differs (leaves), an array element on one side only. Arrays whose elements
   * each carry a distinct name ({@code name} or {@code metadata.name}, as list items, discovery
   * resources and groups do) pair by name, so that one missing element is one difference, not a
   * shift of every element after it; their order, where it differs, is one difference more.
   */
  static List<String> differences(String at, JsonElement sim, JsonElement real) {
    List<String> out = new ArrayList<>();
    differences(at, sim, real, out);
    return out;
  }

  private static void differences(String at, JsonElement sim, JsonElement real, List<String> out) {
    if (sim.equals(real)) {
      return;
    }
    if (sim.isJsonObject() && real.isJsonObject()) {
      JsonObject s = sim.getAsJsonObject();
      JsonObject r = real.getAsJsonObject();
      for (String key : r.keySet()) {
        if (!s.has(key)) {
          out.add(at + "." + key + " missing on KubeSim (real: " + abbreviate(r.get(key)) + ")");
        } else {
          differences(at + "." + key, s.get(key), r.get(key), out);
        }
      }
      for (String key : s.keySet()) {
        if (!r.has(key)) {
          out.add(at + "." + key + " only on KubeSim (" + abbreviate(s.get(key)) + ")");
        }
      }
      return;
    }
    if (sim.isJsonArray() && real.isJsonArray()) {
      JsonArray s = sim.getAsJsonArray();
      JsonArray r = real.getAsJsonArray();
      Map<String, JsonElement> simByName = byName(s);
      Map<String, JsonElement> realByName = byName(r);
      if (simByName != null && realByName != null) {
        List<String> common = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : realByName.entrySet()) {
          JsonElement other = simByName.get(e.getKey());
          String here = at + "[" + e.getKey() + "]";
          if (other == null) {
            out.add(here + " missing on KubeSim (real: " + abbreviate(e.getValue()) + ")");
          } else {
            common.add(e.getKey());
            differences(here, other, e.getValue(), out);
          }
        }
        for (Map.Entry<String, JsonElement> e : simByName.entrySet()) {
          if (!realByName.containsKey(e.getKey())) {
            out.add(at + "[" + e.getKey() + "] only on KubeSim (" + abbreviate(e.getValue()) + ")");
          }
        }
        List<String> simOrder = new ArrayList<>(simByName.keySet());
        simOrder.retainAll(common);
        if (!simOrder.equals(common)) {
          out.add(
              (at.isEmpty() ? "." : at)
                  + ": order: KubeSim "
                  + abbreviate(simOrder)
                  + ", real "
                  + abbreviate(common));
        }
        return;
      }
      for (int i = 0; i < Math.min(s.size(), r.size()); i++) {
        differences(at + "[" + i + "]", s.get(i), r.get(i), out);
      }
      for (int i = r.size(); i < s.size(); i++) {
        out.add(at + "[" + i + "] only on KubeSim (" + abbreviate(s.get(i)) + ")");
      }
      for (int i = s.size(); i < r.size(); i++) {
        out.add(at + "[" + i + "] missing on KubeSim (real: " + abbreviate(r.get(i)) + ")");
      }
      return;
    }
    out.add(
        (at.isEmpty() ? "." : at) + ": KubeSim " + abbreviate(sim) + ", real " + abbreviate(real));
  }

  /**
   * The array's elements by name, in order, or null when an element is not an object, has no name
   * or repeats one (a watch's events of one object, say): such arrays pair by position.
   */
  private static Map<String, JsonElement> byName(JsonArray array) {
    Map<String, JsonElement> out = new LinkedHashMap<>();
    for (JsonElement e : array) {
      if (!e.isJsonObject()) {
        return null;
      }
      JsonObject o = e.getAsJsonObject();
      JsonElement meta = o.get("metadata");
      JsonElement name =
          meta != null && meta.isJsonObject() ? meta.getAsJsonObject().get("name") : o.get("name");
      if (name == null || !name.isJsonPrimitive() || out.put(name.getAsString(), e) != null) {
        return null;
      }
    }
    return out;
  }

  private static String abbreviate(Object e) {
    String s = String.valueOf(e).replace('\n', ' ');
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }
}
