package dev.safeclient.core.internal.protobuf;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes Protobuf the way Go's generated marshallers do, for tests: fields in number order, and
 * non-pointer fields written even when zero (the caller decides which fields to write).
 */
public final class ProtoWriter {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  public static ProtoWriter message() {
    return new ProtoWriter();
  }

  public ProtoWriter string(int field, String value) {
    return io(() -> out.writeString(field, value));
  }

  public ProtoWriter varint(int field, long value) {
    return io(() -> out.writeInt64(field, value));
  }

  public ProtoWriter bool(int field, boolean value) {
    return io(() -> out.writeBool(field, value));
  }

  public ProtoWriter bytes(int field, byte[] value) {
    return io(() -> out.writeByteArray(field, value));
  }

  public ProtoWriter message(int field, ProtoWriter value) {
    return bytes(field, value.build());
  }

  /** A map entry {1 key, 2 value} of a map<string, string> field. */
  public ProtoWriter mapEntry(int field, String key, String value) {
    return message(field, message().string(1, key).string(2, value));
  }

  public byte[] build() {
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** magic + runtime.Unknown{typeMeta{apiVersion, kind}, raw}, as the API server sends a body. */
  public static byte[] envelope(String apiVersion, String kind, byte[] raw) {
    byte[] unknown =
        message()
            .message(1, message().string(1, apiVersion).string(2, kind))
            .bytes(2, raw)
            .string(3, "")
            .string(4, "")
            .build();
    byte[] body = new byte[4 + unknown.length];
    System.arraycopy(KubernetesEnvelope.MAGIC, 0, body, 0, 4);
    System.arraycopy(unknown, 0, body, 4, unknown.length);
    return body;
  }

  /** The object message inside a body. */
  public static byte[] rawOf(byte[] body) throws IOException {
    KubernetesEnvelope env = KubernetesEnvelope.read(body, 0, body.length, "test body");
    byte[] raw = new byte[env.rawLength];
    System.arraycopy(env.buffer, env.rawOffset, raw, 0, env.rawLength);
    return raw;
  }

  /** A list body: {1 ListMeta{2 resourceVersion, 3 continue}, 2 items...}. */
  public static byte[] list(
      String apiVersion, String kind, String resourceVersion, String cont, byte[]... itemRaws) {
    ProtoWriter meta = message().string(1, "").string(2, resourceVersion).string(3, cont);
    ProtoWriter list = message().message(1, meta);
    for (byte[] item : itemRaws) {
      list.bytes(2, item);
    }
    return envelope(apiVersion, kind, list.build());
  }

  /** A watch frame: 4-byte big-endian length + WatchEvent{1 type, 2 RawExtension{1 raw}}. */
  public static byte[] watchFrame(String type, byte[] objectBody) {
    byte[] event = message().string(1, type).message(2, message().bytes(1, objectBody)).build();
    byte[] frame = new byte[4 + event.length];
    frame[0] = (byte) (event.length >>> 24);
    frame[1] = (byte) (event.length >>> 16);
    frame[2] = (byte) (event.length >>> 8);
    frame[3] = (byte) event.length;
    System.arraycopy(event, 0, frame, 4, event.length);
    return frame;
  }

  private interface Write {
    void run() throws IOException;
  }

  private ProtoWriter io(Write w) {
    try {
      w.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }
}
