package dev.safeclient.relay.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The query of a GET, LIST or WATCH, validated as the apiserver validates {@code ListOptions}: the
 * resourceVersion, its match, paging, selectors, and the watch options.
 */
public final class ReadQuery {
  final boolean watch;

  /** Null when unset: a consistent read. */
  final String resourceVersion;

  final String resourceVersionMatch;
  final int limit;
  final String continueToken;
  final boolean allowWatchBookmarks;
  final Boolean sendInitialEvents;
  final Long timeoutSeconds;
  final String labelSelector;
  final String fieldSelector;

  private ReadQuery(Map<String, String> q) {
    this.watch = flag(q.get("watch"));
    String rv = q.get("resourceVersion");
    this.resourceVersion = rv == null || rv.isEmpty() ? null : rv;
    String m = q.get("resourceVersionMatch");
    this.resourceVersionMatch = m == null || m.isEmpty() ? null : m;
    this.limit = (int) number(q, "limit", 0);
    String c = q.get("continue");
    this.continueToken = c == null || c.isEmpty() ? null : c;
    this.allowWatchBookmarks = flag(q.get("allowWatchBookmarks"));
    String sie = q.get("sendInitialEvents");
    this.sendInitialEvents = sie == null || sie.isEmpty() ? null : flag(sie);
    this.timeoutSeconds = q.containsKey("timeoutSeconds") ? number(q, "timeoutSeconds", 0) : null;
    this.labelSelector = q.getOrDefault("labelSelector", "");
    this.fieldSelector = q.getOrDefault("fieldSelector", "");
  }

  /** Parses and validates; throws an {@link ApiStatus} (400 or 422) for what the apiserver refuses. */
  static ReadQuery parse(Map<String, String> query) {
    ReadQuery q = new ReadQuery(query);
    q.validate();
    return q;
  }

  /** The resourceVersion as a number, for a specific one (not unset, not "0"). */
  long specificResourceVersion() {
    try {
      long v = Long.parseLong(resourceVersion);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw invalid("resourceVersion", resourceVersion, "must be a non-negative integer");
    }
  }

  boolean unset() {
    return resourceVersion == null;
  }

  boolean zero() {
    return "0".equals(resourceVersion);
  }

