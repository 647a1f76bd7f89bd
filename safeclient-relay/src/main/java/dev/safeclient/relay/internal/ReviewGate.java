package dev.safeclient.relay.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.model.time.TimeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication by TokenReview for the relay's audience, authorization by SubjectAccessReview with
 * the request's selectors, both answers cached for a short time so that an agent's requests cost
 * the API server one review of each kind per TTL, not one per request. Only answers are cached: a
 * review that failed refuses its request with 500 and is asked again by the next.
 */
public final class ReviewGate implements RequestGate {
  private static final Logger LOG = LoggerFactory.getLogger(ReviewGate.class);

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
   * How long a token authenticated once stays known, exempt from {@link #MAX_NEW_TOKEN_REVIEWS}
   * (never from its reviews): a projected token's default lifetime.
   */
  static final Duration KNOWN_TOKEN = Duration.ofHours(1);

  /** The 429 of a request whose token would need a review over the bound: APF's answer. */
  private static final Status TOO_MANY_TOKEN_REVIEWS =
      Status.tooManyRequests("Too many requests, please try again later.", 1);

  /**
   * Attribute sets cached, weighed in bytes: an agent asks a few (one per resource and selector it
   * reads), so 5,000 agents' few each at a few hundred bytes. Weighed, not counted: a request's
   * selectors run to the 8 kB of a request line, and an identity sending distinct ones would
   * otherwise fill 50,000 entries with 400 MB.
   */
  static final long MAX_DECISION_BYTES = 20L << 20;

  /** What a cached decision costs besides its strings: the entry, the key and the answer. */
  private static final int DECISION_OVERHEAD_BYTES = 300;

  /** A SubjectAccessReview's question: who asks what; its equality is the cache's. */
  record Question(
      Identity who,
      String verb,
      String namespace,
      String group,
      String version,
      String resource,
      String name,
      String labelSelector,
      String fieldSelector) {
    static Question of(Identity who, RelayRequest r) {
      return new Question(
          who,
          r.info().verbName(),
          r.info().namespace(),
          r.info().apiGroup(),
          r.info().apiVersion(),
          r.info().resource(),
          r.info().name(),
          r.labelSelector(),
          r.fieldSelector());
    }
  }

  private final Reviews reviews;
  private final String audience;
  private final Cache<String, Optional<Identity>> tokens;
  private final Cache<Question, Reviews.Decision> decisions;
  private final Cache<String, Boolean> knownTokens;
  private final Semaphore newTokenReviews = new Semaphore(MAX_NEW_TOKEN_REVIEWS);
  private final LongAdder tokenReviews = new LongAdder();
  private final LongAdder subjectAccessReviews = new LongAdder();

  /**
   * @param allowed how long an authenticated token, and an allowed request, stay trusted
   * @param refused how long a refused token, and a denied request, stay refused
   */
  public ReviewGate(
      Reviews reviews, String audience, Duration allowed, Duration refused, TimeSource clock) {
    this.reviews = reviews;
    this.audience = audience;
    this.tokens =
        Caffeine.newBuilder()
            .maximumSize(MAX_TOKENS)
            .ticker(clock::nanoTime)
            .expireAfter(
                Expiry.<String, Optional<Identity>>creating(
                    (k, v) -> v.isPresent() ? allowed : refused))
            .build();
    this.knownTokens =
        Caffeine.newBuilder()
            .maximumSize(MAX_TOKENS)
            .ticker(clock::nanoTime)
            .expireAfterWrite(KNOWN_TOKEN)
            .build();
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
  public Identity authenticate(String authorization) {
    String token = bearerToken(authorization);
    if (token == null) {
      throw new StatusException(Status.unauthorized());
    }
    String hash = sha256(token);
    Optional<Identity> who = tokens.getIfPresent(hash);
    if (who == null) {
      boolean known = knownTokens.getIfPresent(hash) != null;
      if (!known && !newTokenReviews.tryAcquire()) {
        throw new StatusException(TOO_MANY_TOKEN_REVIEWS);
      }
      try {
        who = tokens.get(hash, k -> review(token));
      } catch (UncheckedIOException e) {
        LOG.warn(
            "relay: a TokenReview failed, its request gets 500: {}", e.getCause().getMessage());
        throw new StatusException(
            Status.internalError("the relay could not review the request's token"));
      } finally {
        if (!known) {
          newTokenReviews.release();
        }
      }
      if (who.isPresent()) {
        knownTokens.put(hash, Boolean.TRUE);
      }
    }
    return who.orElseThrow(() -> new StatusException(Status.unauthorized()));
  }

  private Optional<Identity> review(String token) {
    tokenReviews.increment();
    try {
      return reviews.tokenReview(token, audience);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void authorize(Identity who, RelayRequest request) {
    Reviews.Decision d;
    try {
      d =
          decisions.get(
              Question.of(who, request),
              q -> {
                subjectAccessReviews.increment();
                try {
                  return reviews.subjectAccessReview(who, request);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      LOG.warn(
          "relay: a SubjectAccessReview failed, its request gets 500: {}",
          e.getCause().getMessage());
      throw new StatusException(
          Status.internalError("the relay could not review the request's authorization"));
    }
    if (!d.allowed()) {
      throw new StatusException(Status.forbidden(request.info(), who.user(), d.reason()));
    }
  }

  /** The bytes a decision holds; its identity is the token cache's, shared. */
  private static int weight(Question q, Reviews.Decision d) {
    return DECISION_OVERHEAD_BYTES
        + q.labelSelector().length()
        + q.fieldSelector().length()
        + q.namespace().length()
        + q.name().length()
        + (d.reason() == null ? 0 : d.reason().length());
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

  /**
   * The token of an {@code Authorization: Bearer <token>} header, as the apiserver's bearertoken
   * authenticator reads it (scheme case-insensitive, the second space-separated part); null when
   * there is none. The relay has no anonymous identity: a request without one is 401.
   */
  static String bearerToken(String authorization) {
    if (authorization == null) {
      return null;
    }
    String[] parts = authorization.trim().split(" ", 3);
    if (parts.length < 2 || !parts[0].toLowerCase(Locale.ROOT).equals("bearer")) {
      return null;
    }
    return parts[1].isEmpty() ? null : parts[1];
  }

  /** The cache key of a token: its hash, so no cache dump or key logging can show the token. */
  static String sha256(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
