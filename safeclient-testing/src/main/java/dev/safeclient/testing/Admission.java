package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.tooManyRequests;

/**
 * APF admission at KubeSim's priority level (WithPriorityAndFairness): a request is admitted with
 * its estimated seats or answered 429, and once answered (a watch: established) its seats stay held
 * for the rest of its modelled service time on KubeSim's clock.
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
    sim.statsLive().seats(seats);
    return true;
  }

  /**
   * {@code c} is answered: its seats come free at its admission time plus its modelled service
   * time ({@link RequestRecord#serviceMillis()}, waits included). Once per admitted request.
   */
  void finish(ApiCall c) {
    if (!c.admitted) {
      return;
    }
    c.admitted = false;
    long releaseAt = c.record.startMillis + (long) Math.ceil(c.record.serviceMillis());
    sim.priorityLevel().finish(c.seats, releaseAt);
  }
}
