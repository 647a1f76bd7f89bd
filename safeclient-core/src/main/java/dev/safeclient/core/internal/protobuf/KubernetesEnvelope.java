package dev.safeclient.core.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.safeclient.core.ProtobufDecodeException;
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

  /**
   * The head of an envelope read from a stream: the magic, then every field before {@code raw},
   * leaving {@code in} at the first byte of the object, whose declared length is {@code rawLength}
   * ({@code buffer} is null). Nothing of that length is allocated: the caller limits {@code in} to
   * it and decodes the object as it arrives. The API server writes typeMeta (field 1) before raw
   * (field 2), as Go marshals fields in number order.
   *
   * @param maxTypeMetaBytes the largest typeMeta accepted (it holds two short names)
   */
  static KubernetesEnvelope readHead(CodedInputStream in, String what, int maxTypeMetaBytes)
      throws IOException {
    if (in.isAtEnd()) {
      throw new ProtobufDecodeException(what + ": empty body, expected Kubernetes Protobuf");
    }
    byte[] magic;
    try {
      magic = in.readRawBytes(MAGIC.length);
    } catch (InvalidProtocolBufferException e) {
      throw new ProtobufDecodeException(
          what + ": not Kubernetes Protobuf (shorter than the magic k8s\\0)", e);
    }
    if (!hasMagic(magic, 0, magic.length)) {
      throw new ProtobufDecodeException(
          what + ": not Kubernetes Protobuf (the first bytes are not the magic k8s\\0)");
    }
    String apiVersion = "";
    String kind = "";
    try {
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          throw new ProtobufDecodeException(what + ": runtime.Unknown envelope without an object");
        }
        switch (tag) {
          case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
            int length = in.readRawVarint32();
            if (length < 0 || length > maxTypeMetaBytes) {
              throw new ProtobufDecodeException(
                  what + ": typeMeta of " + Integer.toUnsignedString(length) + " bytes");
            }
            int limit = in.pushLimit(length);
            while (true) {
              int t = in.readTag();
              if (t == 0) {
                break;
              }
              if (t == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                apiVersion = in.readString();
              } else if (t == ((2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                kind = in.readString();
              } else {
                ModelDecoder.skip(in, t);
              }
            }
            ModelDecoder.expectEndOfLimit(in, "typeMeta");
            in.popLimit(limit);
          }
          case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
            int rawLength = in.readRawVarint32();
            // Beyond 2 GiB (a negative int32), or past what int offsets can count: no Kubernetes
            // object or list is that large (etcd's request limit is 1.5 MiB per object).
            if (rawLength < 0 || rawLength > Integer.MAX_VALUE - in.getTotalBytesRead()) {
              throw new ProtobufDecodeException(
                  what
                      + ": object of "
                      + Integer.toUnsignedString(rawLength)
                      + " bytes is beyond 2 GiB");
            }
            return new KubernetesEnvelope(apiVersion, kind, null, -1, rawLength);
          }
          case (3 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> checkEncoding(in, what);
          default -> ModelDecoder.skip(in, tag);
        }
      }
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (InvalidProtocolBufferException e) {
      throw new ProtobufDecodeException(what + ": malformed envelope: " + e.getMessage(), e);
    }
  }

  /** The fields of a streamed envelope after {@code raw}, to the end of the body. */
  static void readTail(CodedInputStream in, String what) throws IOException {
    try {
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return;
        }
        if (tag == ((3 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          checkEncoding(in, what);
        } else if (WireFormat.getTagFieldNumber(tag) == 2) {
          throw new ProtobufDecodeException(what + ": runtime.Unknown envelope with two objects");
        } else {
          ModelDecoder.skip(in, tag);
        }
      }
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (InvalidProtocolBufferException e) {
      throw new ProtobufDecodeException(what + ": malformed envelope: " + e.getMessage(), e);
    }
  }

  private static void checkEncoding(CodedInputStream in, String what) throws IOException {
    String encoding = in.readString();
    if (!encoding.isEmpty()) {
      throw new ProtobufDecodeException(what + ": unsupported contentEncoding '" + encoding + "'");
    }
  }
}
