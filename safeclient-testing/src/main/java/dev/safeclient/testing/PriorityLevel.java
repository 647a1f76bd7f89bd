package dev.safeclient.testing;

import dev.safeclient.model.serving.ListWorkEstimator;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Clock;
import java.util.PriorityQueue;

/**
 * An APF priority level reduced to what a client sees: a concurrency limit in seats, and 429s whose
 * Retry-After starts at 1 s, doubles while drops are sustained and is capped at 32 s
 * (K8S-API-FACTS, "API Priority and Fairness"). It has no queues: a request that does not fit is
 * rejected at once, where a real level would queue it first.
 *
 * <p>A request holds its seats from admission for its modelled service time on KubeSim's clock
 * ({@link Admission}), not for the wall time this machine took. Admission sees seats still held. On
 * a virtual clock the service time has passed on the clock by the time a request is answered.
 */
final class PriorityLevel {
  static final int MAX_RETRY_AFTER_SECONDS = 32;
  static final String FLOW_SCHEMA_UID = "6a9c6b0e-5e3c-4b6c-9d8e-kubesim-flow";
  static final String PRIORITY_LEVEL_UID = "0f1d2c3b-4a59-4e6f-8a7b-kubesim-level";

  private final int concurrencyLimit;
  private final int maxSeats;
  private final Clock clock;
  // Whether KubeSim's own waits move the clock: then an answer has already waited out its service
  // time, and its seats come free at once.
  private final boolean virtual;
  private int seatsInUse;
  private int requestsExecuting;

  /** Requests answered but still within their modelled service time: {releaseAtMillis, seats}. */
  private final PriorityQueue<long[]> held =
      new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));

  private int retryAfter = 1;
  private long lastDropMillis = Long.MIN_VALUE / 2;
  private long periodStartMillis;

  /**
   * @param concurrencyLimit the level's nominal concurrency limit in seats
   * @param handSize the level's shuffle-sharding hand size
   */
  PriorityLevel(int concurrencyLimit, int handSize, TimeSource time) {
    this(concurrencyLimit, handSize, time.asJavaClock(), time instanceof VirtualTimeSource);
  }

  /** {@code virtual}: whether KubeSim's own waits move {@code clock}. */
  PriorityLevel(int concurrencyLimit, int handSize, Clock clock, boolean virtual) {
    this.concurrencyLimit = concurrencyLimit;
    this.maxSeats = ListWorkEstimator.priorityLevelMaxSeats(concurrencyLimit, handSize);
    this.clock = clock;
    this.virtual = virtual;
  }

  PriorityLevel(int concurrencyLimit, TimeSource time) {
    this(concurrencyLimit, KubeSim.Builder.DEFAULT_HAND_SIZE, time);
  }

  /**
   * The most seats the work estimator gives one request at this level: apf_controller.go
   * (cfgMeal.finishQueueSetReconfigsLocked) sets max(1, min(ceil(0.15 × nominal concurrency),
   * nominal concurrency / hand size)) in its MaxSeatsTracker, which listWorkEstimator.estimate
   * reads.
   */
  int maxSeats() {
    return maxSeats;
  }

  /**
   * Admits a request of {@code seats} if the level can accommodate it now:
   * queueSet.canAccommodateSeatsLocked (fairqueuing/queueset/queueset.go). A request wider than the
   * whole limit runs only when nothing else does.
   */
  synchronized boolean tryAcquire(int seats) {
    releaseDue();
    boolean fits =
        seats > concurrencyLimit ? requestsExecuting == 0 : seatsInUse + seats <= concurrencyLimit;
    if (!fits) {
      return false;
    }
    seatsInUse += seats;
    requestsExecuting++;
    return true;
  }

  /**
   * The request is answered; its seats stay held until {@code releaseAtMillis} on the clock (its
   * admission time plus its modelled service time), or are released now if that has passed.
   */
  synchronized void finish(int seats, long releaseAtMillis) {
    if (releaseAtMillis <= clock.millis() || virtual) {
      release(seats);
      return;
    }
    held.add(new long[] {releaseAtMillis, seats});
  }

  private void release(long seats) {
    seatsInUse -= (int) seats;
    requestsExecuting--;
  }

  private void releaseDue() {
    long now = clock.millis();
    while (!held.isEmpty() && held.peek()[0] <= now) {
      release(held.poll()[1]);
    }
  }

  /** Seats in use now: requests executing and those within their modelled service time. */
  synchronized int inUse() {
    releaseDue();
    return seatsInUse;
  }

  /** Records a drop and returns the Retry-After to send with it. */
  synchronized int drop() {
    long now = clock.millis();
    if (now - lastDropMillis > 2_000L * retryAfter) {
      retryAfter = 1; // drops stopped for a while: back to the start
      periodStartMillis = now;
    } else if (now - periodStartMillis >= 1_000L * retryAfter) {
      // Drops lasted a whole Retry-After period: clients did not back off enough. Double.
      retryAfter = Math.min(MAX_RETRY_AFTER_SECONDS, retryAfter * 2);
      periodStartMillis = now;
    }
    lastDropMillis = now;
    return retryAfter;
  }
}
