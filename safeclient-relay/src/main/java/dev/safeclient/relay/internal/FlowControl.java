package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.DroppedRequestsTracker;
import dev.safeclient.model.time.TimeSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Per-identity fairness: the relay's seats, fairly queued per flow ({@link QueueSet}), and a cap on
 * each flow's open watches. There are two levels, as APF's priority levels, each with its own
 * seats: authentication, whose flows are the clients' addresses, so that a flood of bad tokens
 * waits in its own queue for its TokenReviews and never holds a seat an agent's read needs; and
 * requests, whose flows are the authenticated identities. A request refused here gets what the
 * apiserver's priority-and-fairness filter answers.
 */
public final class FlowControl {
  /**
   * The limits.
   *
   * @param seats requests served at once (reads, and watches until they are established); as many
   *     authentications
   * @param queueLength requests one flow may have waiting for a seat, and as many reads waiting for
   *     their read point
   * @param queueWait how long a request may wait for its seat
   * @param watches watches one identity may have open
   */
  public record Limits(int seats, int queueLength, Duration queueWait, int watches) {
    /** The defaults {@code Relay}'s constants document: why each value is what it is. */
    public static final Limits DEFAULTS =
        new Limits(RelayServer.THREADS / 4, 50, Duration.ofSeconds(15), 100);

    public Limits {
      if (seats < 1 || queueLength < 0 || watches < 0 || queueWait.isNegative()) {
        throw new IllegalArgumentException(
            "at least one seat; queue length, queue wait and watches not negative");
      }
    }
  }

  /**
   * What the apiserver's {@code tooManyRequests} writes with {@code http.Error}: plain text, not a
   * Status; clients turn it into a TooManyRequests error and honour its Retry-After.
   */
  static final String TOO_MANY_REQUESTS = "Too many requests, please try again later.\n";

  /** The levels' names, as APF's priority levels, for their Retry-After. */
  static final String AUTHENTICATION = "authentication";

  static final String REQUESTS = "requests";

  /**
   * The TokenReview's {@code user.extra} key naming the pod a bound ServiceAccount token belongs
   * to: all pods of a DaemonSet share one ServiceAccount, and one agent must not starve the rest.
   */
  static final String POD_UID = "authentication.kubernetes.io/pod-uid";

  private final QueueSet authentication;
  private final QueueSet requests;

  /**
   * The Retry-After of each level's 429, as APF computes it: 1 s, doubled under sustained rejection
   * of the level, back down one second at a time once rejections stop.
   */
  private final DroppedRequestsTracker dropped;

  private final int watchesPerFlow;
  private final Map<String, Integer> watches = new ConcurrentHashMap<>();
  private final AtomicLong watchesRejected = new AtomicLong();

  /**
   * Reads one identity may have waiting for their read point (the coalesced probe, or the cache
   * reaching an RV) without a seat: its queue length. A read parked there waits as one queued for a
   * seat does, holding no thread, so it is bounded alike; the bound is per identity, so one
   * identity's flood of reads ahead of the cache is refused while every other identity's reads
   * still join the window.
   */
  private final int waitingPerFlow;

  private final Map<String, Integer> waitingReads = new ConcurrentHashMap<>();
  private final AtomicLong waitingRejected = new AtomicLong();

  public FlowControl(Limits limits, TimeSource clock, Executor executor) {
    this.authentication =
        new QueueSet(limits.seats(), limits.queueLength(), limits.queueWait(), clock, executor);
    this.requests =
        new QueueSet(limits.seats(), limits.queueLength(), limits.queueWait(), clock, executor);
    this.watchesPerFlow = limits.watches();
    this.waitingPerFlow = limits.queueLength();
    this.dropped = new DroppedRequestsTracker(clock);
  }

  /** The flow of a request not yet authenticated: its client's address. */
  static String flowOf(String remoteAddress) {
    return "address " + remoteAddress;
  }

  /** The flow of an authenticated request: its user, and its pod for a pod-bound token. */
  static String flowOf(Identity who) {
    List<String> pod = who.extra().get(POD_UID);
    return pod == null || pod.isEmpty()
        ? "user " + who.user()
        : "user " + who.user() + " pod " + pod.get(0);
  }

  /** The level of authentication (TokenReviews), per client address. */
  QueueSet authentication() {
    return authentication;
  }

  /** The level of authenticated requests, per identity. */
  QueueSet requests() {
    return requests;
  }

  /** Counts a watch of {@code flow} open; false, counting nothing, when its cap is reached. */
  boolean openWatch(String flow) {
    if (increment(watches, flow, watchesPerFlow)) {
      return true;
    }
    watchesRejected.incrementAndGet();
    return false;
  }

  /** A watch {@link #openWatch} counted has ended. */
  void closeWatch(String flow) {
    watches.computeIfPresent(flow, (k, n) -> n <= 1 ? null : n - 1);
  }

  /**
   * Counts a read of {@code flow} waiting for its read point; false, counting it rejected, when its
   * flow already has its queue length waiting.
   */
  boolean startWaiting(String flow) {
    if (increment(waitingReads, flow, waitingPerFlow)) {
      return true;
    }
    waitingRejected.incrementAndGet();
    return false;
  }

  /** A read {@link #startWaiting} counted has its read point (or failed to). */
  void doneWaiting(String flow) {
    waitingReads.computeIfPresent(flow, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** Reads waiting for their read point, over all flows. */
  public int waitingReads() {
    return waitingReads.values().stream().mapToInt(Integer::intValue).sum();
  }

  private static boolean increment(Map<String, Integer> counts, String flow, int cap) {
    boolean[] counted = {false};
    counts.compute(
        flow,
        (k, n) -> {
          int now = n == null ? 0 : n;
          if (now >= cap) {
            return n;
          }
          counted[0] = true;
          return now + 1;
        });
    return counted[0];
  }

  /** Watches open, over all flows. */
  int openWatches() {
    return watches.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Seats in use, at both levels. */
  public int executing() {
    return authentication.executing() + requests.executing();
  }

  /** Requests waiting for a seat, at both levels. */
  public int queued() {
    return authentication.queued() + requests.queued();
  }

  /** Requests rejected at either level, or for their identity's reads waiting already. */
  public long rejectedRequests() {
    return authentication.rejected() + requests.rejected() + waitingRejected.get();
  }

  public long rejectedWatches() {
    return watchesRejected.get();
  }

  /**
   * Counts a request of {@code level} rejected, and returns the Retry-After its 429 carries: as the
   * filter, the drop is recorded first.
   */
  long rejected(QueueSet level) {
    String name = level == authentication ? AUTHENTICATION : REQUESTS;
    dropped.recordDroppedRequest(name);
    return dropped.retryAfterSeconds(name);
  }

  /** Answers 429 to a request of {@code level}, as the apiserver's priority-and-fairness filter. */
  void tooManyRequests(QueueSet level, Response response, Callback callback) {
    ByteBuffer body = ByteBuffer.wrap(TOO_MANY_REQUESTS.getBytes(StandardCharsets.UTF_8));
    response.setStatus(429);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(rejected(level)));
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
    response.write(true, body, callback);
  }

  /** {@code callback}, releasing {@code seat} when the response completes, however it ends. */
  static Callback releasing(Callback callback, QueueSet.Seat seat) {
    return new Callback() {
      @Override
      public void succeeded() {
        try {
          callback.succeeded();
        } finally {
          seat.release();
        }
      }

      @Override
      public void failed(Throwable x) {
        try {
          callback.failed(x);
        } finally {
          seat.release();
        }
      }

      @Override
      public InvocationType getInvocationType() {
        return callback.getInvocationType();
      }
    };
  }
}
