package dev.safeclient.core.internal.rules;

import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;

/** How a LIST's query options decide which rules may touch it. */
public final class ListOptions {
  private ListOptions() {}

  /**
   * A LIST whose consistency and size the caller left to us: no {@code limit}, {@code continue},
   * {@code resourceVersion} or {@code resourceVersionMatch} of its own. A caller who set any of
   * them chose the read's semantics on purpose, and no rule rewrites it.
   */
  public static boolean isPlainConsistentList(KubeRequest k) {
    return k.verb() == Verb.LIST
        && !hasPositiveLimit(k)
        && !k.hasQuery("continue")
        && !k.hasQuery("resourceVersion")
        && !k.hasQuery("resourceVersionMatch");
  }

  /** {@code limit=0} or a negative limit means "unpaged" to the server, like no limit at all. */
  private static boolean hasPositiveLimit(KubeRequest k) {
    String limit = k.query("limit");
    if (limit == null || limit.isEmpty()) {
      return false;
    }
    try {
      return Long.parseLong(limit) > 0;
    } catch (NumberFormatException e) {
      return true; // the server will reject it; not ours to rewrite
    }
  }
}
