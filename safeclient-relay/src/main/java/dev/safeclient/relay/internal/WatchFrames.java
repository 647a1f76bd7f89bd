package dev.safeclient.relay.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** JSON watch frames around stored bytes: one {@code {"type":..,"object":..}} line per event. */
final class WatchFrames {
  private WatchFrames() {}

  private static final byte[] TYPE = "{\"type\":\"".getBytes(StandardCharsets.UTF_8);
  private static final byte[] OBJECT = "\",\"object\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] END = "}\n".getBytes(StandardCharsets.UTF_8);

  /** One JSON-lines watch event around an object's bytes, which are copied as they are. */
  static byte[] json(String type, ByteBuffer objectBytes) {
    ByteBuffer object = objectBytes.duplicate();
    int n = object.remaining();
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[TYPE.length + t.length + OBJECT.length + n + END.length];
    int i = 0;
    System.arraycopy(TYPE, 0, out, i, TYPE.length);
    i += TYPE.length;
    System.arraycopy(t, 0, out, i, t.length);
    i += t.length;
    System.arraycopy(OBJECT, 0, out, i, OBJECT.length);
    i += OBJECT.length;
    object.get(out, i, n);
    i += n;
    System.arraycopy(END, 0, out, i, END.length);
    return out;
  }

  /**
   * A bookmark's object: only the kind and the resource version, as the watch cache sends it;
   * {@code initialEventsEnd} adds the annotation that ends a streaming list's initial state.
   */
  static byte[] bookmark(String apiVersion, String kind, long rv, boolean initialEventsEnd) {
    String annotations =
        initialEventsEnd ? ",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}" : "";
    return ("{\"kind\":\""
            + kind
            + "\",\"apiVersion\":\""
            + apiVersion
            + "\",\"metadata\":{\"resourceVersion\":\""
            + rv
            + "\",\"creationTimestamp\":null"
            + annotations
            + "}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The object's bytes with its {@code metadata.resourceVersion} set to {@code to}: the cacher
   * sends an object that stopped matching a watcher's selector as DELETED at the event's RV, so
   * that the watcher's resume point moves forward, never back. The apiserver writes metadata
   * first, so the first {@code "resourceVersion":"from"} is the object's own.
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
