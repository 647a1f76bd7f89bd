package dev.safeclient.relay.internal;

/** Resource versions as the relay compares them: etcd revisions, positive 64-bit integers. */
final class ResourceVersions {
  private ResourceVersions() {}

  /** Parses an object's or a list's resourceVersion; throws for anything but a positive integer. */
  static long parse(String rv) {
    if (rv == null || rv.isEmpty()) {
      throw new IllegalArgumentException("no resourceVersion");
    }
    try {
      long v = Long.parseLong(rv);
      if (v <= 0) {
        throw new IllegalArgumentException("resourceVersion not positive: " + rv);
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("resourceVersion not an integer: " + rv, e);
    }
  }
}
