package dev.safeclient.core.internal.budget;

import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many objects the API server stores per resource, as far as this client knows. APF estimates a
 * LIST's cost from this count, not from what the list returns, so the list-cost budget needs it
 * too. Learnt from unselected cluster-wide list answers, and reported by informers, which hold the
 * whole collection anyway.
 */
public final class StoredCounts {
  private final ConcurrentHashMap<String, Long> counts = new ConcurrentHashMap<>();

  /**
   * Reports the number of objects stored for a resource, cluster-wide.
   *
   * @param groupResource {@code pods}, {@code deployments.apps}: as {@code
   *     KubeRequest#groupResource()}
   */
  public void report(String groupResource, long count) {
    if (groupResource != null && !groupResource.isEmpty() && count >= 0) {
      counts.put(groupResource, count);
    }
  }

  /** The last count reported for the resource, if any. */
  public OptionalLong get(String groupResource) {
    Long c = counts.get(groupResource);
    return c == null ? OptionalLong.empty() : OptionalLong.of(c);
  }
}
