package dev.safeclient.informer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;

/**
 * One JSON list body, split into its items' exact bytes ({@link RawObject}) and the list's own
 * {@code metadata}. Built-in types' items carry no {@code kind} or {@code apiVersion}, custom
 * resources' do: each item keeps what the server sent (see {@link RawObject}).
 */
public final class RawList {
  private final String kind;
  private final String apiVersion;
  private final String resourceVersion;
  private final String continueToken;
  private final Long remainingItemCount;
  private final List<RawObject> items;

  private RawList(
      String kind,
      String apiVersion,
      String resourceVersion,
      String continueToken,
      Long remainingItemCount,
      List<RawObject> items) {
    this.kind = kind;
    this.apiVersion = apiVersion;
    this.resourceVersion = resourceVersion;
    this.continueToken = continueToken;
    this.remainingItemCount = remainingItemCount;
    this.items = Collections.unmodifiableList(items);
  }

  /**
   * Reads a list body as it streams in: each item's bytes are copied out once, and the body is
   * never held whole (a 300 MB list costs its items and one item's worth more). The stream is read
   * to the end of the list and not closed.
   *
   * @throws RawJsonException where the body is not a JSON list (malformed, truncated inside it)
   * @throws IOException where the stream fails
   */
  public static RawList read(InputStream json) throws IOException {
    Recording in = new Recording(json);
    String kind = "";
    String apiVersion = "";
    String rv = "";
    String cont = null;
    Long remaining = null;
    List<RawObject> items = new ArrayList<>();
    try (JsonParser p = RawJson.FACTORY.createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new RawJsonException("the list body is not a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "kind" -> kind = value == JsonToken.VALUE_STRING ? p.getText() : skip(p);
          case "apiVersion" -> apiVersion = value == JsonToken.VALUE_STRING ? p.getText() : skip(p);
          case "metadata" -> {
            if (value != JsonToken.START_OBJECT) {
              p.skipChildren();
              break;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String m = p.currentName();
              JsonToken v = p.nextToken();
              if (m.equals("resourceVersion") && v == JsonToken.VALUE_STRING) {
                rv = p.getText();
              } else if (m.equals("continue") && v == JsonToken.VALUE_STRING) {
                cont = p.getText().isEmpty() ? null : p.getText();
              } else if (m.equals("remainingItemCount") && v == JsonToken.VALUE_NUMBER_INT) {
                remaining = p.getLongValue();
              } else {
                p.skipChildren();
              }
            }
          }
          case "items" -> readItems(p, value, in, items);
          default -> p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new RawJsonException("malformed JSON: a list member without a name");
      }
      RawJson.end(p);
    } catch (IOException e) {
      throw RawJson.translate(e, "list");
    }
    return new RawList(kind, apiVersion, rv, cont, remaining, items);
  }

  private static String skip(JsonParser p) throws IOException {
    p.skipChildren();
    return "";
  }

  private static void readItems(JsonParser p, JsonToken value, Recording in, List<RawObject> items)
      throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return; // Go's encoding of an empty slice
    }
    if (value != JsonToken.START_ARRAY) {
      throw new RawJsonException("the list's items are not an array");
    }
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
      long start = p.currentTokenLocation().getByteOffset();
      // What came before the item (the list's head, the previous item's comma) is not kept.
      in.discardBefore(start);
      RawJson.Scan s = RawJson.scan(p);
      items.add(s.toObject(in.copy(s.start, s.end)));
      in.discardBefore(s.end);
    }
    if (t != JsonToken.END_ARRAY) {
      throw new RawJsonException(
          "an item of the list is not an object, at byte "
              + p.currentTokenLocation().getByteOffset());
    }
  }

  /** The list's kind ({@code PodList}); empty when it has none. */
  public String kind() {
    return kind;
  }

  /** The list's apiVersion ({@code v1}); empty when it has none. */
  public String apiVersion() {
    return apiVersion;
  }

  /** {@code metadata.resourceVersion}: the state the list is; empty when the server sent none. */
  public String resourceVersion() {
    return resourceVersion;
  }

  /** {@code metadata.continue}, or null on the last page. */
  public String continueToken() {
    return continueToken;
  }

  /** {@code metadata.remainingItemCount}, where the server sent it. */
  public OptionalLong remainingItemCount() {
    return remainingItemCount == null ? OptionalLong.empty() : OptionalLong.of(remainingItemCount);
  }

  /** The items, in the server's order; unmodifiable. */
  public List<RawObject> items() {
    return items;
  }

  @Override
  public String toString() {
    return "RawList[" + kind + " rv=" + resourceVersion + ", " + items.size() + " items]";
  }

  /**
   * Keeps the bytes the parser has read and not yet given up, so that an item's bytes can be cut
   * out by the parser's offsets: at most the item being read and the parser's read-ahead.
   */
  private static final class Recording extends InputStream {
    private final InputStream in;
    private byte[] buf = new byte[16 * 1024];
    // The stream offset of buf[0].
    private long base;
    private int len;

    Recording(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        ensure(1);
        buf[len++] = (byte) b;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int n) throws IOException {
      int r = in.read(b, off, n);
      if (r > 0) {
        ensure(r);
        System.arraycopy(b, off, buf, len, r);
        len += r;
      }
      return r;
    }

    private void ensure(int more) {
      if (len + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
      }
    }

    byte[] copy(long from, long to) {
      return Arrays.copyOfRange(buf, (int) (from - base), (int) (to - base));
    }

    void discardBefore(long offset) {
      int drop = (int) (offset - base);
      if (drop <= 0) {
        return;
      }
      System.arraycopy(buf, drop, buf, 0, len - drop);
      len -= drop;
      base = offset;
    }
  }
}
