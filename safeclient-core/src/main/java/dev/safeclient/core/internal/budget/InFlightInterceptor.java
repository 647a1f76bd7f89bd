package dev.safeclient.core.internal.budget;

import dev.safeclient.core.BudgetExhaustedException;
import dev.safeclient.core.internal.body.BodyEnd;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Caps requests in flight: {@code maxInFlight} non-watch requests and {@code maxWatches} watches,
 * each slot held until the response body is read or closed. Long-running streams (exec, attach,
 * port-forward, proxy, followed logs) take no slot: they live as long as the user wants.
 * Coordination Lease calls take none either.
 */
public final class InFlightInterceptor implements Interceptor {
  private static final String REQUESTS_BUDGET = "in-flight";
  private static final String WATCHES_BUDGET = "watches";

  /** Every budget name this link's waits are counted under. */
  public static final List<String> BUDGETS = List.of(REQUESTS_BUDGET, WATCHES_BUDGET);

  private final Semaphore requests;
  private final Semaphore watches;
  private final Duration maxWait;
  private final SafeClientMetrics metrics;
  private final TimeSource clock;

  public InFlightInterceptor(
      int maxInFlight,
      int maxWatches,
      Duration maxWait,
      SafeClientMetrics metrics,
      TimeSource clock) {
    this.requests = new Semaphore(maxInFlight, true);
    this.watches = new Semaphore(maxWatches, true);
    this.maxWait = maxWait;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    KubeRequest k = KubeRequest.of(chain.request());
    if (k.isLongRunningStream() || k.isLease()) {
      // A Lease renewal must not wait behind ordinary work (ten writes held by a webhook that
      // times out would cost the leadership); Leases have their own bucket.
      return chain.proceed(chain.request());
    }
    boolean watch = k.verb() == Verb.WATCH;
    Semaphore slots = watch ? watches : requests;
    String budget = watch ? WATCHES_BUDGET : REQUESTS_BUDGET;
    long limit = maxWaitNanos(chain.request(), k, watch);
    // A semaphore waits in real time: the wait is measured on it.
    long start = System.nanoTime();
    try {
      if (limit == Long.MAX_VALUE) {
        slots.acquire();
      } else if (!slots.tryAcquire(limit, TimeUnit.NANOSECONDS)) {
        throw new BudgetExhaustedException(
            budget, Duration.ofNanos(limit), "no free slot for " + k.requestLine());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for an in-flight slot");
    }
    long waited = System.nanoTime() - start;
    if (waited > BudgetInterceptor.REPORTED_WAIT_NANOS) {
      metrics.throttleWait(budget, waited);
    }
    Slot slot = new Slot(slots);
    try {
      Response response = chain.proceed(chain.request());
      return response
          .newBuilder()
          .body(new BodyEnd(response.body(), slot::release, e -> e))
          .build();
    } catch (IOException | RuntimeException | Error e) {
      slot.release();
      throw e;
    }
  }

  /**
   * As the token buckets: an informer's own lists and the later pages of a paged list wait for a
   * slot, which frees as soon as some exchange ends, instead of being refused. Watch slots are held
   * for minutes, so a watch (an informer's too) waits at most {@code maxBudgetWait}: more informers
   * than {@code maxWatches} is a configuration to report, not a queue. Never past the call's own
   * deadline.
   */
  private long maxWaitNanos(Request request, KubeRequest k, boolean watch) {
    ListPage page = request.tag(ListPage.class);
    boolean mustNotBeRefused =
        !watch && (k.origin() == CallOrigin.LIBRARY || (page != null && !page.isFirst()));
    long limit = mustNotBeRefused ? Long.MAX_VALUE : maxWait.toNanos();
    CallDeadline deadline = request.tag(CallDeadline.class);
    if (deadline != null) {
      limit = Math.min(limit, Math.max(0, deadline.remainingNanos(clock.nanoTime())));
    }
    return limit;
  }

  /** The number of non-watch slots free now; for tests and diagnostics. */
  int availableRequestSlots() {
    return requests.availablePermits();
  }

  private static final class Slot {
    private final Semaphore semaphore;
    private final AtomicBoolean released = new AtomicBoolean();

    Slot(Semaphore semaphore) {
      this.semaphore = semaphore;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        semaphore.release();
      }
    }
  }
}
