package dev.safeclient.relay.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of relay.yaml, read key by key: every error names the key by its full path ({@code
 * resources[0].plural}), and {@link #noOtherKeys()} refuses the keys nobody read, so a misspelt
 * option is an error rather than a silently ignored default.
 */
final class YamlSection {
  // Go's duration units as kubectl and the apiserver's flags write them, less the sub-millisecond.
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  // Kubernetes quantities' binary suffixes, as a container's memory limit is written.
  private static final Pattern BYTES = Pattern.compile("(\\d+)(Ki|Mi|Gi)?");

  private final String path;
  private final Map<String, Object> values;
  private final Set<String> read = new TreeSet<>();

  private YamlSection(String path, Map<String, Object> values) {
    this.path = path;
    this.values = values;
  }

  static YamlSection root(Object document) throws ConfigException {
    if (!(document instanceof Map<?, ?>)) {
      throw new ConfigException("the configuration is not a YAML mapping of keys to values");
    }
    return of("", document);
  }

  private static YamlSection of(String path, Object value) throws ConfigException {
    Map<String, Object> m = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
      if (!(e.getKey() instanceof String k)) {
        throw new ConfigException(where(path, String.valueOf(e.getKey())) + ": not a key name");
      }
      m.put(k, e.getValue());
    }
    return new YamlSection(path, m);
  }

  String path(String key) {
    return where(path, key);
  }

  private static String where(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    return values.get(key) != null;
  }

  YamlSection section(String key) throws ConfigException {
    Object v = take(key);
    if (v == null) {
      return new YamlSection(path(key), Map.of());
    }
    if (!(v instanceof Map<?, ?>)) {
      throw new ConfigException(path(key) + ": a mapping of keys to values is expected");
    }
    return of(path(key), v);
  }

  List<YamlSection> sections(String key) throws ConfigException {
    Object v = take(key);
    if (!(v instanceof List<?> list)) {
      throw new ConfigException(
          path(key) + (v == null ? ": required" : ": a list of mappings is expected"));
    }
    List<YamlSection> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = path(key) + "[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?>)) {
        throw new ConfigException(at + ": a mapping of keys to values is expected");
      }
      out.add(of(at, list.get(i)));
    }
    return out;
  }

  String string(String key, String orElse) throws ConfigException {
    Object v = take(key);
    if (v == null) {
      return orElse;
    }
    if (!(v instanceof String s)) {
      throw new ConfigException(path(key) + ": a string is expected (quote it)");
    }
    return s;
  }

  String requiredString(String key) throws ConfigException {
    String s = string(key, null);
    if (s == null || s.isBlank()) {
      throw new ConfigException(path(key) + ": required");
    }
    return s;
  }

  boolean bool(String key, boolean orElse) throws ConfigException {
    Object v = take(key);
    if (v == null) {
      return orElse;
    }
    if (!(v instanceof Boolean b)) {
      throw new ConfigException(path(key) + ": true or false is expected");
    }
    return b;
  }

  boolean requiredBool(String key) throws ConfigException {
    if (!has(key)) {
      throw new ConfigException(path(key) + ": required (true or false)");
    }
    return bool(key, false);
  }

  long number(String key, long orElse, long min, long max) throws ConfigException {
    Object v = take(key);
    if (v == null) {
      return orElse;
    }
    if (!(v instanceof Integer || v instanceof Long)) {
      throw new ConfigException(path(key) + ": a whole number is expected");
    }
    return inRange(key, ((Number) v).longValue(), min, max);
  }

  double decimal(String key, double orElse, double min) throws ConfigException {
    Object v = take(key);
    if (v == null) {
      return orElse;
    }
    if (!(v instanceof Number n) || !(n.doubleValue() >= min) || n.doubleValue() > 1e9) {
      throw new ConfigException(path(key) + ": a number of at least " + min + " is expected");
    }
    return n.doubleValue();
  }

  /** {@code 90s}, {@code 1m}, {@code 500ms}, {@code 0s}. */
  Duration duration(String key, Duration orElse) throws ConfigException {
    Object v = take(key);
    if (v == null) {
      return orElse;
    }
    Matcher m = DURATION.matcher(String.valueOf(v));
    if (!(v instanceof String) || !m.matches()) {
      throw new ConfigException(
          path(key) + ": a duration such as 500ms, 10s, 1m or 1h is expected");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** A byte count: {@code 134217728} or {@code 128Mi}. */
  long bytes(String key, long orElse) throws ConfigException {
    Object v = take(key);
    if (v == null) {
      return orElse;
    }
    Matcher m = BYTES.matcher(String.valueOf(v));
    if (!(v instanceof String || v instanceof Integer || v instanceof Long) || !m.matches()) {
      throw new ConfigException(
          path(key) + ": a byte count such as 134217728 or 128Mi is expected");
    }
    int shift =
        m.group(2) == null
            ? 0
            : switch (m.group(2)) {
              case "Ki" -> 10;
              case "Mi" -> 20;
              default -> 30;
            };
    long n;
    try {
      n = Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new ConfigException(path(key) + ": too large");
    }
    return inRange(key, n, 1, Long.MAX_VALUE);
  }

  private long inRange(String key, long n, long min, long max) throws ConfigException {
    if (n < min || n > max) {
      throw new ConfigException(path(key) + ": " + n + " is not in [" + min + ", " + max + "]");
    }
    return n;
  }

  private Object take(String key) {
    read.add(key);
    return values.get(key);
  }

  /** Refuses the keys no one read: a misspelt key is an error, not an ignored default. */
  void noOtherKeys() throws ConfigException {
    Set<String> unknown = new TreeSet<>(values.keySet());
    unknown.removeAll(read);
    if (!unknown.isEmpty()) {
      String first = unknown.iterator().next();
      throw new ConfigException(
          path(first) + ": unknown key" + (read.isEmpty() ? "" : " (known here: " + read + ")"));
    }
  }
}
