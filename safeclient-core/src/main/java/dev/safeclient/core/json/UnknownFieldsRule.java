package dev.safeclient.core.json;

import dev.safeclient.core.warning.WarningChannel;
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

  private final WarningChannel warnings;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final Map<Class<?>, Set<String>> skewedTypes = new ConcurrentHashMap<>();

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
    for (Map.Entry<String, DecodeContext.Finding> e : ctx.unknown.entrySet()) {
      if (firstTime("unknown " + e.getKey())) {
        DecodeContext.Finding f = e.getValue();
        warn(
            "the server sent field '"
                + f.field()
                + "' that client-java's "
                + f.owner().name
                + " does not know (at "
                + f.path()
                + "); it is kept and written back when this same object is updated. Upgrade"
                + " client-java to read it.",
            requestLine.get());
      }
    }
    for (Map.Entry<String, DecodeContext.Finding> e : ctx.missingRequired.entrySet()) {
      if (firstTime("missing " + e.getKey())) {
        DecodeContext.Finding f = e.getValue();
        warn(
            "the server did not send field '"
                + f.field()
                + "' that client-java's "
                + f.owner().name
                + " marks required (at "
                + f.path()
                + "); it is left null. The server's version of this API differs from the"
                + " models'.",
            requestLine.get());
      }
    }
  }

  /** A field another decoder could not keep: SC203 once, and SC204 for updates of the type. */
  void reportUnkept(Class<?> rootType, String field, String requestLine) {
    Set<String> examples =
        skewedTypes.computeIfAbsent(rootType, k -> ConcurrentHashMap.newKeySet());
    if (examples.size() < MAX_EXAMPLES_PER_TYPE) {
      examples.add(field);
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
   * Unknown fields seen inside objects of this type (directly or nested), as {@code
   * V1PodSpec.evictionResponders}; empty if none.
   */
  Set<String> unknownFieldsWithin(Class<?> type) {
    Set<String> s = skewedTypes.get(type);
    return s == null ? Set.of() : s;
  }
}
