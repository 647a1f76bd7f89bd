package dev.safeclient.relay.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a JSON list body into its items' bytes exactly as the server wrote them, and reads the
 * list's {@code metadata.resourceVersion}, without building a tree: a scan that tracks strings and
 * nesting depth.
 */
final class JsonListBody {
  final long resourceVersion;
  final List<byte[]> items;

  private JsonListBody(long resourceVersion, List<byte[]> items) {
    this.resourceVersion = resourceVersion;
    this.items = items;
  }

  /** Throws {@link IllegalArgumentException} for a body that is not a JSON list with an RV. */
  static JsonListBody parse(byte[] b) {
    List<byte[]> items = new ArrayList<>();
    String rv = null;
    int depth = 0;
    int i = 0;
    int itemStart = -1;
    boolean inItems = false;
    boolean inMetadata = false;
    String lastKey = null;
    while (i < b.length) {
      byte c = b[i];
      if (c == '"') {
        int end = stringEnd(b, i);
        String s = new String(b, i + 1, end - i - 1, java.nio.charset.StandardCharsets.UTF_8);
        int next = skipSpace(b, end + 1);
        boolean isKey = next < b.length && b[next] == ':';
        if (isKey && depth == 1) {
          lastKey = s;
        } else if (isKey && depth == 2 && inMetadata) {
          lastKey = s;
        } else if (!isKey && depth == 2 && inMetadata && "resourceVersion".equals(lastKey)) {
          rv = s;
        }
        i = end + 1;
        continue;
      }
      if (c == '{' || c == '[') {
        depth++;
        if (depth == 2 && c == '[' && "items".equals(lastKey)) {
          inItems = true;
        } else if (depth == 2 && c == '{' && "metadata".equals(lastKey)) {
          inMetadata = true;
        } else if (depth == 3 && inItems && itemStart < 0) {
          itemStart = i;
        }
      } else if (c == '}' || c == ']') {
        if (depth == 3 && inItems && itemStart >= 0) {
          items.add(Arrays.copyOfRange(b, itemStart, i + 1));
          itemStart = -1;
        }
        if (depth == 2) {
          inItems = false;
          inMetadata = false;
        }
        depth--;
      }
      i++;
    }
    if (depth != 0) {
      throw new IllegalArgumentException("a truncated list body");
    }
    return new JsonListBody(ResourceVersions.parse(rv), items);
  }

  private static int stringEnd(byte[] b, int open) {
    int i = open + 1;
    while (i < b.length) {
      if (b[i] == '\\') {
        i += 2;
        continue;
      }
      if (b[i] == '"') {
        return i;
      }
      i++;
    }
    throw new IllegalArgumentException("a truncated list body");
  }

  private static int skipSpace(byte[] b, int i) {
    while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
      i++;
    }
    return i;
  }
}
