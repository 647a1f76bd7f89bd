package dev.safeclient.core.internal.auth;

import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Reads kubeconfig files for the credential sources. */
final class KubeconfigFile {
  private KubeconfigFile() {}

  /**
   * Parses {@code file}. A YAML error's own message quotes the lines around the fault, which may
   * hold a token or a key: it is dropped, only the position of the file is told.
   */
  static KubeConfig read(Path file) throws IOException {
    KubeConfig config;
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      config = KubeConfig.loadKubeConfig(r);
    } catch (RuntimeException e) {
      throw new IOException(
          "kubeconfig "
              + file
              + " is not a valid kubeconfig ("
              + e.getClass().getSimpleName()
              + "; its text is not shown: it may hold credentials)");
    }
    if (config == null) {
      throw new IOException("kubeconfig " + file + " is empty");
    }
    config.setFile(file.toFile());
    return config;
  }

  /** The {@code name}d entry's body ({@code user}, {@code cluster}, {@code context}), or null. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> entry(List<Object> list, String name, String body) {
    if (list == null || name == null) {
      return null;
    }
    for (Object o : list) {
      if (o instanceof Map<?, ?> m && name.equals(m.get("name"))) {
        Object b = m.get(body);
        // An entry with no body ("- name: u") still exists: it holds no credentials.
        return b instanceof Map<?, ?> ? (Map<String, Object>) b : Map.of();
      }
    }
    return null;
  }

  static String string(Map<String, Object> map, String key) {
    Object v = map == null ? null : map.get(key);
    return v instanceof String s && !s.isEmpty() ? s : null;
  }
}
