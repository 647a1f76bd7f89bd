package dev.safeclient.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes kubeconfig files for tests, and the properties that hide the machine's own. */
final class TestKubeconfig {
  private TestKubeconfig() {}

  /** A kubeconfig with context {@code main} on {@code server} and {@code other} on another one. */
  static Path write(Path dir, String server) {
    try {
      Path file = Files.createTempFile(dir, "kubeconfig", ".yaml");
      Files.writeString(
          file,
          """
          apiVersion: v1
          kind: Config
          clusters:
          - name: main
            cluster:
              server: %s
          - name: other
            cluster:
              server: https://other.invalid:6443
          contexts:
          - name: main
            context: {cluster: main, user: u}
          - name: other
            context: {cluster: other, user: u}
          current-context: main
          users:
          - name: u
            user: {token: test-token}
          """
              .formatted(server));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Properties that make the loading rules see nothing of this machine: no $KUBECONFIG, an empty
   * home, not in a pod.
   */
  static String[] isolated(Path emptyHome) {
    return new String[] {
      "KUBECONFIG=",
      "HOME=" + emptyHome,
      "user.home=" + emptyHome,
      "KUBERNETES_SERVICE_HOST=",
      "KUBERNETES_SERVICE_PORT="
    };
  }
}
