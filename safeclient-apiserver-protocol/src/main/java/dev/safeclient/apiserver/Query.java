package dev.safeclient.apiserver;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A request's query parameters, each name with its values in order (Go's {@code url.Values}). */
public final class Query {
  private static final Query EMPTY = new Query(Map.of());

  private final Map<String, List<String>> values;

  private Query(Map<String, List<String>> values) {
    this.values = values;
  }

  /**
   * The parameters of a raw query string ({@code a=1&b=x%20y}); null or empty is none. A pair with
   * a semicolon or a bad escape is skipped, as Go's {@code url.ParseQuery} skips it and {@code
   * req.URL.Query()} ignores the error: the apiserver authorizes and serves the request without it.
   */
  public static Query parse(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return EMPTY;
    }
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty() || pair.indexOf(';') >= 0) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name;
      String value;
      try {
        name = decode(eq < 0 ? pair : pair.substring(0, eq));
        value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      } catch (IllegalArgumentException badEscape) {
        continue;
      }
      m.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return of(m);
  }

  /** Already decoded parameters (a server's own parsing). */
  public static Query of(Map<String, ? extends List<String>> decoded) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    decoded.forEach((k, v) -> m.put(k, List.copyOf(v)));
    return new Query(Collections.unmodifiableMap(m));
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** The first value of {@code name}, or null if absent (Go's {@code Values.Get} but null). */
  public String first(String name) {
    List<String> v = values.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** The first value of {@code name}, or "" if absent. */
  public String get(String name) {
    String v = first(name);
    return v == null ? "" : v;
  }

  /** Every value of {@code name} ({@code dryRun=All&dryRun=All}). */
  public List<String> all(String name) {
    List<String> v = values.get(name);
    return v == null ? List.of() : v;
  }

  /** True if {@code name} is present, even with an empty value. */
  public boolean has(String name) {
    return values.containsKey(name);
  }

  /**
   * A boolean parameter as the apiserver's parameter codec reads it (Convert_Slice_string_To_bool):
   * absent, {@code "0"} and {@code "false"} (any case) are false; anything else, empty included, is
   * true.
   */
  public boolean flag(String name) {
    String v = first(name);
    return v != null && !v.equals("0") && !v.equalsIgnoreCase("false");
  }

  /** The parameters as a map. */
  public Map<String, List<String>> asMap() {
    return values;
  }

  @Override
  public String toString() {
    // Names only: values may carry selectors or tokens that stay out of logs.
    return "Query" + values.keySet();
  }
}
