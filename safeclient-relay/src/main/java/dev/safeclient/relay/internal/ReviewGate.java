package dev.safeclient.relay.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.model.time.TimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication by TokenReview for the relay's audience, authorization by SubjectAccessReview with
 * the request's selectors, both answers cached for a short time so that an agent's requests cost
 * the API server one review of each kind per TTL, not one per request. Only answers are cached: a
 * review that failed or timed out is asked again by the next request, and its request is refused as
 * the apiserver's filters refuse it when its authenticator or authorizer fails (401 for a
 * TokenReview, 500 for a SubjectAccessReview).
 */
public final class ReviewGate implements RequestGate {
  /**
   * Tokens cached: one per agent, with room for agents' token rotation (kubelet refreshes a
   * projected token at 80% of its life, so two per agent overlap for a while).
   */
  static final int MAX_TOKENS = 20_000;

  /**
   * TokenReviews of tokens not seen authenticated before, out at once. Each costs the API server,
   * in the relay's own flow there (shared with its lists and watches); random tokens from clients
   * the relay cannot yet tell from agents are never cached twice, so their reviews are bounded in
   * concurrency: the rest get 429, as the API server's flow control answers. An agent's token
   * (reviewed once a minute: some 80 a second for 5,000 agents at a few ms each) rarely waits; its
   * later reviews are not counted, so a flood of unknown tokens cannot lock out known agents.
   */
  static final int MAX_NEW_TOKEN_REVIEWS = 8;

  /**
   * SubjectAccessReviews of questions not allowed before, out at once: as {@link
   * #MAX_NEW_TOKEN_REVIEWS}, for an authenticated identity that makes up new questions (distinct
   * selectors, names, paths) faster than the API server answers them. An agent asks a few questions
   * (one per resource and selector it reads); their refreshes once a TTL are not counted.
   */
  static final int MAX_NEW_SUBJECT_ACCESS_REVIEWS = 8;

  /**
   * How long a token authenticated once, or a question allowed once, stays known, exempt from the
   * bounds (never from its reviews): a projected token's default lifetime.
   */
  static final Duration KNOWN_TOKEN = Duration.ofHours(1);

  /** Questions kept known: a few per agent. */
  static final int MAX_KNOWN_QUESTIONS = 4 * MAX_TOKENS;

  /**
   * Attribute sets cached, weighed in bytes: an agent asks a few (one per resource and selector it
   * reads), so 5,000 agents' few each at a few hundred bytes. Weighed, not counted: a request's
   * selectors run to the 8 kB of a request line, and an identity sending distinct ones would
   * otherwise fill 50,000 entries with 400 MB.
   */
  static final long MAX_DECISION_BYTES = 20L << 20;

  /** What a cached decision costs besides its strings: the entry, the key and the answer. */
  private static final int DECISION_OVERHEAD_BYTES = 300;

  /**
   * A SubjectAccessReview's question: who asks what, as the authorizer's attributes; its equality
   * is the cache's.
   */
  record Question(
      Identity who,
      boolean resourceRequest,
      String verb,
      String namespace,
      String group,
      String version,
      String resource,
      String subresource,
      String name,
      String labelSelector,
      String fieldSelector,
      String path) {
    static Question of(Identity who, RequestInfo r) {
      return new Question(
          who,
          r.isResourceRequest(),
          r.verbName(),
          r.namespace(),
          r.apiGroup(),
          r.apiVersion(),
          r.resource(),
          r.subresource(),
          r.name(),
          r.labelSelector(),
          r.fieldSelector(),
          r.isResourceRequest() ? "" : r.path());
    }
  }

  private final Reviews reviews;
  private final String audience;
  private final CacheKeys keys = new CacheKeys();
  private final Cache<String, Optional<Identity>> tokens;
  private final Cache<Question, Reviews.Decision> decisions;

  /** Reviews out now, by cache key: who asks the same meanwhile waits for the same answer. */
  private final Map<Object, CompletableFuture<?>> inFlight = new ConcurrentHashMap<>();

  private final ReviewBound newTokenReviews;
  private final ReviewBound newSubjectAccessReviews;
  private final LongAdder tokenReviews = new LongAdder();
  private final LongAdder subjectAccessReviews = new LongAdder();
  private final ReviewOutage tokenReviewOutage;
  private final ReviewOutage subjectAccessReviewOutage;

  /**
   * @param allowed how long an authenticated token, and an allowed request, stay trusted
   * @param refused how long a refused token, and a denied request, stay refused
   */
  public ReviewGate(
      Reviews reviews, String audience, Duration allowed, Duration refused, TimeSource clock) {
    this(reviews, audience, allowed, refused, clock, LoggerFactory.getLogger(ReviewGate.class));
  }

