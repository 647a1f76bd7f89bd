package dev.safeclient.relay.internal;

import java.io.IOException;

/** The two reads a relay makes of the API server itself, besides its reflectors' list and watch. */
public interface Upstream {
  /**
   * The API server's current resource version for {@code r}: a consistent {@code limit=1} list,
   * whose RV is etcd's current revision. The cheapest consistent read there is.
   */
  long currentResourceVersion(ResourceSpec r) throws IOException;

  /** One consistent full list of {@code r} (RV unset), items as the server sent them. */
  ListSnapshot consistentList(ResourceSpec r) throws IOException;
}
