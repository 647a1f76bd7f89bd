package dev.safeclient.core.internal.json;

import dev.safeclient.model.testdata.KubeApiTestdata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The JSON fixtures of {@code k8s-testdata} (written by the Kubernetes serializers of a 1.37
 * server), each with the client-java model class it decodes to.
 */
final class JsonFixtures {
  private JsonFixtures() {}

  /** One fixture: its file, the model class, and its bytes. */
  record Fixture(Path file, Class<?> model) {
    String name() {
      return file.getFileName().toString();
    }

    byte[] bytes() {
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String text() {
      return new String(bytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return name();
    }
  }

  static Path dir() {
    return KubeApiTestdata.head();
  }

  static List<Path> allJson() {
    try (Stream<Path> s = Files.list(dir())) {
      return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every JSON fixture whose type has a client-java model. */
  static List<Fixture> withModel() {
    List<Fixture> out = new ArrayList<>();
    for (Path p : allJson()) {
      Class<?> c = modelFor(p.getFileName().toString());
      if (c != null) {
        out.add(new Fixture(p, c));
      }
    }
    return out;
  }

  static Fixture named(String file) {
    return withModel().stream()
        .filter(f -> f.name().equals(file))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no fixture " + file));
  }

  /**
   * {@code <group>.<version>.<Kind>.json} to client-java's class name: {@code V1Pod}, or with the
   * group's first label where client-java had to tell kinds apart ({@code CoreV1Event}).
   */
  static Class<?> modelFor(String file) {
    String base = file.substring(0, file.length() - ".json".length());
    int k = base.lastIndexOf('.');
    String kind = base.substring(k + 1);
    String gv = base.substring(0, k);
    int v = gv.lastIndexOf('.');
    String version = capitalize(gv.substring(v + 1));
    String group = capitalize(gv.substring(0, v).split("\\.")[0]);
    for (String name : List.of(group + version + kind, version + kind)) {
      try {
        return Class.forName("io.kubernetes.client.openapi.models." + name);
      } catch (ClassNotFoundException e) {
        // try the next spelling
      }
    }
    return null;
  }

  private static String capitalize(String s) {
    return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
  }
}
