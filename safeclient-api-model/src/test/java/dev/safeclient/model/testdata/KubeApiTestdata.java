package dev.safeclient.model.testdata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The serialization fixtures of kubernetes/api ({@code testdata/} in this repository): one fully
 * populated object per kind, in Protobuf ({@code .pb}) and JSON, as the Kubernetes serializers
 * wrote them. Every test and benchmark finds them here and nowhere else.
 *
 * <p>The build names the folder once (the parent pom's {@code safeclient.testdata}) and passes it
 * to every test JVM; a benchmark run by hand passes {@code -Dsafeclient.testdata=testdata} from the
 * repository root.
 */
public final class KubeApiTestdata {
  /** The system property that names the repository's {@code testdata} folder. */
  public static final String PROPERTY = "safeclient.testdata";

  private KubeApiTestdata() {}

  /** The fixtures of the Kubernetes development line ({@code testdata/HEAD} upstream). */
  public static Path head() {
    return existing(root().resolve("k8s-testdata"));
  }

  /** The fixtures a released version wrote, e.g. {@code release("v1.35.0")}. */
  public static Path release(String version) {
    return existing(root().resolve("releases").resolve(version));
  }

  /** One fixture of the development line, e.g. {@code headFile("core.v1.Pod.pb")}. */
  public static Path headFile(String name) {
    return existing(head().resolve(name));
  }

  /** The bytes of one fixture of the development line. */
  public static byte[] headBytes(String name) {
    try {
      return Files.readAllBytes(headFile(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path root() {
    String dir = System.getProperty(PROPERTY);
    if (dir == null || dir.isBlank()) {
      throw new IllegalStateException(
          "system property "
              + PROPERTY
              + " is not set: the build passes it to tests; by hand, pass -D"
              + PROPERTY
              + "=<repository>/testdata");
    }
    return Path.of(dir);
  }

  private static Path existing(Path path) {
    if (!Files.exists(path)) {
      throw new IllegalStateException(
          path.toAbsolutePath() + " does not exist (" + PROPERTY + " names the wrong folder?)");
    }
    return path;
  }
}
