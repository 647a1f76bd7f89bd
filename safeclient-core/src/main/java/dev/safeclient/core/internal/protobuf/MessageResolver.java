package dev.safeclient.core.internal.protobuf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the Protobuf message of a top-level object: from its {@code apiVersion}/{@code kind}, or
 * from the model class the caller expects ({@code V1Pod}, {@code CoreV1Event}, {@code
 * V1beta1ResourceClaim}). Nested messages need no lookup: they follow from the fields.
 */
final class MessageResolver {
  private static final Pattern MODEL_NAME =
      Pattern.compile("^([A-Z][a-z]+)?(V\\d+(?:alpha\\d+|beta\\d+)?)([A-Z]\\w*)$");
  private static final Map<String, ProtoSchema.Message> BY_CLASS = new ConcurrentHashMap<>();
  private static final ProtoSchema.Message NONE =
      new ProtoSchema.Message("none.none.None", false, List.of());

  private static final Map<String, Optional<Class<?>>> MODEL_OF = new ConcurrentHashMap<>();

  private MessageResolver() {}

  /** The client-java model of a message, when there is one ({@code V1PodSpec}, ...). */
  static Class<?> modelFor(ProtoSchema.Message m) {
    return MODEL_OF
        .computeIfAbsent(
            m.fullName,
            k -> {
              String v = m.version();
              String cv = Character.toUpperCase(v.charAt(0)) + v.substring(1);
              String g = m.groupSegment();
              String cg = g.isEmpty() ? "" : Character.toUpperCase(g.charAt(0)) + g.substring(1);
              for (String name : List.of(cg + cv + m.simpleName(), cv + m.simpleName())) {
                try {
                  Class<?> c = Class.forName("io.kubernetes.client.openapi.models." + name);
                  if (forClass(c, "") == m) {
                    return Optional.of(c);
                  }
                } catch (ClassNotFoundException e) {
                  // the next naming scheme
                }
              }
              return Optional.empty();
            })
        .orElse(null);
  }

  private static final Map<String, Boolean> GROUP_VERSIONS = new ConcurrentHashMap<>();

  /** Whether any release's schema has a message in this group/version ({@code ""}, {@code v1}). */
  static boolean hasGroupVersion(String group, String version) {
    return GROUP_VERSIONS.computeIfAbsent(
        group + '/' + version,
        k -> {
          for (ProtoSchema.Message m : ProtoSchema.get().messages()) {
            if (!m.mapEntry
                && m.version().equals(version)
                && groupMatches(m.groupSegment(), group)
                && !m.groupSegment().equals("meta")) {
              return true;
            }
          }
          return false;
        });
  }

  static ProtoSchema.Message byTypeMeta(String apiVersion, String kind) {
    if (kind == null || kind.isEmpty()) {
      return null;
    }
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    List<ProtoSchema.Message> c = filter(ProtoSchema.get().bySimpleName(kind), version, group);
    return c.isEmpty() ? null : c.get(0);
  }

  /** The message for a model class; {@code apiVersionHint} (may be empty) breaks ties. */
  static ProtoSchema.Message forClass(Class<?> type, String apiVersionHint) {
    String key = type.getName() + '|' + apiVersionHint;
    ProtoSchema.Message m = BY_CLASS.get(key);
    if (m == null) {
      m = resolve(type, apiVersionHint);
      BY_CLASS.put(key, m == null ? NONE : m);
    }
    return m == NONE ? null : m;
  }

  private static ProtoSchema.Message resolve(Class<?> type, String hint) {
    Matcher mm = MODEL_NAME.matcher(type.getSimpleName());
    if (!mm.matches()) {
      return null;
    }
    String groupPrefix = mm.group(1);
    String version = mm.group(2).toLowerCase(Locale.ROOT);
    List<ProtoSchema.Message> c = new ArrayList<>();
    for (ProtoSchema.Message m : ProtoSchema.get().bySimpleName(mm.group(3))) {
      if (m.version().equals(version)
          && (groupPrefix == null || m.groupSegment().equalsIgnoreCase(groupPrefix))) {
        c.add(m);
      }
    }
    if (c.size() > 1 && hint != null && !hint.isEmpty()) {
      String group = hint.contains("/") ? hint.substring(0, hint.indexOf('/')) : "";
      List<ProtoSchema.Message> byGroup = filter(c, version, group);
      if (!byGroup.isEmpty()) {
        c = byGroup;
      }
    }
    if (c.size() <= 1) {
      return c.isEmpty() ? null : c.get(0);
    }
    // Same name and version in two groups (Scale, Eviction, ...): the one whose field names
    // match the model's best.
    var fields = ModelBinding.modelFields(type);
    ProtoSchema.Message best = null;
    int bestScore = -1;
    for (ProtoSchema.Message m : c) {
      int score = 0;
      for (ProtoSchema.Field f : m.fields) {
        score += fields.containsKey(f.name) ? 1 : -1;
      }
      if (score > bestScore) {
        best = m;
        bestScore = score;
      }
    }
    return best;
  }

  private static List<ProtoSchema.Message> filter(
      List<ProtoSchema.Message> in, String version, String group) {
    List<ProtoSchema.Message> out = new ArrayList<>();
    for (ProtoSchema.Message m : in) {
      if (m.version().equals(version) && groupMatches(m.groupSegment(), group)) {
        out.add(m);
      }
    }
    return out;
  }

  private static boolean groupMatches(String segment, String group) {
    if (group.isEmpty()) {
      return segment.equals("core") || segment.equals("meta");
    }
    String first = group.contains(".") ? group.substring(0, group.indexOf('.')) : group;
    if (first.equals("internal")) {
      return segment.equals("apiserverinternal");
    }
    return segment.equals(first);
  }
}
