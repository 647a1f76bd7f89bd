package dev.safeclient.core.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.internal.watch.WatchEvent;
import dev.safeclient.core.internal.watch.WatchEventReader;
import io.kubernetes.client.openapi.models.V1Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads a Protobuf watch stream ({@code Accept: application/vnd.kubernetes.protobuf;stream=watch}):
 * each frame is a 4-byte big-endian length, then a raw {@code WatchEvent} {1 type, 2 object}, whose
 * object is a {@code RawExtension} holding magic + {@code runtime.Unknown}. ERROR events carry a
 * {@link V1Status}. Not thread-safe: one reader per stream.
 */
public final class ProtobufWatchEventReader<T> implements WatchEventReader<T> {
  /**
   * The default largest frame: the API server's own request limit is 3 MiB per object in etcd (1.5
   * MiB default), so 64 MiB is far above any real event and still bounds memory on a corrupt
   * length.
   */
  public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

  /**
   * The buffer a frame starts with: most events (a pod with managedFields) are a few KiB to tens of
   * KiB, so one 64 KiB buffer holds nearly all of them without a copy, and a corrupt length costs
   * at most this before the stream runs dry.
   */
  private static final int FIRST_FRAME_BUFFER_BYTES = 64 * 1024;

  private final InputStream in;
  private final Class<T> type;
  private final ProtobufCodec codec;
  private final int maxFrameBytes;
  private boolean failed;

  private ProtobufWatchEventReader(
      InputStream in, Class<T> type, ProtobufCodec codec, int maxFrameBytes) {
    this.in = Objects.requireNonNull(in, "in");
    this.type = Objects.requireNonNull(type, "type");
    this.codec = Objects.requireNonNull(codec, "codec");
    if (maxFrameBytes < 1) {
      throw new IllegalArgumentException("maxFrameBytes must be >= 1: " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** A reader of events of {@code type} (such as {@code V1Pod}), frames up to 64 MiB. */
  public static <T> ProtobufWatchEventReader<T> open(
      InputStream in, Class<T> type, ProtobufCodec codec) {
    return new ProtobufWatchEventReader<>(in, type, codec, DEFAULT_MAX_FRAME_BYTES);
  }

  public static <T> ProtobufWatchEventReader<T> open(
      InputStream in, Class<T> type, ProtobufCodec codec, int maxFrameBytes) {
    return new ProtobufWatchEventReader<>(in, type, codec, maxFrameBytes);
  }

  @Override
  public WatchEvent<T> next() throws IOException {
    if (failed) {
      throw new ProtobufDecodeException("watch stream already failed; reopen the watch");
    }
    try {
      return readEvent();
    } catch (IOException e) {
      failed = true;
      throw e;
    }
  }

  private WatchEvent<T> readEvent() throws IOException {
    int b0 = in.read();
    if (b0 < 0) {
      return null; // clean end between frames
    }
    int b1 = in.read();
    int b2 = in.read();
    int b3 = in.read();
    if ((b1 | b2 | b3) < 0) {
      throw new ProtobufDecodeException("watch stream truncated inside a frame length");
    }
    long len = ((long) b0 << 24) | (b1 << 16) | (b2 << 8) | b3;
    if (len > maxFrameBytes) {
      throw new ProtobufDecodeException(
          "watch frame of " + len + " bytes exceeds the maximum of " + maxFrameBytes);
    }
    byte[] frame = readFrame((int) len);
    return decodeFrame(frame);
  }

  /**
   * Reads exactly one frame and not a byte more. {@code InputStream.readNBytes} is not used: after
   * the last byte it asks for 0 more, and okio's response stream blocks on that until the next
   * frame arrives, which would hold each event back until the server sends another one. The buffer
   * grows as bytes arrive, so a lying length on a short stream costs no more memory than the bytes
   * really sent.
   */
  private byte[] readFrame(int len) throws IOException {
    byte[] frame = new byte[Math.min(len, FIRST_FRAME_BUFFER_BYTES)];
    int n = 0;
    while (n < len) {
      if (n == frame.length) {
        frame = Arrays.copyOf(frame, (int) Math.min(len, 2L * frame.length));
      }
      int r = in.read(frame, n, frame.length - n);
      if (r < 0) {
        throw new ProtobufDecodeException(
            "watch stream truncated: frame of " + len + " bytes, only " + n + " arrived");
      }
      n += r;
    }
    return frame;
  }

  private WatchEvent<T> decodeFrame(byte[] frame) throws ProtobufDecodeException {
    String typeName = null;
    int objOffset = -1;
    int objLength = 0;
    try {
      CodedInputStream c = CodedInputStream.newInstance(frame);
      while (true) {
        int tag = c.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          typeName = c.readString();
        } else if (tag == ((2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          int old = c.pushLimit(ModelDecoder.length(c));
          while (true) {
            int t = c.readTag();
            if (t == 0) {
              break;
            }
            if (t == ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
              objLength = ModelDecoder.length(c);
              objOffset = c.getTotalBytesRead();
              c.skipRawBytes(objLength);
            } else {
              ModelDecoder.skip(c, t);
            }
          }
          c.popLimit(old);
        } else {
          ModelDecoder.skip(c, tag);
        }
      }
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (InvalidProtocolBufferException e) {
      throw new ProtobufDecodeException("malformed watch event: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ProtobufDecodeException("malformed watch event: " + e.getMessage(), e);
    }
    WatchEvent.Type eventType;
    try {
      eventType = WatchEvent.Type.valueOf(typeName == null ? "" : typeName);
    } catch (IllegalArgumentException e) {
      throw new ProtobufDecodeException("watch event of unknown type '" + typeName + "'");
    }
    if (objOffset < 0) {
      throw new ProtobufDecodeException("watch event " + eventType + " without an object");
    }
    if (eventType == WatchEvent.Type.ERROR) {
      V1Status status =
          (V1Status) codec.decode(frame, objOffset, objLength, V1Status.class, "watch ERROR event");
      return WatchEvent.error(status);
    }
    T object = type.cast(codec.decodeWatchObject(frame, objOffset, objLength, type));
    return WatchEvent.of(eventType, object);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
