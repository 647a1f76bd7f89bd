package dev.safeclient.core.internal.request;

/**
 * Tag on the LIST an informer fills its cache from. Its body is the whole collection (the watch
 * cache ignores {@code limit} for {@code resourceVersion=0}: 300 MB of JSON for 50,000 pods), so
 * how long it takes to read depends on the collection, the link and the client's CPU, not on the
 * server's health. The call deadline then runs only until the answer starts; the body is bounded as
 * client-go's reflector bounds it, by the connection's read timeout and the server's own request
 * timeout, and never cut at a length that would fail every relist of a big cache for good.
 */
public record CacheFillList() {
  public static final CacheFillList INSTANCE = new CacheFillList();
}
