package dev.safeclient.core.request;

/**
 * Tag on each request that SC102's pager sends. The budget link charges a paged list's cost once,
 * up front, on page 0, so that it never stalls a list halfway into an expired continue token.
 *
 * @param index 0 for the first page
 * @param pageSize the {@code limit} sent
 */
public record ListPage(int index, int pageSize) {
  public boolean isFirst() {
    return index == 0;
  }
}
