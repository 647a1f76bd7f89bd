package dev.safeclient.apiserver;

import java.time.Duration;

/**
 * The 429 of a read that a watch cache not (yet) ready cannot serve, as the apiserver's cacher
 * answers it (k8s.io/apiserver pkg/storage/cacher, since 1.33): Retry-After grows with how long the
 * cache has been down, e^(0.06 × seconds), from 1 s to at most 30 s (2 s from about 12 s down, 10 s
 * from about 38 s, 30 s from about 57 s), so that the clients of a cache that does not come back
 * soon retry ever less often.
 */
public final class UnreadyCache {
  /** The cacher's {@code calculateRetryAfterForUnreadyCache} factor. */
  static final double FACTOR = 0.06;

  /** Its ceiling. */
  public static final long MAX_RETRY_AFTER_SECONDS = 30;

  private UnreadyCache() {}

  /**
   * The Retry-After, in whole seconds (truncated, as the cacher's int conversion), after {@code
   * downtime}.
   */
  public static long retryAfterSeconds(Duration downtime) {
    double seconds = downtime.toNanos() / 1e9;
    return (long) Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.exp(FACTOR * seconds)));
  }

  /** {@code storage is (re)initializing}, 429 TooManyRequests, after {@code downtime}. */
  public static Status status(Duration downtime) {
    return Status.tooManyRequests("storage is (re)initializing", retryAfterSeconds(downtime));
  }
}