  private void validate() {
    if (resourceVersion != null) {
      specificResourceVersion();
    }
    if (resourceVersionMatch != null
        && !resourceVersionMatch.equals("NotOlderThan")
        && !resourceVersionMatch.equals("Exact")) {
      throw invalid(
          "resourceVersionMatch",
          resourceVersionMatch,
          "supported values: \"Exact\", \"NotOlderThan\", \"\"");
    }
    boolean watchList = watch && Boolean.TRUE.equals(sendInitialEvents);
    if (resourceVersionMatch != null && !watchList && resourceVersion == null) {
      throw forbidden(
          "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided");
    }
    if ("Exact".equals(resourceVersionMatch) && zero()) {
      throw forbidden(
          "resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
    }
    if (continueToken != null && resourceVersionMatch != null) {
      throw forbidden(
          "resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided");
    }
    if (continueToken != null && resourceVersion != null && !zero()) {
      throw forbidden(
          "resourceVersion", "specifying resource version is not allowed when using continue");
    }
    if (sendInitialEvents != null) {
      if (!watch) {
        throw forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list");
      }
      if (!"NotOlderThan".equals(resourceVersionMatch)) {
        throw forbidden(
            "resourceVersionMatch",
            "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
      }
      if (sendInitialEvents && !allowWatchBookmarks) {
        throw forbidden(
            "allowWatchBookmarks", "allowWatchBookmarks must be true if sendInitialEvents = true");
      }
    } else if (watch && resourceVersionMatch != null) {
      throw forbidden(
          "resourceVersionMatch",
          "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
    }
  }

  /** A continue token of the apiserver's format: base64url of {v, rv, start}. */
  record Continue(long resourceVersion, String start) {
    String encode() {
      JsonObject o = new JsonObject();
      o.addProperty("v", "meta.k8s.io/v1");
      o.addProperty("rv", resourceVersion);
      o.addProperty("start", start);
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(o.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The token continuing after {@code lastKey}, NUL-terminated as etcd3's next key. */
    static Continue after(long rv, String lastKey) {
      return new Continue(rv, lastKey + "\u0000");
    }

    static Continue decode(String token) {
      try {
        String json =
            new String(
                Base64.getUrlDecoder().decode(token.replace('+', '-').replace('/', '_').replace("=", "")),
                StandardCharsets.UTF_8);
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        if (!"meta.k8s.io/v1".equals(o.get("v").getAsString())) {
          throw badContinue("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
        long rv = o.get("rv").getAsLong();
        if (rv <= 0) {
          throw badContinue("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }
        return new Continue(rv, o.get("start").getAsString());
      } catch (ApiStatus s) {
        throw s;
      } catch (RuntimeException e) {
        throw badContinue("invalid character");
      }
    }

    private static ApiStatus badContinue(String why) {
      return ApiStatus.badRequest("continue key is not valid: " + why);
    }
  }

  // ---- selectors ----

  /** The fields every type's selector may name; the per-type ones are below. */
  private static final Set<String> META_FIELDS = Set.of("metadata.name", "metadata.namespace");

  /** The field labels the apiserver registers per type (its {@code AddFieldLabelConversionFunc}s). */
  private static final Map<String, Set<String>> TYPE_FIELDS =
      Map.of(
          "pods",
          Set.of(
              "spec.nodeName",
              "spec.restartPolicy",
              "spec.schedulerName",
              "spec.serviceAccountName",
              "spec.hostNetwork",
              "status.phase",
              "status.podIP",
              "status.podIPs",
              "status.nominatedNodeName"),
          "secrets",
          Set.of("type"),
          "events",
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
              "type"),
          "nodes",
          Set.of("spec.unschedulable"),
          "namespaces",
          Set.of("status.phase"),
          "replicasets",
          Set.of("status.replicas"),
          "jobs",
          Set.of("status.successful"));

  /** The selection this query names, for {@code plural} in {@code namespace} (null: all). */
  Selection selection(String plural, String group, String namespace) {
    List<Selection.Requirement> labels = parseLabels(labelSelector);
    List<Selection.FieldTerm> fields = parseFields(fieldSelector, plural, group);
    return new Selection(namespace, labels, fields);
  }

  static List<Selection.FieldTerm> parseFields(String s, String plural, String group) {
    List<Selection.FieldTerm> terms = new ArrayList<>();
    if (s == null || s.isBlank()) {
      return terms;
    }
    for (String term : s.split(",")) {
      String t = term.trim();
      boolean equal;
      String[] kv;
      if (t.contains("!=")) {
        equal = false;
        kv = t.split("!=", 2);
      } else if (t.contains("==")) {
        equal = true;
        kv = t.split("==", 2);
      } else if (t.contains("=")) {
        equal = true;
        kv = t.split("=", 2);
      } else {
        throw ApiStatus.badRequest("invalid field selector: " + t);
      }
      String field = kv[0].trim();
      if (!META_FIELDS.contains(field)
          && !TYPE_FIELDS.getOrDefault(plural, Set.of()).contains(field)) {
        throw ApiStatus.badRequest(
            "Unable to find \"/"
                + (group.isEmpty() ? "v1" : group)
                + ", Resource="
                + plural
                + "\" that match label selector \"\", field selector \""
                + s
                + "\": field label not supported: "
                + field);
      }
      terms.add(new Selection.FieldTerm(field, equal, kv[1].trim()));
    }
    return terms;
  }

  static List<Selection.Requirement> parseLabels(String s) {
    List<Selection.Requirement> reqs = new ArrayList<>();
    if (s == null || s.isBlank()) {
      return reqs;
    }
    for (String term : splitTopLevel(s)) {
      String t = term.trim();
      String lower = t;
      if (t.startsWith("!")) {
        reqs.add(new Selection.Requirement(key(t.substring(1).trim()), "!", Set.of()));
      } else if (lower.matches("^[^\\s=!]+\\s+(in|notin)\\s*\\(.*\\)$")) {
        String[] parts = t.split("\\s+", 2);
        String rest = parts[1].trim();
        String op = rest.startsWith("notin") ? "notin" : "in";
        String inner = rest.substring(rest.indexOf('(') + 1, rest.lastIndexOf(')'));
        Set<String> values = new LinkedHashSet<>();
        for (String v : inner.split(",")) {
          values.add(value(v.trim()));
        }
        reqs.add(new Selection.Requirement(key(parts[0]), op, values));
      } else if (t.contains("!=")) {
        String[] kv = t.split("!=", 2);
        reqs.add(new Selection.Requirement(key(kv[0].trim()), "!=", Set.of(value(kv[1].trim()))));
      } else if (t.contains("==")) {
        String[] kv = t.split("==", 2);
        reqs.add(new Selection.Requirement(key(kv[0].trim()), "=", Set.of(value(kv[1].trim()))));
      } else if (t.contains("=")) {
        String[] kv = t.split("=", 2);
        reqs.add(new Selection.Requirement(key(kv[0].trim()), "=", Set.of(value(kv[1].trim()))));
      } else {
        reqs.add(new Selection.Requirement(key(t), "exists", Set.of()));
      }
    }
    return reqs;
  }

  private static List<String> splitTopLevel(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    StringBuilder cur = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      if (c == ',' && depth == 0) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }

  private static final String NAME = "([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)";

  private static String key(String k) {
    if (!k.matches("^(" + "[a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?" + NAME + "$") || k.length() > 316) {
      throw ApiStatus.badRequest(
          "unable to parse requirement: <nil>: Invalid value: \""
              + k
              + "\": name part must consist of alphanumeric characters, '-', '_' or '.'");
    }
    return k;
  }

  private static String value(String v) {
    if (!v.isEmpty() && !v.matches("^" + NAME + "$") || v.length() > 63) {
      throw ApiStatus.badRequest(
          "unable to parse requirement: <nil>: Invalid value: \""
              + v
              + "\": a valid label must be an empty string or consist of alphanumeric characters");
    }
    return v;
  }

  private static boolean flag(String v) {
    return v != null && (v.equals("true") || v.equals("1"));
  }

  private static long number(Map<String, String> q, String name, long dflt) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiStatus.badRequest(
          "couldn't parse query parameter " + name + ": strconv.ParseInt: parsing \"" + v + "\": invalid syntax");
    }
  }

  private static ApiStatus invalid(String field, String value, String detail) {
    return ApiStatus.of(
        422,
        "Invalid",
        "ListOptions.meta.k8s.io \"\" is invalid: "
            + field
            + ": Invalid value: \""
            + value
            + "\": "
            + detail,
        null);
  }

  private static ApiStatus forbidden(String field, String detail) {
    return ApiStatus.of(
        422,
        "Invalid",
        "ListOptions.meta.k8s.io \"\" is invalid: " + field + ": Forbidden: " + detail,
        null);
  }
}
