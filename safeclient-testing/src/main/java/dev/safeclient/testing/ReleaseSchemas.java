package dev.safeclient.testing;

import com.google.protobuf.Descriptors.Descriptor;
import dev.safeclient.model.KubeProtoSchemas;

/**
 * The Go structs of the simulated release, as Protobuf messages: what its apiserver decodes a body
 * into. A field that only later releases define is unknown to it, so its strict decoding warns of
 * it (Warn), refuses it (Strict) and drops it, as a real server of that release does.
 */
final class ReleaseSchemas {
  private ReleaseSchemas() {}

  /**
   * {@code union}'s message as release {@code 1.<minor>} defines it; {@code union} itself for a
   * message that release lacks (a kind KubeSim serves although that release did not) or that is not
   * among the vendored {@code .proto} files (apiextensions).
   */
  static Descriptor of(int minor, Descriptor union) {
    if (union == null) {
      return null;
    }
    return KubeProtoSchemas.release(release(minor)).message(union.getFullName()).orElse(union);
  }

  /**
   * The release whose schema models {@code 1.<minor>}: the oldest carried for older servers, the
   * development branch for newer ones.
   */
  static String release(int minor) {
    String release = "1." + minor;
    if (KubeProtoSchemas.RELEASES.contains(release)) {
      return release;
    }
    return minor < 30 ? KubeProtoSchemas.RELEASES.get(0) : "master";
  }
}
