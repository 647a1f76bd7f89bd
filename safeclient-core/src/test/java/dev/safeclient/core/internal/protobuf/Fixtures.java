package dev.safeclient.core.internal.protobuf;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.safeclient.model.testdata.KubeApiTestdata;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The Kubernetes serialization fixtures, and what the tests need to compare against them. */
final class Fixtures {
  private Fixtures() {}

  /**
   * client-java's Gson setup (its type adapters and managedFields exclusion) without the models'
   * strict validation, which throws on fields it does not know or required fields a server left
   * out. Only the reference side of the tests uses it; nothing global is changed.
   */
  static final com.google.gson.Gson REFERENCE_GSON =
      io.kubernetes
          .client
          .openapi
          .JSON
          .createGson()
          .registerTypeAdapter(
              java.time.OffsetDateTime.class,
              new io.kubernetes.client.openapi.JSON.OffsetDateTimeTypeAdapter())
          .registerTypeAdapter(
              byte[].class, new io.kubernetes.client.openapi.JSON.ByteArrayAdapter())
          .create();

  static Path dir() {
    return KubeApiTestdata.head();
  }

  static List<Path> protobufFiles() throws IOException {
    try (Stream<Path> s = Files.list(dir())) {
      return s.filter(p -> p.toString().endsWith(".pb")).sorted().toList();
    }
  }

  static byte[] read(String name) throws IOException {
    return Files.readAllBytes(dir().resolve(name));
  }

  /** {@code apps/v1} of {@code apps.v1.Deployment}, {@code v1} of {@code core.v1.Pod}. */
  static String apiVersionOf(String fixture) {
    String noKind = fixture.substring(0, fixture.lastIndexOf('.'));
    String version = noKind.substring(noKind.lastIndexOf('.') + 1);
    String group = noKind.substring(0, noKind.lastIndexOf('.'));
    return group.equals("core") ? version : group + "/" + version;
  }

  static String kindOf(String fixture) {
    return fixture.substring(fixture.lastIndexOf('.') + 1);
  }

  /**
   * The client-java model of a fixture's {@code apiVersion}/{@code kind}, or null when client-java
   * 27 has none (older or newer versions of a group).
   */
  static Class<?> modelClass(String apiVersion, String kind) {
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    String v = Character.toUpperCase(version.charAt(0)) + version.substring(1);
    String first = group.isEmpty() ? "core" : group.split("\\.")[0];
    String g = Character.toUpperCase(first.charAt(0)) + first.substring(1);
    for (String name : List.of(g + v + kind, v + kind)) {
      try {
        Class<?> c = Class.forName("io.kubernetes.client.openapi.models." + name);
        ProtoSchema.Message expected = MessageResolver.byTypeMeta(apiVersion, kind);
        if (expected != null && expected == MessageResolver.forClass(c, apiVersion)) {
          return c;
        }
      } catch (ClassNotFoundException e) {
        // try the next naming scheme
      }
    }
    return null;
  }

  /**
   * Removes, in place, the fields the models do not know (and managedFields, which client-java
   * drops), returning their JSON paths.
   */
  static List<String> pruneUnknown(JsonElement e, Type t, String path) {
    List<String> removed = new ArrayList<>();
    prune(e, t, path, removed);
    return removed;
  }

  private static void prune(JsonElement e, Type t, String path, List<String> removed) {
    if (e == null || e.isJsonNull()) {
      return;
    }
    if (t instanceof Class<?> c && ModelBinding.isModel(c) && e.isJsonObject()) {
      Map<String, java.lang.reflect.Field> fields = ModelBinding.modelFields(c);
      JsonObject o = e.getAsJsonObject();
      for (String key : new ArrayList<>(o.keySet())) {
        java.lang.reflect.Field f = fields.get(key);
        boolean managed =
            key.equals("managedFields")
                && c.getSimpleName().equals("V1ObjectMeta")
                && !ModelBinding.INCLUDE_MANAGED_FIELDS;
        if (f == null || managed) {
          o.remove(key);
          if (!managed) {
            removed.add(path + "." + key);
          }
        } else {
          prune(o.get(key), f.getGenericType(), path + "." + key, removed);
        }
      }
    } else if (t instanceof ParameterizedType p && e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      for (int i = 0; i < a.size(); i++) {
        prune(a.get(i), p.getActualTypeArguments()[0], path + "[" + i + "]", removed);
      }
    } else if (t instanceof ParameterizedType p
        && p.getRawType() == Map.class
        && e.isJsonObject()) {
      for (Map.Entry<String, JsonElement> en : e.getAsJsonObject().entrySet()) {
        prune(en.getValue(), p.getActualTypeArguments()[1], path + "." + en.getKey(), removed);
      }
    }
  }

  /** The paths where two trees differ. */
  static List<String> diff(JsonElement a, JsonElement b, String path) {
    List<String> out = new ArrayList<>();
    diff(a, b, path, out);
    return out;
  }

  private static void diff(JsonElement a, JsonElement b, String path, List<String> out) {
    if (a == null || b == null || a.isJsonNull() || b.isJsonNull()) {
      boolean an = a == null || a.isJsonNull();
      boolean bn = b == null || b.isJsonNull();
      if (an != bn) {
        out.add(path + ": " + a + " vs " + b);
      }
      return;
    }
    if (a.isJsonObject() && b.isJsonObject()) {
      JsonObject x = a.getAsJsonObject();
      JsonObject y = b.getAsJsonObject();
      java.util.Set<String> keys = new java.util.TreeSet<>(x.keySet());
      keys.addAll(y.keySet());
      for (String k : keys) {
        diff(x.get(k), y.get(k), path + "." + k, out);
      }
    } else if (a.isJsonArray()
        && b.isJsonArray()
        && a.getAsJsonArray().size() == b.getAsJsonArray().size()) {
      for (int i = 0; i < a.getAsJsonArray().size(); i++) {
        diff(a.getAsJsonArray().get(i), b.getAsJsonArray().get(i), path + "[" + i + "]", out);
      }
    } else if (!a.equals(b)) {
      out.add(path + ": " + a + " vs " + b);
    }
  }
}
