package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.tooManyRequests;

/**
 * APF admission at KubeSim's priority level (WithPriorityAndFairness): a request is admitted with
 * its estimated seats or answered 429, and holds them for its modelled service time on KubeSim's
 * clock ({@link RequestRecord#serviceMillis()}: objects, bytes and waits), never for the wall time
 * this machine took.
 *
 * <p>On a real or scaled clock the answer is written as soon as it is built and the seats stay held
 * until the modelled time has passed. On a virtual clock nothing but KubeSim moves time, so the
 * answer first waits out the rest of its service time on the clock (which advances at once when
 * every request in flight is blocked on it, see {@link ClockWaits}); the clock then reads the time
 * the server spent. A watch's service ends when it is established.
 */
final class Admission {
  private final KubeSim sim;

  Admission(KubeSim sim) {
    this.sim = sim;
  }

  /** Admits {@code c} at {@code seats}, or answers it 429 and returns false. */
  boolean admit(ApiCall c, int seats) {
    PriorityLevel pl = sim.priorityLevel();
    if (!pl.tryAcquire(seats)) {
      int retryAfter = pl.drop();
      sim.statsLive().tooManyRequests("apf");
      c.send(tooManyRequests(retryAfter, "apf"));
      return false;
    }
    c.seats = seats;
    c.admitted = true;
    c.beforeAnswer = this::answered;
    sim.statsLive().seats(seats);
    return true;
  }

  /** The answer of {@code c} is built: on a virtual clock, its service time passes first. */
  private void answered(ApiCall c) {
    if (!c.admitted) {
      return;
    }
    long releaseAt = releaseAt(c);
    if (sim.virtualTime()) {
      try {
        sim.waits().awaitUntil(releaseAt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    finish(c);
  }

  private static long releaseAt(ApiCall c) {
    return c.record.startMillis + (long) Math.ceil(c.record.serviceMillis());
  }

  /**
   * {@code c} is answered or its watch established: its seats come free at its arrival time plus
   * its modelled service time (waits included), on a virtual clock at once (its waits already
   * passed on the clock). Once per admitted request.
   */
  void finish(ApiCall c) {
    if (!c.admitted) {
      return;
    }
    c.admitted = false;
    sim.priorityLevel().finish(c.seats, releaseAt(c));
  }
}
