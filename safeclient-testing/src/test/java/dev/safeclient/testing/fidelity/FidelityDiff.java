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
    String diff = bodyDifference(real.pathAndQuery, sim.body(), real.body());
    if (diff != null) {
      out.add(
          new Difference(area, name, (isWatch(real.pathAndQuery) ? "events: " : "body: ") + diff));
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

  /** The first difference between two bodies after normalising, or null. */
  static String bodyDifference(String pathAndQuery, String sim, String real) {
    if (isWatch(pathAndQuery)) {
      return firstDifference("", events(sim), events(real));
    }
    JsonElement s = parse(sim);
    JsonElement r = parse(real);
    if (s == null || r == null) {
      return sim.equals(real) ? null : "text " + abbreviate(sim) + " vs " + abbreviate(real);
    }
    boolean ordered = pathAndQuery.contains("limit=") || pathAndQuery.contains("continue=");
    return firstDifference("", normalise(s, ordered), normalise(r, ordered));
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

  /** The path of the first difference between two JSON trees, with both values, or null. */
  static String firstDifference(String at, JsonElement sim, JsonElement real) {
    if (sim.equals(real)) {
      return null;
    }
    if (sim.isJsonObject() && real.isJsonObject()) {
      JsonObject s = sim.getAsJsonObject();
      JsonObject r = real.getAsJsonObject();
      for (String key : r.keySet()) {
        if (!s.has(key)) {
          return at + "." + key + " missing on KubeSim (real: " + abbreviate(r.get(key)) + ")";
        }
        String d = firstDifference(at + "." + key, s.get(key), r.get(key));
        if (d != null) {
          return d;
        }
      }
      for (String key : s.keySet()) {
        if (!r.has(key)) {
          return at + "." + key + " only on KubeSim (" + abbreviate(s.get(key)) + ")";
        }
      }
    }
    if (sim.isJsonArray() && real.isJsonArray()) {
      JsonArray s = sim.getAsJsonArray();
      JsonArray r = real.getAsJsonArray();
      for (int i = 0; i < Math.min(s.size(), r.size()); i++) {
        String d = firstDifference(at + "[" + i + "]", s.get(i), r.get(i));
        if (d != null) {
          return d;
        }
      }
      if (s.size() != r.size()) {
        return at + ": " + s.size() + " elements on KubeSim, " + r.size() + " real";
      }
    }
    return (at.isEmpty() ? "." : at)
        + ": KubeSim "
        + abbreviate(sim)
        + ", real "
        + abbreviate(real);
  }

  private static String abbreviate(Object e) {
    String s = String.valueOf(e).replace('\n', ' ');
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }
}
