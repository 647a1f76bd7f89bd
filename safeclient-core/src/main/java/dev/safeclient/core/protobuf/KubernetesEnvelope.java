package dev.safeclient.core.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * The envelope of every Kubernetes Protobuf object: the 4-byte magic {@code k8s\0}, then a {@code
 * runtime.Unknown} {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}.
 * The object's own message is {@code raw}, kept as a slice of the input (no copy).
 */
final class KubernetesEnvelope {
  static final byte[] MAGIC = {0x6b, 0x38, 0x73, 0x00};

  final String apiVersion;
  final String kind;
  final byte[] buffer;
  final int rawOffset;
  final int rawLength;

  private KubernetesEnvelope(
      String apiVersion, String kind, byte[] buffer, int rawOffset, int rawLength) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.buffer = buffer;
    this.rawOffset = rawOffset;
    this.rawLength = rawLength;
  }

  static boolean hasMagic(byte[] b, int off, int len) {
    return len >= 4
        && b[off] == MAGIC[0]
        && b[off + 1] == MAGIC[1]
        && b[off + 2] == MAGIC[2]
        && b[off + 3] == MAGIC[3];
  }

  static KubernetesEnvelope read(byte[] b, int off, int len, String what)
      throws ProtobufDecodeException {
    if (len == 0) {
      throw new ProtobufDecodeException(what + ": empty body, expected Kubernetes Protobuf");
    }
    if (!hasMagic(b, off, len)) {
      throw new ProtobufDecodeException(
          what + ": not Kubernetes Protobuf (the first bytes are not the magic k8s\\0)");
    }
    String apiVersion = "";
    String kind = "";
    int rawOffset = -1;
    int rawLength = 0;
    try {
      CodedInputStream in = CodedInputStream.newInstance(b, off + 4, len - 4);
      int base = off + 4;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        switch (tag) {
          case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
            int limit = in.pushLimit(in.readRawVarint32());
            while (true) {
              int t = in.readTag();
              if (t == 0) {
                break;
              }
              if (t == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                apiVersion = in.readString();
              } else if (t == ((2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                kind = in.readString();
              } else if (!in.skipField(t)) {
                break;
              }
            }
            in.popLimit(limit);
          }
          case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
            rawLength = in.readRawVarint32();
            rawOffset = base + in.getTotalBytesRead();
            in.skipRawBytes(rawLength);
          }
          case (3 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
            String encoding = in.readString();
            if (!encoding.isEmpty()) {
              throw new ProtobufDecodeException(
                  what + ": unsupported contentEncoding '" + encoding + "'");
            }
          }
          default -> {
            if (!in.skipField(tag)) {
              throw new ProtobufDecodeException(what + ": malformed runtime.Unknown envelope");
            }
          }
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ProtobufDecodeException(what + ": malformed envelope: " + e.getMessage(), e);
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (IOException e) {
      throw new ProtobufDecodeException(what + ": malformed envelope: " + e.getMessage(), e);
    }
    if (rawOffset < 0) {
      // Every object the server sends has raw; without it this is a cut or foreign body.
      throw new ProtobufDecodeException(what + ": runtime.Unknown envelope without an object");
    }
    return new KubernetesEnvelope(apiVersion, kind, b, rawOffset, rawLength);
  }
}
