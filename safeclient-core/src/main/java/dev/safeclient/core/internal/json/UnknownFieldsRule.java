package dev.safeclient.core.internal.json;

import dev.safeclient.core.internal.warning.WarningChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * SC203: the server sent a field client-java's models do not know (a newer server, a beta API that
 * changed), or left out one they mark required (an older server). The object decodes anyway:
 * unknown fields are kept for a later update, a missing required field stays null. Warns once per
 * (model, field), never with a value: values can be Secret data.
 */
final class UnknownFieldsRule {
  static final String ID = "SC203";

  // Far above the distinct (model, field) pairs a real server can produce (client-java 27 has
  // about 2,300 models); it only bounds memory against a hostile or broken server, after which the
  // channel's own rate limit per (rule, call site) still holds the flood.
  private static final int MAX_REMEMBERED = 10_000;

  // A handful of examples is enough for an SC204 message; the set must not grow with the server.
  private static final int MAX_EXAMPLES_PER_TYPE = 8;

  // A server a few minor versions ahead adds a couple of dozen fields to a rich type like Pod
  // (the 1.37 fixture: about 20); past this the warning would be unreadable, and the rest are
  // left for the next decode's warning instead of being marked as warned.
  private static final int MAX_LISTED = 40;

  private final WarningChannel warnings;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final Map<Class<?>, Set<String>> skewedTypes = new ConcurrentHashMap<>();
  private final Map<Class<?>, Set<String>> lossyTypes = new ConcurrentHashMap<>();

  UnknownFieldsRule(WarningChannel warnings) {
    this.warnings = warnings;
  }

  /** Called once a decode has succeeded: warns for what is new and marks the types for SC204. */
  void report(DecodeContext ctx, Supplier<String> requestLine) {
    if (ctx.unknown.isEmpty() && ctx.missingRequired.isEmpty()) {
      return;
    }
    for (Map.Entry<Class<?>, Set<String>> t : ctx.skewedTypes.entrySet()) {
      Set<String> examples =
          skewedTypes.computeIfAbsent(t.getKey(), k -> ConcurrentHashMap.newKeySet());
      for (String key : t.getValue()) {
        if (examples.size() >= MAX_EXAMPLES_PER_TYPE) {
          break;
        }
        examples.add(key);
      }
    }
    List<DecodeContext.Finding> unknown = firstTimes("unknown ", ctx.unknown);
    if (!unknown.isEmpty()) {
      warn(
          "the server sent "
              + describe(unknown)
              + " that client-java's models do not know; kept, and written back when the same"
              + " object is updated. Upgrade client-java to read them.",
          requestLine.get());
    }
    List<DecodeContext.Finding> missing = firstTimes("missing ", ctx.missingRequired);
    if (!missing.isEmpty()) {
      warn(
          "the server did not send "
              + describe(missing)
              + " that client-java's models mark required; left null. The server's version of"
              + " this API differs from the models'.",
          requestLine.get());
    }
  }

  /**
   * The findings not warned about before. One decode gives one warning listing them all, so that
   * the channel's rate limit per (rule, call site) cannot hide all but the first field.
   */
  private List<DecodeContext.Finding> firstTimes(
      String kind, Map<String, DecodeContext.Finding> findings) {
    List<DecodeContext.Finding> out = new ArrayList<>();
    for (Map.Entry<String, DecodeContext.Finding> e : findings.entrySet()) {
      if (out.size() == MAX_LISTED) {
        break;
      }
      if (firstTime(kind + e.getKey())) {
        out.add(e.getValue());
      }
    }
    return out;
  }

  private static String describe(List<DecodeContext.Finding> findings) {
    StringBuilder sb = new StringBuilder(findings.size() == 1 ? "field " : "fields ");
    for (int i = 0; i < findings.size(); i++) {
      DecodeContext.Finding f = findings.get(i);
      if (i > 0) {
        sb.append(", ");
      }
      sb.append('\'')
          .append(f.field())
          .append("' of ")
          .append(f.owner().name)
          .append(" (at ")
          .append(f.path())
          .append(')');
    }
    return sb.toString();
  }

  /** Fields another decoder (Protobuf) kept beside the objects: as {@link #report} for JSON. */
  void reportKept(Map<Class<?>, Set<String>> within, Set<String> fields, String requestLine) {
    for (Map.Entry<Class<?>, Set<String>> t : within.entrySet()) {
      Set<String> examples =
          skewedTypes.computeIfAbsent(t.getKey(), k -> ConcurrentHashMap.newKeySet());
      for (String key : t.getValue()) {
        if (examples.size() >= MAX_EXAMPLES_PER_TYPE) {
          break;
        }
        examples.add(key);
      }
    }
    List<String> fresh = new ArrayList<>();
    for (String f : fields) {
      if (fresh.size() == MAX_LISTED) {
        break;
      }
      if (firstTime("unknown " + f)) {
        fresh.add(f);
      }
    }
    if (!fresh.isEmpty()) {
      warn(
          "the server sent "
              + (fresh.size() == 1 ? "field " : "fields ")
              + String.join(", ", fresh)
              + " that client-java's models do not know; kept, and written back when the same"
              + " object is updated. Upgrade client-java to read them.",
          requestLine);
    }
  }

  /** A field another decoder could not keep: SC203 once, and SC204 for updates of the type. */
  void reportUnkept(Class<?> rootType, String field, String requestLine) {
    Set<String> examples =
        skewedTypes.computeIfAbsent(rootType, k -> ConcurrentHashMap.newKeySet());
    if (examples.size() < MAX_EXAMPLES_PER_TYPE) {
      examples.add(field);
    }
    Set<String> lost = lossyTypes.computeIfAbsent(rootType, k -> ConcurrentHashMap.newKeySet());
    if (lost.size() < MAX_EXAMPLES_PER_TYPE) {
      lost.add(field);
    }
    if (firstTime("unkept " + rootType.getName() + " " + field)) {
      warn(
          "the server sent "
              + field
              + " in a "
              + rootType.getSimpleName()
              + " that client-java's models do not know and that cannot be kept; an update of"
              + " such an object would wipe it. Upgrade client-java to read it.",
          requestLine);
    }
  }

  private boolean firstTime(String key) {
    if (warned.contains(key)) {
      return false;
    }
    if (warned.size() >= MAX_REMEMBERED) {
      return true;
    }
    return warned.add(key);
  }

  private void warn(String message, String requestLine) {
    if (warnings != null) {
      warnings.warn(ID, message, requestLine);
    }
  }

  /**
   * Fields another decoder (Protobuf) could not keep in objects of this type; empty if none. The
   * objects of such a kind were delivered without them: a lossy kind.
   */
  Set<String> unkeptFieldsWithin(Class<?> type) {
    Set<String> s = lossyTypes.get(type);
    return s == null ? Set.of() : s;
  }

  /**
   * Unknown fields seen inside objects of this type (directly or nested), as {@code
   * V1PodSpec.evictionResponders}; empty if none.
   */
  Set<String> unknownFieldsWithin(Class<?> type) {
    Set<String> s = skewedTypes.get(type);
    return s == null ? Set.of() : s;
  }
}
