package dev.safeclient.core.internal.budget;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * Counts the objects of an unselected list answer without consuming it: the items of the page plus
 * {@code metadata.remainingItemCount}. Reads JSON and Kubernetes Protobuf. Gives up (empty) on a
 * body larger than {@link #MAX_BYTES}: such a list is past the point where APF charges the maximum
 * anyway, and peeking it would hold it twice in memory.
 */
final class StoredCountReader {
  /** ~1,000 typical objects at 8 kB: beyond it the estimate is 10 seats whatever the count. */
  static final long MAX_BYTES = 8L * 1024 * 1024;

  private static final byte[] PROTO_MAGIC = {'k', '8', 's', 0};

  private StoredCountReader() {}

  static OptionalLong count(ResponseBody body) {
    long length = body.contentLength();
    if (length > MAX_BYTES) {
      return OptionalLong.empty();
    }
    MediaType type = body.contentType();
    BufferedSource peek = body.source().peek();
    try (InputStream in = new Bounded(peek.inputStream(), MAX_BYTES)) {
      if (type != null && type.subtype().contains("protobuf")) {
        return countProtobuf(in);
      }
      return countJson(in);
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  private static OptionalLong countJson(InputStream in) throws IOException {
    JsonReader r = new JsonReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    long items = -1;
    long remaining = 0;
    r.beginObject();
    while (r.hasNext()) {
      String name = r.nextName();
      if (name.equals("items") && r.peek() == JsonToken.BEGIN_ARRAY) {
        items = 0;
        r.beginArray();
        while (r.hasNext()) {
          r.skipValue();
          items++;
        }
        r.endArray();
      } else if (name.equals("metadata") && r.peek() == JsonToken.BEGIN_OBJECT) {
        r.beginObject();
        while (r.hasNext()) {
          if (r.nextName().equals("remainingItemCount") && r.peek() == JsonToken.NUMBER) {
            remaining = r.nextLong();
          } else {
            r.skipValue();
          }
        }
        r.endObject();
      } else {
        r.skipValue();
      }
    }
    return items < 0 ? OptionalLong.empty() : OptionalLong.of(items + remaining);
  }

  /**
   * runtime.Unknown{raw=2} wrapping the XList{metadata=1 ListMeta{remainingItemCount=4}, items=2}.
   */
  private static OptionalLong countProtobuf(InputStream in) throws IOException {
    byte[] magic = in.readNBytes(4);
    if (!java.util.Arrays.equals(magic, PROTO_MAGIC)) {
      return OptionalLong.empty();
    }
    CodedInputStream unknown = CodedInputStream.newInstance(in);
    unknown.setSizeLimit(Integer.MAX_VALUE);
    int tag;
    while ((tag = unknown.readTag()) != 0) {
      if (WireFormat.getTagFieldNumber(tag) == 2
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int len = unknown.readRawVarint32();
        int old = unknown.pushLimit(len);
        long items = 0;
        long remaining = 0;
        int t;
        while ((t = unknown.readTag()) != 0) {
          int field = WireFormat.getTagFieldNumber(t);
          if (field == 2) {
            items++;
            unknown.skipField(t);
          } else if (field == 1
              && WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int metaLen = unknown.readRawVarint32();
            int oldMeta = unknown.pushLimit(metaLen);
            int m;
            while ((m = unknown.readTag()) != 0) {
              if (WireFormat.getTagFieldNumber(m) == 4
                  && WireFormat.getTagWireType(m) == WireFormat.WIRETYPE_VARINT) {
                remaining = unknown.readInt64();
              } else {
                unknown.skipField(m);
              }
            }
            unknown.popLimit(oldMeta);
          } else {
            unknown.skipField(t);
          }
        }
        unknown.popLimit(old);
        return OptionalLong.of(items + remaining);
      }
      unknown.skipField(tag);
    }
    return OptionalLong.empty();
  }

  /** Fails past {@code max} bytes instead of buffering an unbounded body. */
  private static final class Bounded extends FilterInputStream {
    private long left;

    Bounded(InputStream in, long max) {
      super(in);
      this.left = max;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        throw new IOException("list body larger than " + MAX_BYTES + " bytes");
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        throw new IOException("list body larger than " + MAX_BYTES + " bytes");
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
