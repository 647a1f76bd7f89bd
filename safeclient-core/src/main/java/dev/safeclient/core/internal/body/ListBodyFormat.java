package dev.safeclient.core.internal.body;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.ResponseBody;

/**
 * Reads and merges LIST response bodies in one wire format (JSON or Protobuf), for SC102's paging
 * and SC101's probe. Paging sits above the encoding link, so it sees whichever format the server
 * answered in.
 */
public interface ListBodyFormat {
  /** Whether this format reads bodies of this content type. */
  boolean accepts(MediaType contentType);

  /** {@code metadata.continue} of one list page; null or empty on the last page. */
  String continueToken(byte[] body) throws IOException;

  /** {@code metadata.resourceVersion} of one list page. */
  String resourceVersion(byte[] body) throws IOException;

  /**
   * One list as if the server had answered unpaged: the first page's list metadata with {@code
   * continue} and {@code remainingItemCount} cleared, and every page's items in order.
   */
  byte[] merge(List<byte[]> pages) throws IOException;

  /**
   * {@code metadata.continue} of one page read from the head of the page alone, {@code ""} when it
   * has none, or null when this format cannot tell without reading the whole page. A page whose
   * head says it is the last is handed on unread, to be decoded as it arrives.
   */
  default String continueTokenAtHead(InputStream page) throws IOException {
    return null;
  }

  /**
   * {@link #merge} as a response body. An implementation may release each page of {@code pages}
   * (set it to null) once it is copied, so that the pages and the merged body are not all held at
   * once. It must hold no more than plain client-java holds for the same list unpaged (its whole
   * answer, read into a String): both formats stream, so the pages not yet copied and the merged
   * body are about one list's bytes; in Protobuf, fewer than plain client-java's JSON.
   */
  default ResponseBody mergedBody(List<byte[]> pages, MediaType contentType) throws IOException {
    return ResponseBody.create(merge(pages), contentType);
  }
}
