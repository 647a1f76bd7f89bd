package dev.safeclient.core.internal.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.safeclient.core.ProtobufDecodeException;
import dev.safeclient.core.internal.body.ListBodyFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;

/**
 * SC102's list paging over Protobuf pages, at the byte level: items are copied as they came, never
 * decoded. Every Kubernetes list message is {1 ListMeta metadata, 2 repeated items}; ListMeta is {1
 * selfLink, 2 resourceVersion, 3 continue, 4 remainingItemCount}.
 */
public final class ProtobufListBodyFormat implements ListBodyFormat {
  private static final int LIST_METADATA = 1;
  private static final int META_RESOURCE_VERSION = 2;
  private static final int META_CONTINUE = 3;
  private static final int META_REMAINING_ITEM_COUNT = 4;

  @Override
  public boolean accepts(MediaType contentType) {
    return ProtobufCodec.isProtobuf(contentType);
  }

  @Override
  public String continueToken(byte[] body) throws IOException {
    return listMetaString(body, META_CONTINUE);
  }

  @Override
  public String resourceVersion(byte[] body) throws IOException {
    return listMetaString(body, META_RESOURCE_VERSION);
  }

  @Override
  public byte[] merge(List<byte[]> pages) throws IOException {
    try (ResponseBody b = mergedBody(new ArrayList<>(pages), null)) {
      return b.bytes();
    }
  }

  /**
   * The merged list, written into okio segments: each page is released once its items are copied,
   * so the pages and the merged list are not both held whole.
   */
  @Override
  public ResponseBody mergedBody(List<byte[]> pages, MediaType contentType) throws IOException {
    if (pages.isEmpty()) {
      throw new ProtobufDecodeException("no list pages to merge");
    }
    byte[] page0 = pages.get(0);
    KubernetesEnvelope first = envelope(page0);
    // First pass: what of each page goes into the merged list (no copy), to learn its length.
    List<List<int[]>> parts = new ArrayList<>(pages.size());
    byte[] firstMeta = null;
    long rawLength = 0;
    try {
      CodedInputStream in =
          CodedInputStream.newInstance(first.buffer, first.rawOffset, first.rawLength);
      List<int[]> firstParts = new ArrayList<>();
      while (true) {
        int start = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == ((LIST_METADATA << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          firstMeta = withoutPaging(in.readByteArray());
          firstParts.add(null); // where the metadata goes
          rawLength += CodedOutputStream.computeByteArraySize(LIST_METADATA, firstMeta);
        } else {
          ModelDecoder.skip(in, tag);
          int len = in.getTotalBytesRead() - start;
          firstParts.add(new int[] {first.rawOffset + start, len});
          rawLength += len;
        }
      }
      parts.add(firstParts);
      for (int i = 1; i < pages.size(); i++) {
        KubernetesEnvelope p = envelope(pages.get(i));
        CodedInputStream pin = CodedInputStream.newInstance(p.buffer, p.rawOffset, p.rawLength);
        List<int[]> pageParts = new ArrayList<>();
        while (true) {
          int start = pin.getTotalBytesRead();
          int tag = pin.readTag();
          if (tag == 0) {
            break;
          }
          ModelDecoder.skip(pin, tag);
          if (WireFormat.getTagFieldNumber(tag) != LIST_METADATA) {
            int len = pin.getTotalBytesRead() - start;
            pageParts.add(new int[] {p.rawOffset + start, len});
            rawLength += len;
          }
        }
        parts.add(pageParts);
      }
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (IOException e) {
      throw new ProtobufDecodeException("malformed list page: " + e.getMessage(), e);
    }
    if (rawLength > Integer.MAX_VALUE) {
      throw new ProtobufDecodeException(
          "merged list of " + rawLength + " bytes is beyond Protobuf's 2 GiB");
    }
    Buffer merged = new Buffer();
    merged.write(KubernetesEnvelope.MAGIC);
    // The first page's envelope fields, with raw (field 2) now the merged list.
    CodedInputStream env = CodedInputStream.newInstance(page0, 4, page0.length - 4);
    while (true) {
      int start = env.getTotalBytesRead();
      int tag = env.readTag();
      if (tag == 0) {
        break;
      }
      ModelDecoder.skip(env, tag);
      if (WireFormat.getTagFieldNumber(tag) != 2) {
        merged.write(page0, 4 + start, env.getTotalBytesRead() - start);
        continue;
      }
      writeVarint(merged, (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED);
      writeVarint(merged, rawLength);
      for (int i = 0; i < parts.size(); i++) {
        byte[] page = pages.get(i);
        for (int[] part : parts.get(i)) {
          if (part == null) {
            writeVarint(merged, (LIST_METADATA << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED);
            writeVarint(merged, firstMeta.length);
            merged.write(firstMeta);
          } else {
            merged.write(page, part[0], part[1]);
          }
        }
        if (i > 0) {
          pages.set(i, null); // copied: released (the first page's envelope is read to the end)
        }
      }
    }
    return ResponseBody.create(merged, contentType, merged.size());
  }

  private static void writeVarint(Buffer out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.writeByte((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.writeByte((int) value);
  }

  /**
   * Reads the envelope's head and the list's metadata, which the API server writes before the items
   * (Go marshals fields in number order), and not one item.
   */
  @Override
  public String continueTokenAtHead(InputStream page) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(page, 512);
    try {
      KubernetesEnvelope head = KubernetesEnvelope.readHead(in, "list page", 1 << 16);
      in.pushLimit(head.rawLength);
      int tag = in.readTag();
      if (tag != ((LIST_METADATA << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
        return tag == 0 ? "" : null; // an empty list; or items first: read the page whole
      }
      in.pushLimit(ModelDecoder.length(in));
      String value = "";
      while (true) {
        int t = in.readTag();
        if (t == 0) {
          return value;
        }
        if (t == ((META_CONTINUE << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          value = in.readString();
        } else {
          ModelDecoder.skip(in, t);
        }
      }
    } catch (IOException e) {
      // Not readable from its head: the whole page is read, and what is wrong with it said then.
      return null;
    }
  }

  private static byte[] withoutPaging(byte[] meta) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(meta.length);
    CodedOutputStream out = CodedOutputStream.newInstance(b);
    CodedInputStream in = CodedInputStream.newInstance(meta);
    while (true) {
      int start = in.getTotalBytesRead();
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      ModelDecoder.skip(in, tag);
      int n = WireFormat.getTagFieldNumber(tag);
      if (n != META_CONTINUE && n != META_REMAINING_ITEM_COUNT) {
        out.writeRawBytes(meta, start, in.getTotalBytesRead() - start);
      }
    }
    out.flush();
    return b.toByteArray();
  }

  private static String listMetaString(byte[] body, int field) throws IOException {
    KubernetesEnvelope env = envelope(body);
    try {
      CodedInputStream in = CodedInputStream.newInstance(env.buffer, env.rawOffset, env.rawLength);
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return null;
        }
        if (tag == ((LIST_METADATA << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          int old = in.pushLimit(ModelDecoder.length(in));
          String value = null;
          while (true) {
            int t = in.readTag();
            if (t == 0) {
              break;
            }
            if (t == ((field << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
              value = in.readString();
            } else {
              ModelDecoder.skip(in, t);
            }
          }
          in.popLimit(old);
          return value;
        }
        ModelDecoder.skip(in, tag);
      }
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (IOException e) {
      throw new ProtobufDecodeException("malformed list page: " + e.getMessage(), e);
    }
  }

  private static KubernetesEnvelope envelope(byte[] body) throws ProtobufDecodeException {
    return KubernetesEnvelope.read(body, 0, body.length, "list page");
  }
}
