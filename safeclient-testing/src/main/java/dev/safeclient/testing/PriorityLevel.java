package dev.safeclient.testing;

import java.time.Clock;

/**
 * An APF priority level reduced to what a client sees: a seat limit, and 429s whose Retry-After
 * starts at 1 s, doubles while drops are sustained and is capped at 32 s (K8S-API-FACTS, "API
 * Priority and Fairness").
 */
final class PriorityLevel {
  static final int MAX_RETRY_AFTER_SECONDS = 32;
  static final String FLOW_SCHEMA_UID = "6a9c6b0e-5e3c-4b6c-9d8e-kubesim-flow";
  static final String PRIORITY_LEVEL_UID = "0f1d2c3b-4a59-4e6f-8a7b-kubesim-level";

  private final int limit;
  private final Clock clock;
  private int inUse;
  private int retryAfter = 1;
  private long lastDropMillis = Long.MIN_VALUE / 2;
  private long periodStartMillis;

  PriorityLevel(int limit, Clock clock) {
    this.limit = limit;
    this.clock = clock;
  }

  /** A request never needs more seats than the level has (APF caps the width the same way). */
  int width(int seats) {
    return Math.max(1, Math.min(seats, limit));
  }

  synchronized boolean tryAcquire(int seats) {
    if (inUse + seats > limit) {
      return false;
    }
    inUse += seats;
    return true;
  }

  synchronized void release(int seats) {
    inUse -= seats;
  }

  synchronized int inUse() {
    return inUse;
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
