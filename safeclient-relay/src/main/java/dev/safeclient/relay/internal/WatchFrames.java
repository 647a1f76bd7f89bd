package dev.safeclient.relay.internal;

import java.nio.charset.StandardCharsets;

/** What a relay watcher sends that the stored bytes do not hold as they are. */
final class WatchFrames {
  private WatchFrames() {}

  /**
   * The object's bytes with its {@code metadata.resourceVersion} set to {@code to}: the cacher
   * sends an object that stopped matching a watcher's selector as DELETED at the event's RV ({@code
   * cacheWatcher.convertToWatchEvent} updates the old object's RV), so that the watcher's resume
   * point moves forward, never back. The apiserver writes metadata before spec and status, so the
   * first {@code "resourceVersion":"from"} is the object's own.
   */
  static byte[] withResourceVersion(byte[] object, long from, long to) {
    byte[] needle = ("\"resourceVersion\":\"" + from + "\"").getBytes(StandardCharsets.UTF_8);
    int at = indexOf(object, needle);
    if (at < 0) {
      return object;
    }
    byte[] replacement = ("\"resourceVersion\":\"" + to + "\"").getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[object.length - needle.length + replacement.length];
    System.arraycopy(object, 0, out, 0, at);
    System.arraycopy(replacement, 0, out, at, replacement.length);
    System.arraycopy(
        object,
        at + needle.length,
        out,
        at + replacement.length,
        object.length - at - needle.length);
    return out;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
