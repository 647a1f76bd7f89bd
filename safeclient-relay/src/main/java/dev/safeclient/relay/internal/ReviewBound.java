package dev.safeclient.relay.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A bound on the upstream reviews of one kind that are out at once for questions not answered
 * before: each costs the API server, and a client can make up new ones (random tokens, distinct
 * selectors) faster than the API server answers them. Over the bound the request gets 429, as the
 * API server's flow control answers. A question answered favourably once stays known for a while
 * and is never counted again, so that a flood of new questions cannot lock out the agents whose
 * answers merely expired from their cache.
 */
final class ReviewBound {
  /** The 429 of a request whose review would go over the bound: APF's answer. */
  private static final Status TOO_MANY_REVIEWS =
      Status.tooManyRequests("Too many requests, please try again later.", 1);

  private final Semaphore unknown;
  private final Cache<String, Boolean> known;

  /**
   * @param maxUnknown reviews of questions not known, out at once
   * @param knownFor how long a favourable answer keeps its question known
   * @param maxKnown questions kept known
   */
  ReviewBound(int maxUnknown, Duration knownFor, long maxKnown, TimeSource clock) {
    this.unknown = new Semaphore(maxUnknown);
    this.known =
        Caffeine.newBuilder()
            .maximumSize(maxKnown)
            .ticker(clock::nanoTime)
            .expireAfterWrite(knownFor)
            .build();
  }

  /**
   * The answer of {@code review} for the question whose cache key is {@code key}, within the bound
   * unless the question is known; {@code favourable} answers make it known.
   *
   * @throws StatusException 429 when the question is not known and the bound is reached
   */
  <V> V review(String key, Supplier<V> review, Predicate<V> favourable) {
    boolean isKnown = known.getIfPresent(key) != null;
    if (!isKnown && !unknown.tryAcquire()) {
      throw new StatusException(TOO_MANY_REVIEWS);
    }
    V answer;
    try {
      answer = review.get();
    } finally {
      if (!isKnown) {
        unknown.release();
      }
    }
    if (favourable.test(answer)) {
      known.put(key, Boolean.TRUE);
    }
    return answer;
  }
}
