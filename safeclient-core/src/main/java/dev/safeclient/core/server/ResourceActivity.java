package dev.safeclient.core.server;

import dev.safeclient.core.budget.PacingClock;
import dev.safeclient.model.serving.ReadServing;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this client saw of each resource, for SC101's decision up to 1.30 (or with an old etcd): a
 * watch cache advances only on its own resource's events there, so a not-older-than read at etcd's
 * current revision is answered in time only for a resource that is changing.
 */
public final class ResourceActivity {
  /**
   * How recent a change must be for the resource to count as busy: the cache's wait for a
   * resourceVersion ({@link ReadServing#FRESHNESS_WAIT}, 3 s). A resource changing at least that
   * often moves its cache past a probe's revision before the wait ends.
   */
  static final long BUSY_WINDOW_NANOS = ReadServing.FRESHNESS_WAIT.toNanos();

  /**
   * How long a 504 ResourceVersionTooLarge keeps SC101 away from a resource: etcd's default
   * progress-notify interval, after which the quiet cache has caught up at least once.
   */
  static final long TOO_LARGE_MEMORY_NANOS = ReadServing.DEFAULT_PROGRESS_NOTIFY_INTERVAL.toNanos();

  private final PacingClock clock;
  private final Map<String, Long> lastChange = new ConcurrentHashMap<>();
  private final Map<String, Long> tooLargeAt = new ConcurrentHashMap<>();
  private final Map<String, Boolean> forbidden = new ConcurrentHashMap<>();

  public ResourceActivity(PacingClock clock) {
    this.clock = clock;
  }

  /** This process saw a change of the resource: its own write, or an informer's event. */
  public void changed(String groupResource) {
    lastChange.put(groupResource, clock.nanoTime());
  }

  public boolean busy(String groupResource) {
    Long at = lastChange.get(groupResource);
    return at != null && clock.nanoTime() - at <= BUSY_WINDOW_NANOS;
  }

  /** A not-older-than read of the resource got 504 ResourceVersionTooLarge. */
  public void cacheLagged(String groupResource) {
    tooLargeAt.put(groupResource, clock.nanoTime());
  }

  public boolean recentlyLagged(String groupResource) {
    Long at = tooLargeAt.get(groupResource);
    return at != null && clock.nanoTime() - at <= TOO_LARGE_MEMORY_NANOS;
  }

  /**
   * A probe of the resource was answered 401 or 403 for this identity: it may list only with its
   * selectors (the node authorizer, a selector-aware webhook). Remembered for good: rights rarely
   * grow, and the caller's own request costs only what plain client-java costs.
   */
  public void probeForbidden(String identity, String groupResource) {
    forbidden.put(identity + "\n" + groupResource, Boolean.TRUE);
  }

  public boolean probeForbiddenFor(String identity, String groupResource) {
    return forbidden.containsKey(identity + "\n" + groupResource);
  }
}
