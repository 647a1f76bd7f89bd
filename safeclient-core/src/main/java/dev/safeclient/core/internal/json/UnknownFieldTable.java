package dev.safeclient.core.internal.json;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.gson.JsonElement;
import java.util.Map;

/**
 * The fields each decoded object carried that its model does not know, keyed by the object's
 * identity and held weakly: an entry lives exactly as long as the object, and two equal objects (a
 * copy) never share one. This is what lets an update write back what the models cannot hold.
 *
 * <p>One table for the JVM: unknown fields belong to the object, whichever client decoded it and
 * whichever writes it. Decoded Kubernetes objects without unknown fields are entered too, with an
 * empty map, so an update can tell "decoded here, nothing to carry" from "a copy" (SC204).
 */
final class UnknownFieldTable {
  // Caffeine's weakKeys() compares keys by identity (==), which is what we need; a WeakHashMap
  // would use the models' value equals() and mix up copies. Cleaning up collected keys runs on
  // the calling thread, not on the common ForkJoinPool that user code may keep busy.
  private static final Cache<Object, Map<String, JsonElement>> TABLE =
      Caffeine.newBuilder().weakKeys().executor(Runnable::run).build();

  private UnknownFieldTable() {}

  static void put(Object decoded, Map<String, JsonElement> unknown) {
    TABLE.put(decoded, unknown);
  }

  /**
   * The unknown fields kept for this very object; empty if decoded clean; null if never decoded.
   */
  static Map<String, JsonElement> get(Object obj) {
    return TABLE.getIfPresent(obj);
  }
}
