package dev.safeclient.core.pipeline;

import java.io.IOException;
import java.util.List;
import okhttp3.MediaType;

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
}
