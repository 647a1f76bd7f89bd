package dev.safeclient.core.internal.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubernetes.client.common.KubernetesListObject;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields one JSON object carried that its client-java model lacks, taken out of the tree at
 * their place (this object's own, and those of the model objects nested in it), so that
 * client-java's strict Gson can bind the rest and a later write can put them back where they were.
 * Immutable once built.
 */
final class KeptFieldOverlay {
  /** The fields this object's model lacks, by JSON name. */
  private final Map<String, JsonElement> kept = new LinkedHashMap<>();

  /** Nested model objects with kept fields, by the JSON name of the field holding them. */
  private final Map<String, KeptFieldOverlay> objects = new LinkedHashMap<>();

  /** Lists of model objects, one entry per element (null where it kept nothing). */
  private final Map<String, KeptFieldOverlay[]> lists = new LinkedHashMap<>();

  /** Maps of model objects, by the map's key. */
  private final Map<String, Map<String, KeptFieldOverlay>> maps = new LinkedHashMap<>();

  /**
   * This object's {@code name}, where it is an element of a list: Kubernetes lists of objects
   * (containers, ports, volumes) are keyed by name, so an element moved by the caller's edit is
   * still found.
   */
  private String elementName;

  private KeptFieldOverlay() {}

  /** Every field kept, as {@code V1PodSpec.evictionResponders}, and the models above each. */
  static final class Findings {
    final Set<String> names = new LinkedHashSet<>();
    final Map<Class<?>, Set<String>> within = new LinkedHashMap<>();
  }

  /**
   * Finds in {@code json} the fields {@code model} lacks, at any depth; {@code json} is only read
   * ({@link #strippedCopy} makes what client-java binds).
   *
   * @return what is to be taken out, or null if nothing is
   */
  static KeptFieldOverlay strip(JsonObject json, Class<?> model, Findings findings) {
    ModelType type = ModelType.of(model);
    if (type == null) {
      return null;
    }
    if (KubernetesListObject.class.isAssignableFrom(model)) {
      return stripItems(json, type, findings);
    }
    return strip(json, type, new ArrayList<>(), findings);
  }

  /**
   * A list's items, each as an object of its own kind: an item is never kept whole, even one that
   * lacks a field its model marks required (client-java's binding then fails as it would anyway).
   */
  private static KeptFieldOverlay stripItems(JsonObject list, ModelType type, Findings findings) {
    ModelType.Binding b = type.binding("items");
    ModelType item = b == null ? null : ModelType.of(raw(typeArgument(b.type, List.class, 0)));
    JsonElement items = list.get("items");
    if (item == null || items == null || !items.isJsonArray()) {
      return null;
    }
    JsonArray a = items.getAsJsonArray();
    KeptFieldOverlay[] per = new KeptFieldOverlay[a.size()];
    boolean any = false;
    for (int i = 0; i < per.length; i++) {
      if (a.get(i).isJsonObject()) {
        per[i] = strip(a.get(i).getAsJsonObject(), item, new ArrayList<>(), findings);
        any |= per[i] != null;
      }
    }
    if (!any) {
      return null;
    }
    KeptFieldOverlay o = new KeptFieldOverlay();
    o.lists.put("items", per);
    return o;
  }

  private static KeptFieldOverlay strip(
      JsonObject json, ModelType type, List<Class<?>> path, Findings findings) {
    KeptFieldOverlay o = null;
    path.add(type.type);
    for (Map.Entry<String, JsonElement> e : json.entrySet()) {
      String name = e.getKey();
      JsonElement value = e.getValue();
      ModelType.Binding b = type.binding(name);
      if (b == null) {
        if (type.excluded(name) || isTypeMeta(type, name)) {
          continue;
        }
        o = keepWhole(o, type, name, value, path, findings);
        continue;
      }
      ModelType nested = ModelType.of(raw(b.type));
      if (nested != null && value.isJsonObject()) {
        JsonObject v = value.getAsJsonObject();
        if (nested.lacksRequired(v)) {
          o = keepWhole(o, type, name, value, path, findings);
          continue;
        }
        KeptFieldOverlay n = strip(v, nested, path, findings);
        if (n != null) {
          o = o == null ? new KeptFieldOverlay() : o;
          o.objects.put(name, n);
        }
        continue;
      }
      ModelType element = ModelType.of(raw(typeArgument(b.type, List.class, 0)));
      if (element != null && value.isJsonArray()) {
        JsonArray a = value.getAsJsonArray();
        if (anyLacksRequired(a, element)) {
          o = keepWhole(o, type, name, value, path, findings);
          continue;
        }
        KeptFieldOverlay[] per = new KeptFieldOverlay[a.size()];
        boolean any = false;
        for (int i = 0; i < a.size(); i++) {
          if (a.get(i).isJsonObject()) {
            JsonObject item = a.get(i).getAsJsonObject();
            per[i] = strip(item, element, path, findings);
            if (per[i] != null) {
              per[i].elementName = nameOf(item);
              any = true;
            }
          }
        }
        if (any) {
          o = o == null ? new KeptFieldOverlay() : o;
          o.lists.put(name, per);
        }
        continue;
      }
      ModelType mapValue = ModelType.of(raw(typeArgument(b.type, Map.class, 1)));
      if (mapValue != null && value.isJsonObject()) {
        if (anyLacksRequired(
            value.getAsJsonObject().entrySet().stream().map(Map.Entry::getValue).toList(),
            mapValue)) {
          o = keepWhole(o, type, name, value, path, findings);
          continue;
        }
        Map<String, KeptFieldOverlay> per = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
          if (m.getValue().isJsonObject()) {
            KeptFieldOverlay n = strip(m.getValue().getAsJsonObject(), mapValue, path, findings);
            if (n != null) {
              per.put(m.getKey(), n);
            }
          }
        }
        if (!per.isEmpty()) {
          o = o == null ? new KeptFieldOverlay() : o;
          o.maps.put(name, per);
        }
      }
    }
    path.remove(path.size() - 1);
    return o;
  }

  /**
   * Keeps a field as it came: one the model lacks, or one of its own that client-java's strict
   * adapter cannot bind (an object without a field the model marks required: a newer server may
   * have made it optional), which the model then holds as null.
   */
  private static KeptFieldOverlay keepWhole(
      KeptFieldOverlay o,
      ModelType type,
      String name,
      JsonElement value,
      List<Class<?>> path,
      Findings findings) {
    KeptFieldOverlay out = o == null ? new KeptFieldOverlay() : o;
    out.kept.put(name, value);
    String field = type.name + "." + name;
    findings.names.add(field);
    for (Class<?> c : path) {
      findings.within.computeIfAbsent(c, k -> new LinkedHashSet<>()).add(field);
    }
    return out;
  }

  private static boolean anyLacksRequired(Iterable<JsonElement> values, ModelType type) {
    for (JsonElement v : values) {
      if (v.isJsonObject() && type.lacksRequired(v.getAsJsonObject())) {
        return true;
      }
    }
    return false;
  }

  /** A Kubernetes object's apiVersion and kind, which every model of a kind declares anyway. */
  private static boolean isTypeMeta(ModelType type, String name) {
    return type.kubernetesObject && (name.equals("apiVersion") || name.equals("kind"));
  }

  /**
   * Puts the kept fields into the side table of {@code decoded} (a model object the caller got from
   * client-java's own binding of the stripped tree) and of the objects nested in it, as if it had
   * been decoded here, so that writing it carries them back.
   *
   * @return whether every kept field found its object; false where the caller's edits moved or
   *     replaced an object that held some
   */
  boolean adopt(Object decoded) {
    ModelType type = ModelType.of(decoded.getClass());
    if (type == null) {
      return false;
    }
    Map<String, JsonElement> own = new LinkedHashMap<>();
    kept.forEach((k, v) -> own.put(k, v.deepCopy()));
    Map<String, JsonElement> already = UnknownFieldTable.get(decoded);
    if (already != null) {
      own.putAll(already);
    }
    UnknownFieldTable.put(decoded, java.util.Collections.unmodifiableMap(own));
    boolean whole = true;
    for (Map.Entry<String, KeptFieldOverlay> e : objects.entrySet()) {
      Object v = value(type, decoded, e.getKey());
      // A nested object the caller removed took its kept fields with it, as the caller meant.
      if (v != null) {
        whole &= e.getValue().adopt(v);
      }
    }
    for (Map.Entry<String, KeptFieldOverlay[]> e : lists.entrySet()) {
      if (value(type, decoded, e.getKey()) instanceof List<?> list) {
        whole &= adoptElements(e.getValue(), list);
      }
    }
    for (Map.Entry<String, Map<String, KeptFieldOverlay>> e : maps.entrySet()) {
      if (value(type, decoded, e.getKey()) instanceof Map<?, ?> map) {
        for (Map.Entry<String, KeptFieldOverlay> m : e.getValue().entrySet()) {
          Object v = map.get(m.getKey());
          if (v != null) {
            whole &= m.getValue().adopt(v);
          }
        }
      }
    }
    return whole;
  }

  private static boolean adoptElements(KeptFieldOverlay[] per, List<?> list) {
    boolean whole = true;
    for (int i = 0; i < per.length; i++) {
      if (per[i] == null) {
        continue;
      }
      Object target = elementOf(per[i], i, per.length, list);
      if (target == null) {
        whole = false;
      } else {
        whole &= per[i].adopt(target);
      }
    }
    return whole;
  }

  /** By name where the element has one; else by position, only if the list kept its length. */
  private static Object elementOf(KeptFieldOverlay o, int index, int size, List<?> list) {
    if (o.elementName != null) {
      for (Object item : list) {
        ModelType t = item == null ? null : ModelType.of(item.getClass());
        if (t != null && o.elementName.equals(value(t, item, "name"))) {
          return item;
        }
      }
      return null;
    }
    return list.size() == size ? list.get(index) : null;
  }

  /**
   * {@code json} without the fields kept here, for client-java's strict binding: the objects on the
   * way to a kept field are new, every other node is {@code json}'s own, shared, and nothing of
   * {@code json} is changed, so that whoever else holds it (another thread binding it, a reader of
   * the tree) sees every field throughout.
   *
   * @param json the very object this overlay was {@link #strip stripped} from
   */
  JsonObject strippedCopy(JsonObject json) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, JsonElement> e : json.entrySet()) {
      String name = e.getKey();
      if (kept.containsKey(name)) {
        continue;
      }
      JsonElement v = e.getValue();
      KeptFieldOverlay nested = objects.get(name);
      KeptFieldOverlay[] per = lists.get(name);
      Map<String, KeptFieldOverlay> byKey = maps.get(name);
      if (nested != null && v.isJsonObject()) {
        v = nested.strippedCopy(v.getAsJsonObject());
      } else if (per != null && v.isJsonArray()) {
        JsonArray a = v.getAsJsonArray();
        JsonArray copy = new JsonArray(a.size());
        for (int i = 0; i < a.size(); i++) {
          JsonElement item = a.get(i);
          copy.add(
              i < per.length && per[i] != null && item.isJsonObject()
                  ? per[i].strippedCopy(item.getAsJsonObject())
                  : item);
        }
        v = copy;
      } else if (byKey != null && v.isJsonObject()) {
        JsonObject copy = new JsonObject();
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
          KeptFieldOverlay o = byKey.get(m.getKey());
          copy.add(
              m.getKey(),
              o != null && m.getValue().isJsonObject()
                  ? o.strippedCopy(m.getValue().getAsJsonObject())
                  : m.getValue());
        }
        v = copy;
      }
      out.add(name, v);
    }
    return out;
  }

  private static String nameOf(JsonObject o) {
    JsonElement n = o.get("name");
    return n != null && n.isJsonPrimitive() && n.getAsJsonPrimitive().isString()
        ? n.getAsString()
        : null;
  }

  private static Object value(ModelType type, Object target, String jsonName) {
    ModelType.Binding b = type.binding(jsonName);
    return b == null ? null : b.get(target);
  }

  private static Class<?> raw(Type t) {
    if (t instanceof Class<?> c) {
      return c;
    }
    if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
      return c;
    }
    return Object.class;
  }

  /** The {@code index}th type argument of a field typed {@code container<...>}, or null. */
  private static Type typeArgument(Type t, Class<?> container, int index) {
    if (t instanceof ParameterizedType p
        && p.getRawType() instanceof Class<?> c
        && container.isAssignableFrom(c)
        && p.getActualTypeArguments().length > index) {
      return p.getActualTypeArguments()[index];
    }
    return Object.class;
  }
}
