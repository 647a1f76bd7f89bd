package dev.safeclient.core.budget;

import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.core.pipeline.ClassifyInterceptor;
import dev.safeclient.core.request.KubeRequest;
import dev.safeclient.core.request.ListPage;
import dev.safeclient.core.request.Verb;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-side budgets, taken before every request and every retry: a token bucket for requests
 * (QPS/burst), a small reserved bucket for coordination Leases, and a bucket of APF seats for lists
 * ({@code listCostPerSecond}). A request that would wait longer than {@code maxBudgetWait} fails
 * with {@link BudgetExhaustedException} instead of queueing without limit.
 */
public final class BudgetInterceptor implements Interceptor {
  private static final Logger log = LoggerFactory.getLogger(BudgetInterceptor.class);

  private static final String REQUESTS_BUDGET = "qps";
  private static final String LEASES_BUDGET = "lease-qps";
  private static final String LIST_COST_BUDGET = "list-cost";

  /** Every budget name this link's waits are counted under. */
  public static final List<String> BUDGETS =
      List.of(REQUESTS_BUDGET, LEASES_BUDGET, LIST_COST_BUDGET);

  /** Waits longer than this are reported and logged: shorter ones are ordinary pacing. */
  static final long REPORTED_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /**
   * Leader election renews every 2 s (client-go RetryPeriod) and a node heartbeat every 10 s: 1 QPS
   * is twice one election's need, so a second lock or a retry still fits.
   */
  static final double LEASE_QPS = 1;

  /** A few renewal retries inside one 10 s renew deadline. */
  static final int LEASE_BURST = 5;

  /**
   * The list-cost bucket holds two full-cost lists (2 × 10 seats): an informer start-up of a couple
   * of resources goes through at once, a client that keeps listing is paced.
   */
  static final double LIST_COST_BURST_SEATS = 2.0 * ListCostEstimate.MAX_SEATS;

  /** Re-learn a resource's stored count from list answers at most this often. */
  static final long COUNT_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final TokenBucket requests;
  private final TokenBucket leases;
  private final TokenBucket listSeats;
  private final Duration maxWait;
  private final StoredCounts storedCounts;
  private final SafeClientMetrics metrics;
  private final PacingClock clock;
  private final ConcurrentHashMap<String, Long> countLearntAt = new ConcurrentHashMap<>();

  public BudgetInterceptor(
      double qps,
      int burst,
      double listCostPerSecond,
      Duration maxWait,
      StoredCounts storedCounts,
      SafeClientMetrics metrics,
      PacingClock clock) {
    this.requests = new TokenBucket(REQUESTS_BUDGET, qps, burst, clock);
    this.leases = new TokenBucket(LEASES_BUDGET, LEASE_QPS, LEASE_BURST, clock);
    this.listSeats =
        new TokenBucket(
            LIST_COST_BUDGET,
            listCostPerSecond,
            Math.max(LIST_COST_BURST_SEATS, listCostPerSecond),
            clock);
    this.maxWait = maxWait;
    this.storedCounts = storedCounts;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Coordination Leases (leader election, node heartbeats) draw from their own bucket. */
  public static boolean isLease(KubeRequest k) {
    return "coordination.k8s.io".equals(k.group()) && "leases".equals(k.resource());
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = ClassifyInterceptor.classified(request);
    ListPage page = request.tag(ListPage.class);
    boolean continuation = page != null && !page.isFirst();

    TokenBucket bucket = isLease(k) ? leases : requests;
    if (continuation) {
      // Counted, never waited for: a paged list is admitted once, up front, and must not stall
      // into an expired continue token.
      bucket.charge(1);
    } else {
      take(bucket, 1, k);
    }
    if (!continuation && ListCostEstimate.applies(k)) {
      OptionalLong stored = storedCounts.get(k.groupResource());
      int seats =
          page != null
              ? ListCostEstimate.pagedSeats(k, page.pageSize(), stored)
              : ListCostEstimate.seats(k, stored);
      metrics.listCost(k.groupResource(), seats);
      take(listSeats, seats, k);
    }

    Response response = chain.proceed(request);
    learnStoredCount(k, request, response);
    return response;
  }

  private void take(TokenBucket bucket, double tokens, KubeRequest k) throws IOException {
    long waited;
    try {
      waited = bucket.acquire(tokens, maxWait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the client-side budget");
    }
    if (waited < 0) {
      throw new BudgetExhaustedException(
          bucket.name(), maxWait, "needs " + tokens + " for " + k.requestLine());
    }
    if (waited > REPORTED_WAIT_NANOS) {
      metrics.throttleWait(bucket.name(), waited);
      if (log.isDebugEnabled()) {
        log.debug(
            "client-side throttling ({} budget): waited {} ms before {}",
            bucket.name(),
            TimeUnit.NANOSECONDS.toMillis(waited),
            k.requestLine());
      }
    }
  }

  /**
   * An unselected cluster-wide list answer holds (page items + remainingItemCount) = what APF
   * counts as stored for the resource.
   */
  private void learnStoredCount(KubeRequest k, Request request, Response response) {
    if (k.verb() != Verb.LIST
        || response.code() != 200
        || k.namespace() != null
        || k.hasQuery("labelSelector")
        || k.hasQuery("fieldSelector")
        || k.hasQuery("continue")
        || k.groupResource().isEmpty()) {
      return;
    }
    long now = clock.nanoTime();
    Long last = countLearntAt.get(k.groupResource());
    if (last != null && now - last < COUNT_REFRESH_NANOS) {
      return;
    }
    OptionalLong count = StoredCountReader.count(response.body());
    if (count.isPresent()) {
      countLearntAt.put(k.groupResource(), now);
      storedCounts.report(k.groupResource(), count.getAsLong());
    }
  }
}
