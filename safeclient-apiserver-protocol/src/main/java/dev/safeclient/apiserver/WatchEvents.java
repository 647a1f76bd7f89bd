package dev.safeclient.apiserver;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Watch events as the apiserver frames them. JSON: one {@code {"type":T,"object":O}} line per
 * event, O being the object's bytes exactly as stored (never decoded and re-encoded, so no field is
 * lost). Protobuf: a 4-byte big-endian length, then a {@code metav1.WatchEvent} message whose
 * object is the {@code k8s\0} envelope ({@link ProtobufEnvelope}).
 */
public final class WatchEvents {
  /** The event types of {@code watch.EventType}. */
  public enum Type {
    ADDED,
    MODIFIED,
    DELETED,
    BOOKMARK,
    ERROR
  }

  /** The annotation that marks the bookmark ending a streaming list's initial events. */
  public static final String INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end";

  private static final byte[][] HEADS = new byte[Type.values().length][];

  static {
    for (Type t : Type.values()) {
      HEADS[t.ordinal()] =
          ("{\"type\":\"" + t.name() + "\",\"object\":").getBytes(StandardCharsets.US_ASCII);
    }
  }

  private static final byte[] LINE_END = {'}', '\n'};

  private WatchEvents() {}

  /** One JSON event line around an object's JSON bytes (copied once into the line). */
  public static byte[] json(Type type, byte[] objectJson) {
    byte[] head = HEADS[type.ordinal()];
    byte[] line = new byte[head.length + objectJson.length + LINE_END.length];
    System.arraycopy(head, 0, line, 0, head.length);
    System.arraycopy(objectJson, 0, line, head.length, objectJson.length);
    System.arraycopy(LINE_END, 0, line, head.length + objectJson.length, LINE_END.length);
    return line;
  }

  /**
   * The same line as three read-only buffers, the middle one the object's bytes themselves: a
   * streamed write that shares one stored object among many watchers without copying it.
   */
  public static List<ByteBuffer> jsonParts(Type type, byte[] objectJson) {
    return List.of(
        ByteBuffer.wrap(HEADS[type.ordinal()]).asReadOnlyBuffer(),
        ByteBuffer.wrap(objectJson).asReadOnlyBuffer(),
        ByteBuffer.wrap(LINE_END).asReadOnlyBuffer());
  }

  /**
   * A JSON BOOKMARK line: an object of the watched kind carrying only {@code
   * metadata.resourceVersion}, and with {@code initialEventsEnd} the {@code
   * k8s.io/initial-events-end: "true"} annotation that ends a streaming list.
   */
  public static byte[] bookmark(
      String apiVersion, String kind, long resourceVersion, boolean initialEventsEnd) {
    return json(Type.BOOKMARK, bookmarkObject(apiVersion, kind, resourceVersion, initialEventsEnd));
  }

  /** The object of a BOOKMARK event, as JSON. */
  public static byte[] bookmarkObject(
      String apiVersion, String kind, long resourceVersion, boolean initialEventsEnd) {
    String annotations =
        initialEventsEnd
            ? ",\"annotations\":{\"" + INITIAL_EVENTS_END_ANNOTATION + "\":\"true\"}"
            : "";
    return ("{\"kind\":\""
            + kind
            + "\",\"apiVersion\":\""
            + apiVersion
            + "\",\"metadata\":{\"resourceVersion\":\""
            + resourceVersion
            + "\""
            + annotations
            + "}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** A JSON ERROR line carrying a Status (a 410 Expired ends a watch this way). */
  public static byte[] error(Status status) {
    return json(Type.ERROR, status.toJsonBytes());
  }

  /**
   * One Protobuf watch frame: 4-byte big-endian length, then {@code WatchEvent{1: type, 2:
   * RawExtension{1: raw}}}, {@code envelopedObject} being the object in its {@code k8s\0} envelope.
   */
  public static byte[] protobufFrame(Type type, byte[] envelopedObject) {
    byte[] typeBytes = type.name().getBytes(StandardCharsets.US_ASCII);
    int rawLen = 1 + varintSize(envelopedObject.length) + envelopedObject.length;
    int bodyLen =
        1 + varintSize(typeBytes.length) + typeBytes.length + 1 + varintSize(rawLen) + rawLen;
    ByteBuffer b = ByteBuffer.allocate(4 + bodyLen);
    b.putInt(bodyLen);
    b.put((byte) 0x0a); // field 1, length-delimited: type
    putVarint(b, typeBytes.length);
    b.put(typeBytes);
    b.put((byte) 0x12); // field 2, length-delimited: object (RawExtension)
    putVarint(b, rawLen);
    b.put((byte) 0x0a); // RawExtension field 1: raw
    putVarint(b, envelopedObject.length);
    b.put(envelopedObject);
    return b.array();
  }

  static int varintSize(int v) {
    int n = 1;
    while ((v & ~0x7f) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  static void putVarint(ByteBuffer b, int v) {
    while ((v & ~0x7f) != 0) {
      b.put((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
  }
}
