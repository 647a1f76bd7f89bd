package dev.safeclient.core.internal.retry;

import dev.safeclient.core.ServerOverloadedException;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.serving.ServerVersion;
import dev.safeclient.model.time.TimeSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A circuit breaker (resilience4j) per host and API group that counts only what says the API server
 * is overloaded ({@link ServerAnswer#isOverload}, and connect timeouts). When it is open, callers
 * <em>wait</em> out the rest of the open interval, up to {@code maxBudgetWait}, then fail with
 * {@link ServerOverloadedException}: throwing at once would turn naive retry loops into CPU and log
 * hot loops. The open interval is jittered per client so that a fleet's half-open probes do not
 * arrive together. Watch resumes and Lease renewals pass even when it is open: losing them costs
 * more (a relist, a lost leadership) than they weigh.
 */
public final class OverloadBreakerInterceptor implements Interceptor {
  private static final Logger log = LoggerFactory.getLogger(OverloadBreakerInterceptor.class);

  /** The last 20 calls decide; at least 10 before any verdict, so one bad second is not enough. */
  static final int WINDOW_CALLS = 20;

  /** The budget name of a wait for an open breaker. */
  public static final String BUDGET = "breaker";

  static final int MIN_CALLS = 10;

  /** A few probes in half-open: one lucky answer should not close it, nor a burst probe it. */
  static final int HALF_OPEN_PROBES = 3;

  /** Callers beyond the half-open probes look again this often. */
  static final long HALF_OPEN_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** Each client's open interval is the configured one × [1, 1.5). */
  static final double OPEN_JITTER = 0.5;

  private final TimeSource clock;
  private final SafeClientMetrics metrics;
  private final Duration maxWait;
  private final CircuitBreakerConfig config;
  private final long openNanos;
  private final ConcurrentHashMap<String, Breaker> breakers = new ConcurrentHashMap<>();

  public OverloadBreakerInterceptor(
      Duration openDuration,
      float failureRateThreshold,
      Duration maxWait,
      TimeSource clock,
      SafeClientMetrics metrics) {
    this.clock = clock;
    this.metrics = metrics;
    this.maxWait = maxWait;
    Duration jittered =
        Duration.ofNanos(
            (long)
                (openDuration.toNanos()
                    * (1 + ThreadLocalRandom.current().nextDouble() * OPEN_JITTER)));
    this.openNanos = jittered.toNanos();
    this.config =
        CircuitBreakerConfig.custom()
            .slidingWindow(
                WINDOW_CALLS, MIN_CALLS, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(failureRateThreshold)
            .waitDurationInOpenState(jittered)
            .permittedNumberOfCallsInHalfOpenState(HALF_OPEN_PROBES)
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .writableStackTraceEnabled(false)
            .clock(clock.asJavaClock())
            .build();
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    KubeRequest k = KubeRequest.of(chain.request());
    if (k.isLongRunningStream()) {
      return chain.proceed(chain.request());
    }
    Breaker breaker = breakerFor(k);
    if (exempt(k)) {
      return chain.proceed(chain.request());
    }
    acquire(breaker, k);
    long start = clock.nanoTime();
    Response response;
    try {
      response = chain.proceed(chain.request());
    } catch (IOException | RuntimeException e) {
      if (NeverSent.isConnectTimeout(e) || NeverSent.isConnectTimeout(e.getCause())) {
        breaker.cb.onError(clock.nanoTime() - start, TimeUnit.NANOSECONDS, e);
        noticeTransition(breaker);
      } else {
        breaker.cb.releasePermission();
      }
      throw e;
    }
    long took = clock.nanoTime() - start;
    ServerAnswer answer = response.code() >= 429 ? ServerAnswer.of(response) : null;
    if (answer != null && answer.isOverload(chain.request().tag(ServerVersion.class), k.group())) {
      breaker.cb.onError(took, TimeUnit.NANOSECONDS, new OverloadSignal(answer));
    } else {
      breaker.cb.onSuccess(took, TimeUnit.NANOSECONDS);
    }
    noticeTransition(breaker);
    return response;
  }

  /** Watch resumes (from a known RV) and Lease calls are never held by the breaker. */
  static boolean exempt(KubeRequest k) {
    if (k.isLease()) {
      return true;
    }
    if (k.verb() == Verb.WATCH) {
      String rv = k.query("resourceVersion");
      return rv != null && !rv.isEmpty() && !rv.equals("0");
    }
    return false;
  }

  /** The state of the breaker for a host ({@code host:port}) and API group; for diagnostics. */
  public CircuitBreaker.State state(String hostPort, String group) {
    Breaker b = breakers.get(hostPort + "/" + group);
    return b == null ? CircuitBreaker.State.CLOSED : b.cb.getState();
  }

  private Breaker breakerFor(KubeRequest k) {
    String group = k.group() == null ? "-" : k.group();
    return breakers.computeIfAbsent(key(k.url(), group), this::newBreaker);
  }

  /** The breaker of one host and API group ({@code ""} is the core group). */
  public static String key(HttpUrl url, String group) {
    return url.host() + ":" + url.port() + "/" + group;
  }

  private Breaker newBreaker(String key) {
    return new Breaker(key, CircuitBreaker.of(key, config));
  }

  /**
   * Reports a state change after a call into the breaker. Polled instead of subscribed: with a
   * subscriber, resilience4j builds an event (with a timestamp) for every call it records.
   */
  private void noticeTransition(Breaker b) {
    CircuitBreaker.State now = b.cb.getState();
    CircuitBreaker.State before = b.lastState.getAndSet(now);
    if (now == before) {
      return;
    }
    if (now == CircuitBreaker.State.OPEN) {
      b.openUntil.set(clock.nanoTime() + openNanos);
      log.warn(
          "overload breaker {} opened: the API server signals overload (APF 429s, 503s,"
              + " timeouts); callers wait up to {} ms",
          b.key,
          TimeUnit.NANOSECONDS.toMillis(openNanos));
    } else {
      log.info("overload breaker {} is {}", b.key, now);
    }
    metrics.breakerState(b.key, now.name());
  }

  private void acquire(Breaker b, KubeRequest k) throws IOException {
    long deadline = clock.nanoTime() + maxWait.toNanos();
    while (!b.cb.tryAcquirePermission()) {
      noticeTransition(b);
      long now = clock.nanoTime();
      long left = deadline - now;
      if (left <= 0) {
        throw new ServerOverloadedException(
            b.key, "waited " + maxWait.toMillis() + " ms for " + k.requestLine());
      }
      long wait =
          b.cb.getState() == CircuitBreaker.State.OPEN
              ? Math.max(b.openUntil.get() - now, TimeUnit.MILLISECONDS.toNanos(1))
              : HALF_OPEN_POLL_NANOS;
      long sleep = Math.min(wait, left);
      metrics.throttleWait(BUDGET, sleep);
      try {
        clock.sleep(Duration.ofNanos(sleep));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for the overload breaker");
      }
    }
    noticeTransition(b);
  }

  private static final class Breaker {
    final String key;
    final CircuitBreaker cb;
    final AtomicLong openUntil = new AtomicLong();
    final java.util.concurrent.atomic.AtomicReference<CircuitBreaker.State> lastState =
        new java.util.concurrent.atomic.AtomicReference<>(CircuitBreaker.State.CLOSED);

    Breaker(String key, CircuitBreaker cb) {
      this.key = key;
      this.cb = cb;
    }
  }

  /** What the breaker records as a failure: an answer that says the server is overloaded. */
  static final class OverloadSignal extends Exception {
    OverloadSignal(ServerAnswer answer) {
      super(answer.toString(), null, false, false);
    }
  }
}
