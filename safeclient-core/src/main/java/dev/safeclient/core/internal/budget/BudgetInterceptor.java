package dev.safeclient.core.internal.budget;

import dev.safeclient.core.BudgetExhaustedException;
import dev.safeclient.core.internal.request.CallDeadline;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.ListPage;
import dev.safeclient.core.internal.request.Verb;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.time.TimeSource;
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
 * The client-side budgets, taken as each request is sent (every retry and every page is a request
 * of its own): a token bucket for requests (QPS/burst), a small reserved bucket for coordination
 * Leases, and a bucket of APF seats for lists ({@code listCostPerSecond}), charged what APF would
 * charge that one request ({@link ListSeatEstimate}), at most one full bucket. A request that would
 * wait longer than {@code maxBudgetWait}, or past its call's own deadline, fails with {@link
 * BudgetExhaustedException} instead of queueing without limit; an informer's own calls and the
 * later pages of a paged list wait their turn instead.
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
   * The Lease bucket's ceiling, however many Leases are renewed: a virtual kubelet renewing 5,000
   * node Leases every 10 s would otherwise get 1,000 QPS; 50 is what a control plane can give one
   * client for heartbeats without noticing.
   */
  static final double LEASE_QPS_CAP = 50;

  /** Room for a few renewal retries inside one renew deadline, on top of one renewal per Lease. */
  static final int LEASE_BURST_SPARE = 5;

  /**
   * The Lease bucket for {@code leases} renewed every {@code renewPeriod}: twice their rate (a
   * retry of each still fits), capped at {@link #LEASE_QPS_CAP}; burst one per Lease plus {@link
   * #LEASE_BURST_SPARE}, capped alike.
   *
   * @return {qps, burst}
   */
  public static double[] leaseBudget(int leases, Duration renewPeriod) {
    double seconds = Math.max(0.001, renewPeriod.toNanos() / 1e9);
    double qps = Math.min(LEASE_QPS_CAP, 2.0 * leases / seconds);
    double burst = Math.min(leases + LEASE_BURST_SPARE, LEASE_QPS_CAP + LEASE_BURST_SPARE);
    return new double[] {qps, burst};
  }

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
  private final ListSeatEstimate seatEstimate;
  private final SafeClientMetrics metrics;
  private final TimeSource clock;
  private final ConcurrentHashMap<String, Long> countLearntAt = new ConcurrentHashMap<>();

  public BudgetInterceptor(
      double qps,
      int burst,
      double listCostPerSecond,
      double[] leaseBudget,
      Duration maxWait,
      StoredCounts storedCounts,
      ListSeatEstimate seatEstimate,
      SafeClientMetrics metrics,
      TimeSource clock) {
    this.requests = new TokenBucket(REQUESTS_BUDGET, qps, burst, clock);
    this.leases = new TokenBucket(LEASES_BUDGET, leaseBudget[0], leaseBudget[1], clock);
    this.listSeats =
        new TokenBucket(
            LIST_COST_BUDGET,
            listCostPerSecond,
            Math.max(LIST_COST_BURST_SEATS, listCostPerSecond),
            clock);
    this.maxWait = maxWait;
    this.storedCounts = storedCounts;
    this.seatEstimate = seatEstimate;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Coordination Leases (leader election, node heartbeats) draw from their own bucket. */
  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = KubeRequest.of(request);
    long maxWaitNanos = maxWaitNanos(request, k);

    take(k.isLease() ? leases : requests, 1, k, maxWaitNanos);
    if (ListCostEstimate.applies(k)) {
      // This request as it is: one page of a paged list is one request, charged when it is sent.
      int seats = seatEstimate.seats(k, storedCounts.get(k.groupResource()));
      metrics.listCost(k.groupResource(), seats);
      take(listSeats, seats, k, maxWaitNanos);
    }

    Response response = chain.proceed(request);
    learnStoredCount(k, request, response);
    return response;
  }

  /**
   * How long this request may wait for a budget. An informer's own lists and watches, and the pages
   * after the first of a paged list, wait their turn: refusing them would not save the server
   * anything (the informer would only retry after its backoff; the pages already read would be
   * thrown away). Everyone else waits at most {@code maxBudgetWait}, and never past the call's own
   * deadline.
   */
  private long maxWaitNanos(Request request, KubeRequest k) {
    ListPage page = request.tag(ListPage.class);
    boolean mustNotBeRefused =
        k.origin() == CallOrigin.LIBRARY || (page != null && !page.isFirst());
    long limit = mustNotBeRefused ? TokenBucket.NO_LIMIT : maxWait.toNanos();
    CallDeadline deadline = request.tag(CallDeadline.class);
    if (deadline != null) {
      limit = Math.min(limit, Math.max(0, deadline.remainingNanos(clock.nanoTime())));
    }
    return limit;
  }

  private void take(TokenBucket bucket, double tokens, KubeRequest k, long maxWaitNanos)
      throws IOException {
    long waited;
    try {
      waited = bucket.acquire(tokens, maxWaitNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the client-side budget");
    }
    if (waited < 0) {
      Duration limit = Duration.ofNanos(maxWaitNanos);
      throw new BudgetExhaustedException(
          bucket.name(),
          limit,
          "needs "
              + tokens
              + " for "
              + k.requestLine()
              + (limit.compareTo(maxWait) < 0 ? ", within the call's own deadline" : ""));
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
