package dev.safeclient.core.internal.json;

import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What one decode call saw: the path the model adapters are at (for warnings), and the unknown and
 * missing required fields found. One decode runs on one thread inside Gson's adapters, which take
 * no context of their own, so the context is thread-bound for the duration of the call only.
 */
final class DecodeContext {
  private static final ThreadLocal<DecodeContext> CURRENT = new ThreadLocal<>();

  private final String rootName;
  private final DecodeContext outer;

  /** Findings here are thrown away: the input is known not to be the declared type's data. */
  final boolean discarding;

  private ModelType[] types = new ModelType[16];
  private String[] segments = new String[16];
  private int depth;

  /** "Owner.field" to the first path it was seen at, in order of discovery. */
  final Map<String, Finding> unknown = new LinkedHashMap<>();

  final Map<String, Finding> missingRequired = new LinkedHashMap<>();

  /**
   * Every model class on a path that led to an unknown field (updates of these need SC204), with
   * the unknown fields found beneath it.
   */
  final Map<Class<?>, Set<String>> skewedTypes = new IdentityHashMap<>();

  private DecodeContext(String rootName, DecodeContext outer, boolean discarding) {
    this.rootName = rootName;
    this.outer = outer;
    this.discarding = discarding;
  }

  static DecodeContext open(String rootName) {
    return open(rootName, false);
  }

  /** A context for this thread until {@link #close}; the one it hides comes back then. */
  static DecodeContext open(String rootName, boolean discarding) {
    DecodeContext ctx = new DecodeContext(rootName, CURRENT.get(), discarding);
    CURRENT.set(ctx);
    return ctx;
  }

  void close() {
    if (outer == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(outer);
    }
  }

  /** The context of the decode running on this thread; null outside one. */
  static DecodeContext current() {
    return CURRENT.get();
  }

  void enter(ModelType type) {
    if (depth == types.length) {
      types = java.util.Arrays.copyOf(types, depth * 2);
      segments = java.util.Arrays.copyOf(segments, depth * 2);
    }
    types[depth] = type;
    segments[depth] = null;
    depth++;
  }

  void field(String pathSegment) {
    segments[depth - 1] = pathSegment;
  }

  void exit() {
    depth--;
  }

  void unknownField(ModelType owner, String field) {
    String key = owner.name + "." + field;
    for (int i = 0; i < depth; i++) {
      skewedTypes.computeIfAbsent(types[i].type, t -> new HashSet<>()).add(key);
    }
    if (!unknown.containsKey(key)) {
      unknown.put(key, new Finding(owner, field, path(field)));
    }
  }

  void missingRequired(ModelType owner, String field) {
    String key = owner.name + "." + field;
    if (!missingRequired.containsKey(key)) {
      missingRequired.put(key, new Finding(owner, field, path(field)));
    }
  }

  /** Where the adapters are, as {@code V1Pod .spec.containers[].name}, for a warning. */
  private String path(String last) {
    StringBuilder sb = new StringBuilder(rootName).append(' ');
    for (int i = 0; i < depth - 1; i++) {
      sb.append('.').append(segments[i]);
    }
    return sb.append('.').append(last).toString();
  }

  /** One field finding: the model that lacks (or misses) it, the field, and where it was. */
  record Finding(ModelType owner, String field, String path) {}
}
