package dev.safeclient.core;

/**
 * A paged LIST that could not be completed: it never ended, its pages came in different formats, or
 * its pages could not be read. The caller gets no partial list; callers of the generated APIs see
 * this as the cause of an {@code ApiException}.
 */
public class ListPagingException extends SafeClientException {
  public ListPagingException(String message) {
    super(message);
  }
}
