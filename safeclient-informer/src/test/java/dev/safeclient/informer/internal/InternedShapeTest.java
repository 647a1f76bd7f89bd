package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Pod;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The cache keeps the same heap whichever wire format filled it: a pod decoded from Protobuf, once
 * through the default transform, has the same shape (the same class at every path, lists trimmed)
 * and shares the same values with other cached objects as the same pod decoded from JSON. The
 * Protobuf decoder builds its own lists, maps, times and quantities, so a path that skipped the
 * interner, or a collection type it does not compact, shows here as a difference.
 */
class InternedShapeTest {
  @Test
  void aProtobufDecodedPodIsCachedInTheSameShapeAsItsJsonTwin() throws Exception {
    // v1.34: the release client-java 27's models were generated from, so strict JSON decodes it.
    Path fixtures = KubeApiTestdata.release("v1.34.0");
    String json = Files.readString(fixtures.resolve("core.v1.Pod.json"));
    byte[] pb = Files.readAllBytes(fixtures.resolve("core.v1.Pod.pb"));
    ObjectTransform transform = new ObjectTransform(true, null);

    V1Pod fromJson = transform.apply(JSON.deserialize(json, V1Pod.class));
    V1Pod fromJsonAgain = transform.apply(JSON.deserialize(json, V1Pod.class));
    V1Pod fromProtobuf = transform.apply(new ProtobufCodec(null).<V1Pod>decode(pb, V1Pod.class));

    Map<String, Object> a = paths(fromJson);
    Map<String, Object> again = paths(fromJsonAgain);
    Map<String, Object> p = paths(fromProtobuf);
    assertThat(fromProtobuf).isEqualTo(fromJson);
    assertThat(p.keySet()).isEqualTo(a.keySet());
    List<String> notShared = new ArrayList<>();
    int shared = 0;
    for (String path : a.keySet()) {
      Object va = a.get(path);
      Object vp = p.get(path);
      assertThat(vp == null ? null : vp.getClass()).as(path).isEqualTo(va.getClass());
      if (va instanceof ArrayList<?> list) {
        assertThat(capacity(list)).as(path + " trimmed").isEqualTo(list.size());
        assertThat(capacity((ArrayList<?>) vp)).as(path + " trimmed").isEqualTo(list.size());
      }
      if (va == again.get(path) && !(va instanceof Iterable) && !(va instanceof Map)) {
        // One instance across two JSON decodes: interned. The Protobuf decode must share it too.
        shared++;
        if (vp != va) {
          notShared.add(path);
        }
      }
    }
    assertThat(shared).as("values interned across objects").isGreaterThan(20);
    assertThat(notShared).as("interned from JSON, not from Protobuf").isEmpty();
  }

  private static int capacity(ArrayList<?> list) throws Exception {
    Field f = ArrayList.class.getDeclaredField("elementData");
    try {
      f.setAccessible(true);
      return ((Object[]) f.get(list)).length;
    } catch (RuntimeException e) {
      // java.base not opened to tests: the size check alone stands.
      return list.size();
    }
  }

  /** Every non-null value reachable from {@code root}, by path, in a stable order. */
  private static Map<String, Object> paths(Object root) throws IllegalAccessException {
    Map<String, Object> out = new TreeMap<>();
    walk("", root, out, 0);
    return out;
  }

  private static void walk(String path, Object v, Map<String, Object> out, int depth)
      throws IllegalAccessException {
    if (v == null || depth > ObjectInterner.MAX_DEPTH) {
      return;
    }
    out.put(path, v);
    if (v instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(path + "[" + i + "]", list.get(i), out, depth + 1);
      }
    } else if (v instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        walk(path + "{" + e.getKey() + "}", e.getValue(), out, depth + 1);
      }
    } else if (v.getClass().getName().startsWith("io.kubernetes.client.openapi.models.")) {
      for (Class<?> c = v.getClass(); c != Object.class; c = c.getSuperclass()) {
        for (Field f : c.getDeclaredFields()) {
          if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
            continue;
          }
          f.setAccessible(true);
          walk(path + "." + f.getName(), f.get(v), out, depth + 1);
        }
      }
    }
  }
}
