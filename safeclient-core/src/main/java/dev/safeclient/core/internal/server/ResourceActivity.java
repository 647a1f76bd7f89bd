package dev.safeclient.core.internal.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.safeclient.model.serving.ReadServing;
import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.Arrays;
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

  /**
   * The longest a change rate measured between list answers, or a one-answer estimate, stands for
   * the resource: etcd's progress-notify interval, as for a 504 (a busy rate stands for less: twice
   * the interval it was measured over). If the resource went quiet since, the 504 it then causes is
   * remembered, and the caller's own request goes out meanwhile.
   */
  static final long RATE_MEMORY_NANOS = ReadServing.DEFAULT_PROGRESS_NOTIFY_INTERVAL.toNanos();

  private final TimeSource clock;
  private final Map<String, Long> lastChange = new ConcurrentHashMap<>();

  /**
   * How many of an answer's newest item resourceVersions are kept for {@link #busyAtRevision}: more
   * changes than this within the window it looks at mean busy at any elapsed time it can see, so
   * the rest cannot change its answer.
   */
  static final int NEWEST_KEPT = 4096;

  /**
   * How old an answer must be before a probe estimates from it: ten cache waits. Sooner, a single
   * recent item already reads as busy, so the estimate would say little, and an immediate second
   * list (a warm-up, an informer's relist after a 410) would pay the probe for it.
   */
  static final long MIN_ESTIMATE_SPAN_NANOS = 10 * BUSY_WINDOW_NANOS;

  /**
   * How long a list answer stays to measure a rate against, and an unused 403 memory stays: an
   * hour. A rate averaged over longer says little of the next progress-notify interval, which is
   * all a rate stands for; bearer tokens rotate hourly (bound service account tokens), so a refused
   * identity's digest goes unused within that.
   */
  static final Duration SCOPE_MEMORY = Duration.ofHours(1);

  /**
   * Scopes (resource, path and selectors) whose last answer is kept. Past it the least used goes:
   * its next answer is a first one again, which only passes the caller's request through.
   */
  static final long MAX_SCOPES = 16_384;

  /** Identities and resources whose probe was refused; past it, one more refused probe. */
  static final long MAX_FORBIDDEN = 4_096;

  private final Cache<String, ListAnswer> lastList;
  private final Map<String, OneAnswer> lastAnswer = new ConcurrentHashMap<>();

  /** Until when a busy rate measured between two answers stands, per resource. */
  private final Map<String, Long> busyByRateUntil = new ConcurrentHashMap<>();

  private final Map<String, Long> rateMeasuredAt = new ConcurrentHashMap<>();
  private final Map<String, Long> cacheDisabled = new ConcurrentHashMap<>();
  private final Map<String, Long> tooLargeAt = new ConcurrentHashMap<>();
  private final Cache<String, Boolean> forbidden;

  public ResourceActivity(TimeSource clock) {
    this.clock = clock;
    Ticker ticker = clock::nanoTime;
    this.lastList =
        Caffeine.newBuilder()
            .ticker(ticker)
            .executor(Runnable::run)
            .expireAfterWrite(SCOPE_MEMORY)
            .maximumSize(MAX_SCOPES)
            .build();
    this.forbidden =
        Caffeine.newBuilder()
            .ticker(ticker)
            .executor(Runnable::run)
            .expireAfterAccess(SCOPE_MEMORY)
            .maximumSize(MAX_FORBIDDEN)
            .build();
  }

  /** This process saw a change of the resource: its own write, or an informer's event. */
  public void changed(String groupResource) {
    lastChange.put(groupResource, clock.nanoTime());
  }

  /**
   * Whether the resource changes often enough for a not-older-than read at etcd's current revision
   * to be answered within the cache's wait: this process saw a change within that wait, or two of
   * its list answers showed at least one change per wait between them.
   *
   * <p>One change is enough, not two: when it is etcd's newest revision (a process that writes,
   * then lists), the probe's revision is that change's and the cache answers at once, from memory
   * instead of every object from etcd. Needing a second change would give that saving up (a
   * thousand objects read instead of one in the harm matrix's busy cell) and spare only the case of
   * other resources' writes after a lone change, whose cost, a 3 s wait and a 504 before the
   * caller's request, is remembered ({@link #recentlyLagged}) so that it is paid once per
   * progress-notify interval at most.
   */
  public boolean busy(String groupResource) {
    long now = clock.nanoTime();
    Long at = lastChange.get(groupResource);
    if (at != null && now - at <= BUSY_WINDOW_NANOS) {
      return true;
    }
    Long until = busyByRateUntil.get(groupResource);
    return until != null && now - until <= 0;
  }

  /**
   * A complete list of the resource was answered (one namespace or all, selectors or not): its
   * items' newest resourceVersion, and how many items are newer than the newest of the previous
   * answer of the same scope. Each such item is a change between the two answers (deletions do not
   * show, so the count is a lower bound), giving a change rate without any watch.
   *
   * @param scope what was listed (namespace and selectors), so that answers of different scopes are
   *     not compared
   */
  public void listed(String groupResource, String scope, long newestItemRv, long[] itemRvs) {
    listed(groupResource, scope, 0, newestItemRv, itemRvs);
  }

  /**
   * As {@link #listed(String, String, long, long[])}, with the answer's own resourceVersion: on a
   * server that reads consistent lists from etcd, etcd's revision when it was read. That one answer
   * is then enough for {@link #busyAtRevision} to estimate the change rate from a probe's revision.
   */
  public void listed(
      String groupResource, String scope, long listRv, long newestItemRv, long[] itemRvs) {
    long now = clock.nanoTime();
    if (listRv > 0) {
      OneAnswer kept = lastAnswer.get(groupResource);
      // The answer with the most items sees the most of the resource's changes: a node-scoped
      // answer does not replace a cluster-wide one while that one still stands.
      if (kept == null
          || itemRvs.length >= kept.items()
          || now - kept.atNanos() > RATE_MEMORY_NANOS) {
        lastAnswer.put(groupResource, OneAnswer.of(listRv, now, itemRvs));
      }
    }
    String key = groupResource + "\n" + scope;
    ListAnswer previous = lastList.asMap().put(key, new ListAnswer(newestItemRv, now));
    if (previous != null) {
      rateMeasuredAt.put(groupResource, now);
    }
    if (previous == null || newestItemRv <= previous.newestItemRv()) {
      if (previous != null) {
        busyByRateUntil.remove(groupResource);
      }
      return;
    }
    long changes = 0;
    for (long rv : itemRvs) {
      if (rv > previous.newestItemRv()) {
        changes++;
      }
    }
    long elapsed = Math.max(1, now - previous.atNanos());
    // At least one change per cache wait on average: the cache passes a probe's revision in time.
    if (changes * BUSY_WINDOW_NANOS >= elapsed) {
      // A rate measured over an interval foretells about as long again: twice the interval, so
      // that a process listing at that period re-measures before the verdict lapses, and at most
      // etcd's progress-notify interval. A resource that went quiet after it then costs the probe,
      // the cache's 3 s wait and a 504 only within that span.
      busyByRateUntil.put(groupResource, now + Math.min(2 * elapsed, RATE_MEMORY_NANOS));
    } else {
      busyByRateUntil.remove(groupResource);
    }
  }

  private record ListAnswer(long newestItemRv, long atNanos) {}

  /**
   * Whether a resource that is not {@link #busy} by what this process saw (one list answer, no rate
   * yet) is estimated busy now, from that answer and a probe's revision: etcd's revisions are
   * shared by all resources, so the {@code probeRv - listRv} revisions written since the answer are
   * set against the same number of revisions before it, of which the answer's items show how many
   * were this resource's. That share, over the time since the answer, gives the rate {@link
   * #listed} would measure between two answers, on the assumption that the resource's share of the
   * cluster's writes has not changed since. Deletions and items outside the answer's scope do not
   * show, which errs quiet. A burst of other resources' writes since the answer errs busy: the
   * window then reaches further back than the time since. Busy in error costs the cache's 3 s wait
   * and a 504, remembered ({@link #recentlyLagged}), before the caller's own request. A quiet
   * verdict is remembered like a measured rate, so that a process listing scope after scope pays
   * the probe once per resource.
   *
   * @return false without a usable answer (none, expired, or no revision since)
   */
  public boolean busyAtRevision(String groupResource, long probeRv) {
    OneAnswer answer = lastAnswer.get(groupResource);
    long now = clock.nanoTime();
    if (answer == null || now - answer.atNanos() > RATE_MEMORY_NANOS) {
      return false;
    }
    long written = probeRv - answer.listRv();
    long changes = written <= 0 ? 0 : answer.itemsNewerThan(answer.listRv() - written);
    long elapsed = Math.max(1, now - answer.atNanos());
    boolean busy = changes * BUSY_WINDOW_NANOS >= elapsed;
    if (!busy) {
      rateMeasuredAt.put(groupResource, now);
    }
    return busy;
  }

  /**
   * Whether SC101 should ask {@link #busyAtRevision}: an answer to estimate from, and no rate
   * measured between two answers since, which would decide without a probe.
   */
  public boolean canEstimate(String groupResource) {
    long now = clock.nanoTime();
    OneAnswer answer = lastAnswer.get(groupResource);
    Long measured = rateMeasuredAt.get(groupResource);
    return answer != null
        && now - answer.atNanos() >= MIN_ESTIMATE_SPAN_NANOS
        && now - answer.atNanos() <= RATE_MEMORY_NANOS
        && (measured == null || now - measured > RATE_MEMORY_NANOS)
        // Even if every kept item turned out recent, could they make a change per wait?
        && answer.newestDescending().length * BUSY_WINDOW_NANOS >= now - answer.atNanos();
  }

  /**
   * One complete list answer: its own resourceVersion, when it came, and its newest items'
   * resourceVersions, descending.
   */
  private record OneAnswer(long listRv, long atNanos, int items, long[] newestDescending) {
    static OneAnswer of(long listRv, long atNanos, long[] itemRvs) {
      long[] sorted = itemRvs.clone();
      Arrays.sort(sorted);
      int n = Math.min(NEWEST_KEPT, sorted.length);
      long[] newest = new long[n];
      for (int i = 0; i < n; i++) {
        newest[i] = sorted[sorted.length - 1 - i];
      }
      return new OneAnswer(listRv, atNanos, itemRvs.length, newest);
    }

    long itemsNewerThan(long rv) {
      long count = 0;
      for (long r : newestDescending) {
        if (r <= rv) {
          break;
        }
        count++;
      }
      return count;
    }
  }

  /**
   * A {@code resourceVersion=0} list with a {@code limit} came back with a continue token: the
   * watch cache would have ignored the limit, so etcd served it and this resource has no watch
   * cache (client-go's pager draws the same conclusion), or its cache was not ready yet, as after
   * an apiserver restart. Remembered for etcd's progress-notify interval, renewed by each such
   * answer, so that a cache that became ready is used again.
   */
  public void watchCacheDisabled(String groupResource) {
    cacheDisabled.put(groupResource, clock.nanoTime());
  }

  public boolean isWatchCacheDisabled(String groupResource) {
    Long at = cacheDisabled.get(groupResource);
    return at != null && clock.nanoTime() - at <= TOO_LARGE_MEMORY_NANOS;
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
   * selectors (the node authorizer, a selector-aware webhook). Remembered while the identity keeps
   * listing it (an hour unused at most, {@link #SCOPE_MEMORY}): rights rarely grow, and the
   * caller's own request costs only what plain client-java costs.
   */
  public void probeForbidden(String identity, String groupResource) {
    forbidden.put(identity + "\n" + groupResource, Boolean.TRUE);
  }

  public boolean probeForbiddenFor(String identity, String groupResource) {
    return forbidden.getIfPresent(identity + "\n" + groupResource) != null;
  }

  /** Scopes whose last answer is kept now; for tests. */
  long keptScopes() {
    lastList.cleanUp();
    return lastList.estimatedSize();
  }

  /** Refused identities and resources remembered now; for tests. */
  long keptForbidden() {
    forbidden.cleanUp();
    return forbidden.estimatedSize();
  }
}
