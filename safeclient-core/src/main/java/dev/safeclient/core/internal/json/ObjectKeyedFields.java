package dev.safeclient.core.internal.json;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.lang.reflect.ParameterizedType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Fields the client-java models lack, kept for reads that client-java binds itself: {@code
 * GenericKubernetesApi} binds the JSON tree it reads with client-java's static, strict Gson, which
 * throws on such a field. When that tree is bound into a model ({@link ClientJavaBinding}), those
 * fields are taken out for the binding and held here under the object's key (the request's
 * group/version/resource, namespace, name, uid, resourceVersion); a PUT of an object with the same
 * key, through the same client, carries them back. An object changed on the server since has
 * another resourceVersion, and a PUT of it would fail its precondition anyway.
 *
 * <p>The object identity the typed path uses ({@link UnknownFieldTable}) is out of reach here: the
 * object is made by client-java's binding, after the client has returned the tree.
 *
 * <p>Bounded by the kept fields' size and by age, on the client's {@link TimeSource}. An entry
 * evicted or expired is not lost silently: the kind stays marked, and SC204 meets a PUT of that
 * object as it meets any copy.
 */
final class ObjectKeyedFields {
  /**
   * What a list of a newer server's pods fills: a few hundred bytes kept per pod (one new field and
   * its nesting) make 32 MiB room for about 100,000 pods.
   */
  static final long MAX_BYTES = 32L << 20;

  /**
   * Longer than any read-modify-write loop takes; an object held unwritten longer than that is
   * usually stale on the server too, and its PUT would fail its resourceVersion precondition.
   */
  static final Duration MAX_AGE = Duration.ofMinutes(30);

  /** A table entry's own cost beyond its kept fields: the key's strings and the objects. */
  private static final int ENTRY_BYTES = 256;

  /**
   * @param resource the group/version/resource of the request that read it, as {@code v1/pods} or
   *     {@code apps/v1/deployments}: a body without apiVersion never matches another API's object
   */
  private record Key(
      String resource, String namespace, String name, String uid, String resourceVersion) {}

  private record Entry(String apiVersion, String kind, KeptFieldOverlay overlay, int bytes) {}

  private final Cache<Key, Entry> table;

  ObjectKeyedFields(TimeSource clock) {
    this(clock, MAX_BYTES, MAX_AGE);
  }

  ObjectKeyedFields(TimeSource clock, long maxBytes, Duration maxAge) {
    this.table =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((Key k, Entry e) -> e.bytes)
            .expireAfterWrite(maxAge)
            .ticker(clock::nanoTime)
            // Eviction runs on the calling thread, not on a pool that user code may keep busy.
            .executor(Runnable::run)
            .build();
  }

  /** The weight of what the table holds now, in the bytes {@link KeptFieldOverlay#bytes} counts. */
  long keptBytes() {
    table.cleanUp();
    return table.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }

  /** What {@link #keep} took out of a tree, to put back once client-java has bound the rest. */
  static final class Stripped {
    final KeptFieldOverlay.Findings findings = new KeptFieldOverlay.Findings();
    private final List<JsonObject> objects = new ArrayList<>();
    private final List<KeptFieldOverlay> overlays = new ArrayList<>();

    /** The tree as it came: every field taken out goes back to its place. */
    void putBack() {
      for (int i = 0; i < objects.size(); i++) {
        overlays.get(i).mergeInto(objects.get(i));
      }
    }
  }

  /**
   * Takes the fields {@code model} lacks out of {@code tree} (an object, or a list of {@code
   * model}'s items) and keeps them by object key.
   *
   * @param resource as {@code v1/pods}: the group/version/resource the tree was read from
   */
  Stripped keep(JsonObject tree, Class<?> model, String resource) {
    Stripped stripped = new Stripped();
    if (KubernetesListObject.class.isAssignableFrom(model)) {
      Class<?> item = itemModel(model);
      JsonElement items = tree.get("items");
      if (item == null || items == null || !items.isJsonArray()) {
        return stripped;
      }
      String kind = string(tree, "kind");
      String itemKind =
          kind != null && kind.endsWith("List") ? kind.substring(0, kind.length() - 4) : null;
      for (JsonElement e : items.getAsJsonArray()) {
        if (e.isJsonObject()) {
          keepOne(
              e.getAsJsonObject(), item, resource, string(tree, "apiVersion"), itemKind, stripped);
        }
      }
      return stripped;
    }
    keepOne(tree, model, resource, string(tree, "apiVersion"), string(tree, "kind"), stripped);
    return stripped;
  }

  private void keepOne(
      JsonObject o,
      Class<?> model,
      String resource,
      String apiVersion,
      String kind,
      Stripped stripped) {
    KeptFieldOverlay overlay = KeptFieldOverlay.strip(o, model, stripped.findings);
    if (overlay == null) {
      return;
    }
    stripped.objects.add(o);
    stripped.overlays.add(overlay);
    Key key = key(resource, o.get("metadata"));
    if (key != null) {
      String av = string(o, "apiVersion");
      String k = string(o, "kind");
      table.put(
          key,
          new Entry(
              av != null ? av : apiVersion,
              k != null ? k : kind,
              overlay,
              ENTRY_BYTES + overlay.bytes()));
    }
  }

  /**
   * Before a PUT: the fields kept for an object of this key go back into {@code body}, a model
   * object (into the side table its encoding writes from) or a {@code DynamicKubernetesObject}
   * (into its JSON).
   *
   * @return whether nothing was kept for it, or all or only part of it found its place
   */
  Restored restore(Object body, String resource) {
    Entry entry = null;
    boolean whole = false;
    if (body instanceof KubernetesObject k && ModelType.of(body.getClass()) != null) {
      entry = lookup(k.getApiVersion(), k.getKind(), metadataKey(resource, k.getMetadata()));
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
    // come without them) is matched by the rest: the request's resource and a uid.
    if (e == null
        || (apiVersion != null && e.apiVersion != null && !apiVersion.equals(e.apiVersion))
        || (kind != null && e.kind != null && !kind.equals(e.kind))) {
      return null;
    }
    return e;
  }

  private static Key key(String resource, JsonElement metadata) {
    if (metadata == null || !metadata.isJsonObject()) {
      return null;
    }
    JsonObject m = metadata.getAsJsonObject();
    return key(
        resource,
        string(m, "namespace"),
        string(m, "name"),
        string(m, "uid"),
        string(m, "resourceVersion"));
  }

  private static Key metadataKey(String resource, V1ObjectMeta m) {
    return m == null
        ? null
        : key(resource, m.getNamespace(), m.getName(), m.getUid(), m.getResourceVersion());
  }

  private static Key key(
      String resource, String namespace, String name, String uid, String resourceVersion) {
    if (resource == null
        || name == null
        || uid == null
        || uid.isEmpty()
        || resourceVersion == null) {
      return null; // not an object read from the server, or not through a resource path
    }
    return new Key(resource, Objects.requireNonNullElse(namespace, ""), name, uid, resourceVersion);
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
