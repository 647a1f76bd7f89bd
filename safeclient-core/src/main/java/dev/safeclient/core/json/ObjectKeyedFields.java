package dev.safeclient.core.json;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.lang.reflect.ParameterizedType;
import java.util.Objects;

/**
 * Fields the client-java models lack, kept for reads that client-java binds itself: {@code
 * GenericKubernetesApi} and {@code DynamicKubernetesApi} get a JSON tree from the client and bind
 * it with client-java's static, strict Gson, which throws on such a field. Those fields are taken
 * out of the tree and held here under the object's key (apiVersion, kind, namespace, name, uid,
 * resourceVersion); a PUT of an object with the same key, through the same client, carries them
 * back. An object changed on the server since has another resourceVersion, and a PUT of it would
 * fail its precondition anyway.
 *
 * <p>The object identity the typed path uses ({@link UnknownFieldTable}) is out of reach here: the
 * object is made by client-java's binding, after the client has returned the tree.
 */
final class ObjectKeyedFields {
  /**
   * Only objects that carried such a field are entered; this bounds a table that a list of a newer
   * server's pods would fill. An evicted entry is not lost silently: the kind stays marked, and
   * SC204 meets a PUT of that object as it meets any copy.
   */
  private static final int MAX_OBJECTS = 65_536;

  private record Key(String namespace, String name, String uid, String resourceVersion) {}

  private record Entry(String apiVersion, String kind, KeptFieldOverlay overlay) {}

  private final Cache<Key, Entry> table = Caffeine.newBuilder().maximumSize(MAX_OBJECTS).build();

  /**
   * Takes the fields {@code model} lacks out of {@code tree} (an object, or a list of {@code
   * model}'s items) and keeps them by object key.
   */
  KeptFieldOverlay.Findings keep(JsonObject tree, Class<?> model) {
    KeptFieldOverlay.Findings findings = new KeptFieldOverlay.Findings();
    if (KubernetesListObject.class.isAssignableFrom(model)) {
      Class<?> item = itemModel(model);
      JsonElement items = tree.get("items");
      if (item == null || items == null || !items.isJsonArray()) {
        return findings;
      }
      String kind = string(tree, "kind");
      String itemKind =
          kind != null && kind.endsWith("List") ? kind.substring(0, kind.length() - 4) : null;
      for (JsonElement e : items.getAsJsonArray()) {
        if (e.isJsonObject()) {
          keepOne(e.getAsJsonObject(), item, string(tree, "apiVersion"), itemKind, findings);
        }
      }
      return findings;
    }
    keepOne(tree, model, string(tree, "apiVersion"), string(tree, "kind"), findings);
    return findings;
  }

  private void keepOne(
      JsonObject o, Class<?> model, String apiVersion, String kind, KeptFieldOverlay.Findings f) {
    KeptFieldOverlay overlay = KeptFieldOverlay.strip(o, model, f);
    if (overlay == null) {
      return;
    }
    Key key = key(o.get("metadata"));
    if (key != null) {
      String av = string(o, "apiVersion");
      String k = string(o, "kind");
      table.put(key, new Entry(av != null ? av : apiVersion, k != null ? k : kind, overlay));
    }
  }

  /**
   * Before a PUT: the fields kept for an object of this key go back into {@code body}, a model
   * object (into the side table its encoding writes from) or a {@code DynamicKubernetesObject}
   * (into its JSON).
   *
   * @return whether nothing was kept for it, or all or only part of it found its place
   */
  Restored restore(Object body) {
    Entry entry = null;
    boolean whole = false;
    if (body instanceof DynamicKubernetesObject d) {
      entry = lookup(d.getApiVersion(), d.getKind(), metadataKey(d.getMetadata()));
      whole = entry != null && entry.overlay.mergeInto(d.getRaw());
    } else if (body instanceof KubernetesObject k && ModelType.of(body.getClass()) != null) {
      entry = lookup(k.getApiVersion(), k.getKind(), metadataKey(k.getMetadata()));
      whole = entry != null && entry.overlay.adopt(body);
    }
    return entry == null ? Restored.NONE : whole ? Restored.WHOLE : Restored.PARTLY;
  }

  enum Restored {
    NONE,
    WHOLE,
    /** Some kept fields were under objects the caller's edit moved or replaced. */
    PARTLY
  }

  private Entry lookup(String apiVersion, String kind, Key key) {
    if (key == null) {
      return null;
    }
    Entry e = table.getIfPresent(key);
    // A body without apiVersion or kind (GenericKubernetesApi sends what it read, and list items
    // come without them) is matched by the rest: a uid never names two objects.
    if (e == null
        || (apiVersion != null && e.apiVersion != null && !apiVersion.equals(e.apiVersion))
        || (kind != null && e.kind != null && !kind.equals(e.kind))) {
      return null;
    }
    return e;
  }

  private static Key key(JsonElement metadata) {
    if (metadata == null || !metadata.isJsonObject()) {
      return null;
    }
    JsonObject m = metadata.getAsJsonObject();
    return key(
        string(m, "namespace"), string(m, "name"), string(m, "uid"), string(m, "resourceVersion"));
  }

  private static Key metadataKey(V1ObjectMeta m) {
    return m == null
        ? null
        : key(m.getNamespace(), m.getName(), m.getUid(), m.getResourceVersion());
  }

  private static Key key(String namespace, String name, String uid, String resourceVersion) {
    if (name == null || uid == null || uid.isEmpty() || resourceVersion == null) {
      return null; // not an object read from the server
    }
    return new Key(Objects.requireNonNullElse(namespace, ""), name, uid, resourceVersion);
  }

  private static String string(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }

  private static Class<?> itemModel(Class<?> listModel) {
    ModelType t = ModelType.of(listModel);
    ModelType.Binding items = t == null ? null : t.binding("items");
    if (items != null
        && items.type instanceof ParameterizedType p
        && p.getActualTypeArguments()[0] instanceof Class<?> c) {
      return c;
    }
    return null;
  }
}