  ReviewGate(
      Reviews reviews,
      String audience,
      Duration allowed,
      Duration refused,
      TimeSource clock,
      Logger log) {
    this.reviews = reviews;
    // The authentication filter answers an authenticator's error 401; WithAuthorization, 500.
    this.tokenReviewOutage = new ReviewOutage("TokenReview", 401, clock, log);
    this.subjectAccessReviewOutage = new ReviewOutage("SubjectAccessReview", 500, clock, log);
    this.audience = audience;
    this.tokens =
        Caffeine.newBuilder()
            .maximumSize(MAX_TOKENS)
            .ticker(clock::nanoTime)
            .expireAfter(
                Expiry.<String, Optional<Identity>>creating(
                    (k, v) -> v.isPresent() ? allowed : refused))
            .build();
    this.newTokenReviews = new ReviewBound(MAX_NEW_TOKEN_REVIEWS, KNOWN_TOKEN, MAX_TOKENS, clock);
    this.newSubjectAccessReviews =
        new ReviewBound(MAX_NEW_SUBJECT_ACCESS_REVIEWS, KNOWN_TOKEN, MAX_KNOWN_QUESTIONS, clock);
    this.decisions =
        Caffeine.newBuilder()
            .maximumWeight(MAX_DECISION_BYTES)
            .weigher((Question q, Reviews.Decision d) -> weight(q, d))
            .ticker(clock::nanoTime)
            .expireAfter(
                Expiry.<Question, Reviews.Decision>creating(
                    (k, v) -> v.allowed() ? allowed : refused))
            .build();
  }

  @Override
  public Identity authenticate(String token) {
    if (token == null) {
      throw new StatusException(Status.unauthorized());
    }
    String key = keys.of(token);
    Optional<Identity> who;
    try {
      who =
          answer(
              tokens,
              key,
              () -> newTokenReviews.review(key, () -> review(token), Optional::isPresent));
    } catch (UncheckedIOException e) {
      throw new StatusException(Status.unauthorized());
    }
    return who.orElseThrow(() -> new StatusException(Status.unauthorized()));
  }

  private Optional<Identity> review(String token) {
    tokenReviews.increment();
    try {
      Optional<Identity> who = reviews.tokenReview(token, audience);
      tokenReviewOutage.answered();
      return who;
    } catch (IOException e) {
      tokenReviewOutage.failed(reason(e));
      throw new UncheckedIOException(e);
    }
  }

  private Reviews.Decision review(Identity who, RequestInfo request) {
    subjectAccessReviews.increment();
    try {
      Reviews.Decision d = reviews.subjectAccessReview(who, request);
      subjectAccessReviewOutage.answered();
      return d;
    } catch (IOException e) {
      subjectAccessReviewOutage.failed(reason(e));
      throw new UncheckedIOException(e);
    }
  }

  /** What a failed review's log says: its exception's class and message, never a token. */
  private static String reason(IOException e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  @Override
  public void authorize(Identity who, RequestInfo request) {
    Question q = Question.of(who, request);
    Reviews.Decision d;
    try {
      d =
          answer(
              decisions,
              q,
              () ->
                  newSubjectAccessReviews.review(
                      keys.of(q.toString()),
                      () -> review(who, request),
                      Reviews.Decision::allowed));
    } catch (UncheckedIOException e) {
      throw new StatusException(
          Status.internalError("the relay could not review the request's authorization"));
    }
    if (!d.allowed()) {
      throw new StatusException(Status.forbidden(request, who.user(), d.reason()));
    }
  }

  /**
   * The cached answer to {@code key}, or the one review that all who ask meanwhile wait for. The
   * review runs on the first asker's thread outside the cache (a blocking compute inside a cache's
   * get holds a lock other keys may share), and only until its own deadline; a review that fails
   * leaves nothing cached, and its waiters get its failure.
   */
  @SuppressWarnings("unchecked")
  private <K, V> V answer(Cache<K, V> cache, K key, Supplier<V> review) {
    V cached = cache.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> asked = (CompletableFuture<V>) inFlight.putIfAbsent(key, mine);
    if (asked == null) {
      asked = mine;
      try {
        V answer = review.get();
        cache.put(key, answer);
        mine.complete(answer);
      } catch (Throwable t) {
        mine.completeExceptionally(t);
      } finally {
        inFlight.remove(key, mine);
      }
    }
    try {
      return asked.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  /** The bytes a decision holds; its identity is the token cache's, shared. */
  private static int weight(Question q, Reviews.Decision d) {
    return DECISION_OVERHEAD_BYTES
        + q.labelSelector().length()
        + q.fieldSelector().length()
        + q.namespace().length()
        + q.name().length()
        + q.resource().length()
        + q.subresource().length()
        + q.path().length()
        + (d.reason() == null ? 0 : d.reason().length());
  }

  /**
   * The relay is closing: the reviews its stopping server cuts short are logged at DEBUG, not as an
   * outage.
   */
  public void closing() {
    tokenReviewOutage.closing();
    subjectAccessReviewOutage.closing();
  }

  /** Decisions cached now, after pending evictions. */
  long cachedDecisions() {
    decisions.cleanUp();
    return decisions.estimatedSize();
  }

  /** TokenReviews sent upstream. */
  public long tokenReviews() {
    return tokenReviews.sum();
  }

  /** SubjectAccessReviews sent upstream. */
  public long subjectAccessReviews() {
    return subjectAccessReviews.sum();
  }

  /** The cache key of a token: its HMAC, never the token. */
  String tokenKey(String token) {
    return keys.of(token);
  }
}
