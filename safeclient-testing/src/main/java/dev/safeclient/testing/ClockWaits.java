package dev.safeclient.testing;

import java.time.Clock;
import java.time.Duration;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The simulated apiserver's timed waits (the watch cache's 3 s freshness wait), on KubeSim's own
 * clock. On a real clock a wait lasts its real time. On a virtual {@link SimClock} nobody would
 * move time while a client waits for the answer, so the clock advances itself to the earliest
 * deadline once every request in flight is blocked on it: a 3 s wait then costs no real time, and a
 * client on real time (client-java's informer, OkHttp with read timeout 0) still gets its answer.
 *
 * <p>A request's modelled service time holds its APF seats past its answer (see {@link
 * PriorityLevel}). Once no request is in flight, a virtual clock moves on to when the last held
 * seats come free: with nothing else to serve, the server's time is its requests' service time.
 *
 * <p>Only KubeSim's own waits are virtual. Socket and OkHttp timeouts (connect, read, call) stay on
 * real time, as do Jetty's idle timeouts and the LATENCY fault's delay.
 */
final class ClockWaits {
  /** How often a waiter re-checks its condition in real time: lag elapses without a notify. */
  private static final long POLL_MILLIS = 10;

  private final Clock clock;
  private final SimClock virtual;
  private final LongSupplier heldUntil;
  private int inFlight;

  /** Deadlines (sim-clock millis) of blocked waiters, with their counts. */
  private final TreeMap<Long, Integer> deadlines = new TreeMap<>();

  /**
   * @param heldUntil when the last APF seats held past their answer come free (clock millis), or
   *     {@link Long#MIN_VALUE}
   */
  ClockWaits(Clock clock, LongSupplier heldUntil) {
    this.clock = clock;
    this.virtual = clock instanceof SimClock s && s.isVirtual() ? s : null;
    this.heldUntil = heldUntil;
  }

  /** A resource request starts being served. */
  synchronized void enter() {
    inFlight++;
  }

  /** A resource request has its answer (or its watch is established). */
  synchronized void exit() {
    inFlight--;
    if (virtual != null && inFlight == 0) {
      long until = heldUntil.getAsLong();
      if (until != Long.MIN_VALUE) {
        virtual.advanceTo(until);
      }
    }
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
      virtual.advanceTo(deadlines.firstKey());
    }
  }
}
