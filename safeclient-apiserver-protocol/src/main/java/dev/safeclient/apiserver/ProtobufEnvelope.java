package dev.safeclient.apiserver;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The Protobuf envelope of every Kubernetes object on the wire and in etcd: the magic {@code
 * k8s\0}, then a {@code runtime.Unknown{1: TypeMeta{1: apiVersion, 2: kind}, 2: raw message, 3:
 * contentEncoding, 4: contentType}}.
 */
public final class ProtobufEnvelope {
  /** The media type of Protobuf answers. */
  public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

  /** The media type of a Protobuf watch stream. */
  public static final String WATCH_MEDIA_TYPE = MEDIA_TYPE + ";stream=watch";

  private static final byte[] MAGIC = {'k', '8', 's', 0};

  private final String apiVersion;
  private final String kind;
  private final byte[] raw;

  private ProtobufEnvelope(String apiVersion, String kind, byte[] raw) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.raw = raw;
  }

  /** Wraps an encoded message of {@code kind}. */
  public static byte[] wrap(String apiVersion, String kind, byte[] rawMessage) {
    try {
      ByteArrayOutputStream typeMeta = new ByteArrayOutputStream();
      CodedOutputStream tm = CodedOutputStream.newInstance(typeMeta);
      tm.writeString(1, apiVersion);
      tm.writeString(2, kind);
      tm.flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream(rawMessage.length + 64);
      out.write(MAGIC);
      CodedOutputStream o = CodedOutputStream.newInstance(out);
      o.writeByteArray(1, typeMeta.toByteArray());
      o.writeByteArray(2, rawMessage);
      o.writeString(3, "");
      o.writeString(4, "");
      o.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The four magic bytes, {@code k8s\0}. */
  public static byte[] magic() {
    return MAGIC.clone();
  }

  /** The size {@link #wrap} gives a message of {@code rawLength} bytes, without building it. */
  public static int wrappedSize(String apiVersion, String kind, int rawLength) {
    int typeMeta =
        CodedOutputStream.computeStringSize(1, apiVersion)
            + CodedOutputStream.computeStringSize(2, kind);
    return MAGIC.length
        + CodedOutputStream.computeTagSize(1)
        + CodedOutputStream.computeUInt32SizeNoTag(typeMeta)
        + typeMeta
        + CodedOutputStream.computeTagSize(2)
        + CodedOutputStream.computeUInt32SizeNoTag(rawLength)
        + rawLength
        + CodedOutputStream.computeStringSize(3, "")
        + CodedOutputStream.computeStringSize(4, "");
  }

  /** True if {@code bytes} start with the magic. */
  public static boolean isEnveloped(byte[] bytes) {
    return bytes.length >= MAGIC.length
        && Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
  }

  /** Reads an envelope; throws IllegalArgumentException for bytes that are not one. */
  public static ProtobufEnvelope unwrap(byte[] bytes) {
    if (!isEnveloped(bytes)) {
      throw new IllegalArgumentException("no k8s\\0 magic");
    }
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes, MAGIC.length, bytes.length - 4);
      String apiVersion = "";
      String kind = "";
      byte[] raw = new byte[0];
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (tag >>> 3) {
          case 1 -> {
            CodedInputStream tm = CodedInputStream.newInstance(in.readByteArray());
            for (int t = tm.readTag(); t != 0; t = tm.readTag()) {
              if (t >>> 3 == 1) {
                apiVersion = tm.readString();
              } else if (t >>> 3 == 2) {
                kind = tm.readString();
              } else {
                tm.skipField(t);
              }
            }
          }
          case 2 -> raw = in.readByteArray();
          default -> in.skipField(tag);
        }
      }
      return new ProtobufEnvelope(apiVersion, kind, raw);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a runtime.Unknown: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String apiVersion() {
    return apiVersion;
  }

  public String kind() {
    return kind;
  }

  /** The message bytes inside. */
  public byte[] raw() {
    return raw.clone();
  }
}
