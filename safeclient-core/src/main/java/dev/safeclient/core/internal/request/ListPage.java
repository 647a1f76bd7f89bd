package dev.safeclient.core.internal.request;

/**
 * Tag on each page request of a paged list (SC102's pager, the informer's reflector). Each page is
 * charged as the one request it is, when it is sent; a page after the first waits its turn for the
 * budgets instead of being refused, since refusing it would throw away the pages already read.
 *
 * @param index 0 for the first page
 * @param pageSize the {@code limit} sent
 */
public record ListPage(int index, int pageSize) {
  public boolean isFirst() {
    return index == 0;
  }
}
