package dev.safeclient.core.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.safeclient.core.pipeline.ListBodyFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import okhttp3.MediaType;

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
    if (pages.isEmpty()) {
      throw new ProtobufDecodeException("no list pages to merge");
    }
    KubernetesEnvelope first = envelope(pages.get(0));
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(list);
    // The first page's list metadata without continue/remainingItemCount, and its other fields.
    try {
      CodedInputStream in =
          CodedInputStream.newInstance(first.buffer, first.rawOffset, first.rawLength);
      while (true) {
        int start = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == ((LIST_METADATA << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
          byte[] meta = in.readByteArray();
          out.writeByteArray(LIST_METADATA, withoutPaging(meta));
        } else {
          ModelDecoder.skip(in, tag);
          out.writeRawBytes(first.buffer, first.rawOffset + start, in.getTotalBytesRead() - start);
        }
      }
      // Items (and anything else but metadata) of the later pages, in order.
      for (int i = 1; i < pages.size(); i++) {
        KubernetesEnvelope p = envelope(pages.get(i));
        CodedInputStream pin = CodedInputStream.newInstance(p.buffer, p.rawOffset, p.rawLength);
        while (true) {
          int start = pin.getTotalBytesRead();
          int tag = pin.readTag();
          if (tag == 0) {
            break;
          }
          ModelDecoder.skip(pin, tag);
          if (WireFormat.getTagFieldNumber(tag) != LIST_METADATA) {
            out.writeRawBytes(p.buffer, p.rawOffset + start, pin.getTotalBytesRead() - start);
          }
        }
      }
      out.flush();
    } catch (ProtobufDecodeException e) {
      throw e;
    } catch (IOException e) {
      throw new ProtobufDecodeException("malformed list page: " + e.getMessage(), e);
    }
    return envelopeOf(pages.get(0), first, list.toByteArray());
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

  /** The first page's envelope with {@code raw} replaced. */
  private static byte[] envelopeOf(byte[] page, KubernetesEnvelope env, byte[] raw)
      throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(raw.length + 64);
    b.write(KubernetesEnvelope.MAGIC);
    CodedOutputStream out = CodedOutputStream.newInstance(b);
    CodedInputStream in = CodedInputStream.newInstance(page, 4, page.length - 4);
    while (true) {
      int start = in.getTotalBytesRead();
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      ModelDecoder.skip(in, tag);
      if (WireFormat.getTagFieldNumber(tag) == 2) {
        out.writeByteArray(2, raw);
      } else {
        out.writeRawBytes(page, 4 + start, in.getTotalBytesRead() - start);
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
