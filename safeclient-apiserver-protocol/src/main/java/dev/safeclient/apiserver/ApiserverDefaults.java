package dev.safeclient.apiserver;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** The timings kube-apiserver runs with by default, which clients have come to rely on. */
public final class ApiserverDefaults {
  /**
   * How often the watch cache sends an idle watch a BOOKMARK (the cacher's bookmark frequency, one
   * minute): a client's watchdog arms after the first.
   */
  public static final Duration BOOKMARK_INTERVAL = Duration.ofMinutes(1);

  /**
   * How long the watch cache waits to reach a requested resourceVersion before answering 504
   * ResourceVersionTooLarge (the cacher's waitUntilFreshAndBlock budget).
   */
  public static final Duration RESOURCE_VERSION_WAIT = Duration.ofSeconds(3);

  /** {@code --request-timeout}: the longest a non-watch request is served. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  /**
   * {@code --min-request-timeout}: a watch without timeoutSeconds ends after between this and twice
   * this, at random, so that watches opened together do not all end together.
   */
  public static final Duration MIN_REQUEST_TIMEOUT = Duration.ofSeconds(1800);

  private ApiserverDefaults() {}

  /**
   * How long a watch runs: its timeoutSeconds if given, else {@link #MIN_REQUEST_TIMEOUT} times a
   * random factor in [1, 2) (handlers/get.go ListResource).
   */
  public static Duration watchTimeout(ListOptions options, RandomGenerator random) {
    Long t = options.timeoutSeconds();
    if (t != null) {
      return Duration.ofSeconds(t);
    }
    long min = MIN_REQUEST_TIMEOUT.toSeconds();
    return Duration.ofSeconds(random.nextLong(min, 2 * min));
  }
}
