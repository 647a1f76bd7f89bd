package dev.safeclient.informer.internal;

import com.github.benmanes.caffeine.cache.Interner;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes a decoded object share its repeated values with every other cached object, before it is
 * cached: one instance of each namespace, label key and value, image, env name, condition type,
 * port number and resource quantity for the whole process, instead of one per object. The JSON
 * decoder makes a fresh {@code String} (40 bytes and more) for every value of every object, and
 * most of a pod's values repeat across thousands of pods.
 *
 * <p>Lossless: the object still {@code equals} what the server sent, field by field. Only immutable
 * values are shared ({@code String}, boxed numbers, {@link Quantity}, {@link IntOrString}, {@link
 * OffsetDateTime}); lists and maps stay the object's own and mutable (handlers that change a cached
 * object only break their own cache, as before). Lists are trimmed to their size, and maps are
 * rebuilt as insertion-ordered {@link LinkedHashMap}s holding the shared keys and values.
 *
 * <p>Values that are unique per object (uid, resourceVersion, name, IPs, container IDs) are left as
 * they are: a table entry would cost more than the value.
 */
public final class ObjectInterner {
  /**
   * Field names whose values are unique per object, or nearly: interning them would add a weak
   * table entry (~60 bytes) per value and share nothing.
   */
  static final Set<String> UNIQUE_FIELDS =
      Set.of("uid", "resourceVersion", "containerID", "podIP", "ip", "selfLink");

  /** An object's own name is unique in its namespace; other {@code name} fields repeat. */
  static final String OBJECT_META = "io.kubernetes.client.openapi.models.V1ObjectMeta";

  /** Model classes nest a dozen levels at most; deeper is a cycle or not a model. */
  static final int MAX_DEPTH = 64;

  /**
   * Distinct {@link Quantity} values kept. A cluster has a few hundred distinct requests and
   * limits; beyond this, new ones are simply not shared, so the table cannot grow without bound.
   */
  static final int MAX_QUANTITIES = 10_000;

  private static final ObjectInterner PROCESS = new ObjectInterner();

  /** Weak: a value no cached object holds any more leaves the table with the last holder. */
  private final Interner<Object> values = Interner.newWeakInterner();

  // Quantity.equals compares the number only ("1Gi" equals "1073741824"): keyed on both parts.
  private final Map<QuantityKey, Quantity> quantities = new ConcurrentHashMap<>();
  private final Map<Class<?>, Slot[]> fields = new ConcurrentHashMap<>();

  /** The interner every informer of this JVM shares. */
  static ObjectInterner process() {
    return PROCESS;
  }

  /** Shares {@code object}'s repeated values in place and returns it. */
  public <T> T intern(T object) {
    if (object != null) {
      walk(object, new IdentityHashMap<>(), 0);
    }
    return object;
  }

  /**
   * The value to keep in place of {@code value} in a field named {@code field}: a shared instance,
   * or {@code value} itself after its own fields were walked.
   */
  private Object value(Object value, boolean unique, Map<Object, Object> local, int depth) {
    if (value == null) {
      return null;
    }
    if (value instanceof String s) {
      return unique ? s : values.intern(s);
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
      return values.intern(value);
    }
    if (value instanceof IntOrString) {
      return values.intern(value);
    }
    if (value instanceof Quantity q) {
      return quantity(q);
    }
    if (value instanceof OffsetDateTime) {
      // Times repeat within one object (conditions, start times), rarely across objects.
      return local.computeIfAbsent(value, v -> v);
    }
    if (value instanceof List<?> list) {
      list(list, unique, local, depth);
      return value;
    }
    if (value instanceof Map<?, ?> map) {
      return map(map, local, depth);
    }
    if (isModel(value.getClass())) {
      walk(value, local, depth + 1);
    }
    return value;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void list(List<?> list, boolean unique, Map<Object, Object> local, int depth) {
    ListIterator it = list.listIterator();
    boolean settable = true;
    while (it.hasNext()) {
      Object v = it.next();
      Object shared = value(v, unique, local, depth + 1);
      if (shared != v && settable) {
        try {
          it.set(shared);
        } catch (UnsupportedOperationException e) {
          // An immutable list from a user's transform: its elements are still walked.
          settable = false;
        }
      }
    }
    if (list instanceof ArrayList<?> a) {
      a.trimToSize();
    }
  }

  private Map<?, ?> map(Map<?, ?> map, Map<Object, Object> local, int depth) {
    String type = map.getClass().getName();
    if (!type.equals("com.google.gson.internal.LinkedTreeMap")
        && !type.equals("java.util.LinkedHashMap")
        && !type.equals("java.util.HashMap")) {
      // A sorted or immutable map a user's transform chose: kept as it is.
      return map;
    }
    // Gson's LinkedTreeMap costs about 50 bytes an entry and cannot take new keys in place.
    Map<Object, Object> out = new LinkedHashMap<>((int) (map.size() / 0.75f) + 1);
    for (Map.Entry<?, ?> e : map.entrySet()) {
      out.put(
          value(e.getKey(), false, local, depth + 1), value(e.getValue(), false, local, depth + 1));
    }
    return out;
  }

  private Quantity quantity(Quantity q) {
    QuantityKey key = new QuantityKey(q.getNumber(), q.getFormat());
    Quantity shared = quantities.get(key);
    if (shared != null) {
      return shared;
    }
    if (quantities.size() < MAX_QUANTITIES) {
      quantities.putIfAbsent(key, q);
    }
    return q;
  }

  private void walk(Object object, Map<Object, Object> local, int depth) {
    if (depth > MAX_DEPTH) {
      return;
    }
    for (Slot s : fields.computeIfAbsent(object.getClass(), ObjectInterner::instanceFields)) {
      try {
        Object v = s.field.get(object);
        if (v == null) {
          continue;
        }
        Object shared = value(v, s.unique, local, depth);
        if (shared != v && s.field.getType().isInstance(shared)) {
          s.field.set(object, shared);
        }
      } catch (IllegalAccessException e) {
        // instanceFields() only keeps fields it could open
      }
    }
  }

  /** Classes whose fields are walked: client-java's models and user types, never the JDK's. */
  private static boolean isModel(Class<?> c) {
    String n = c.getName();
    return !c.isEnum()
        && !c.isArray()
        && !n.startsWith("java.")
        && !n.startsWith("javax.")
        && !n.startsWith("jdk.")
        && !n.startsWith("com.google.gson.");
  }

  private static Slot[] instanceFields(Class<?> type) {
    List<Slot> out = new ArrayList<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        int m = f.getModifiers();
        if (Modifier.isStatic(m) || Modifier.isFinal(m) || f.getType().isPrimitive()) {
          continue;
        }
        try {
          f.setAccessible(true);
          boolean unique =
              UNIQUE_FIELDS.contains(f.getName())
                  || (f.getName().equals("name") && c.getName().equals(OBJECT_META));
          out.add(new Slot(f, unique));
        } catch (InaccessibleObjectException | SecurityException e) {
          // a type we may not open is left as decoded
        }
      }
    }
    return out.toArray(new Slot[0]);
  }

  /** A field to walk, and whether its strings are unique per object. */
  private record Slot(Field field, boolean unique) {}

  private record QuantityKey(BigDecimal number, Quantity.Format format) {}
}
