package dev.safeclient.testing;

import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * The simulated apiserver's timed waits (the watch cache's 3 s freshness wait), on KubeSim's own
 * clock. On a real clock a wait lasts its real time. On a {@link VirtualTimeSource} nobody would
 * move time while a client waits for the answer, so the clock advances itself to the earliest
 * deadline once every request in flight is blocked on it: a 3 s wait then costs no real time, and a
 * client on real time (client-java's informer, OkHttp with read timeout 0) still gets its answer.
 *
 * <p>A request's modelled service time is such a wait too: on a virtual clock its answer waits
 * until the clock has passed it, holding its APF seats (see {@link Admission}).
 *
 * <p>Only KubeSim's own waits are virtual. Socket and OkHttp timeouts (connect, read, call) stay on
 * real time, as do Jetty's idle timeouts and the LATENCY fault's delay.
 */
final class ClockWaits {
  /** How often a waiter re-checks its condition in real time: lag elapses without a notify. */
  private static final long POLL_MILLIS = 10;

  private final Clock clock;
  private final VirtualTimeSource virtual;
  private int inFlight;

  /** Deadlines (sim-clock millis) of blocked waiters, with their counts. */
  private final TreeMap<Long, Integer> deadlines = new TreeMap<>();

  ClockWaits(TimeSource time) {
    this.clock = time.asJavaClock();
    this.virtual = time instanceof VirtualTimeSource v ? v : null;
  }

  /** A resource request starts being served. */
  synchronized void enter() {
    inFlight++;
  }

  /** A resource request has its answer (or its watch is established). */
  synchronized void exit() {
    inFlight--;
    advanceIfAllBlocked();
  }

  /**
   * Waits, under {@code monitor}, until {@code done} holds or {@code timeout} has passed on the
   * clock. {@code poll} runs before each check, outside the monitor (it may take other locks).
   */
  boolean await(Object monitor, Runnable poll, BooleanSupplier done, Duration timeout)
      throws InterruptedException {
    long deadline = clock.millis() + timeout.toMillis();
    synchronized (this) {
      deadlines.merge(deadline, 1, Integer::sum);
    }
    try {
      while (true) {
        poll.run();
        synchronized (monitor) {
          if (done.getAsBoolean()) {
            return true;
          }
          if (clock.millis() >= deadline) {
            return false;
          }
        }
        synchronized (this) {
          advanceIfAllBlocked();
        }
        synchronized (monitor) {
          if (done.getAsBoolean()) {
            return true;
          }
          if (clock.millis() < deadline) {
            monitor.wait(POLL_MILLIS);
          }
        }
      }
    } finally {
      synchronized (this) {
        deadlines.computeIfPresent(deadline, (k, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  /** Waits until the clock reads {@code epochMillis} (a request's end of service). */
  void awaitUntil(long epochMillis) throws InterruptedException {
    long left = epochMillis - clock.millis();
    if (left > 0) {
      await(this, () -> {}, () -> clock.millis() >= epochMillis, Duration.ofMillis(left));
    }
  }

  /** Caller holds this. */
  private void advanceIfAllBlocked() {
    if (virtual == null || deadlines.isEmpty()) {
      return;
    }
    int blocked = 0;
    for (int n : deadlines.values()) {
      blocked += n;
    }
    if (blocked >= inFlight) {
      virtual.advanceTo(Instant.ofEpochMilli(deadlines.firstKey()));
      notifyAll(); // service-time waits wait on this
    }
  }
}
