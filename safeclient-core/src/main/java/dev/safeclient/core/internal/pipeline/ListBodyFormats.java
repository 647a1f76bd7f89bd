package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.ListPagingException;
import dev.safeclient.core.internal.body.ListBodyFormat;
import java.util.List;
import okhttp3.MediaType;

/** The list formats the pipeline reads, chosen by a response's content type. */
public final class ListBodyFormats {
  private final List<ListBodyFormat> formats;

  public ListBodyFormats(List<ListBodyFormat> formats) {
    this.formats = List.copyOf(formats);
  }

  /** The first format that reads this content type. */
  ListBodyFormat forContentType(MediaType contentType) throws ListPagingException {
    for (ListBodyFormat f : formats) {
      if (f.accepts(contentType)) {
        return f;
      }
    }
    throw new ListPagingException("cannot read a list answered as " + contentType);
  }
}
