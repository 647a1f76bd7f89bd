package dev.safeclient.core.internal.relay;

import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a read of a relayed resource may go to the API server instead: only once the relay has been
 * failing, without one good answer, for the fallback delay plus this client's jitter. The jitter is
 * drawn once per client in [0, delay), so that when a relay goes down a fleet of agents reaches the
 * API server spread over a whole delay, not at once; the first good answer of the relay ends it.
 */
final class DirectFallback {
  private final TimeSource clock;
  private final long afterNanos;
  // Guarded by this; -1 while the relay answers.
  private long failingSinceNanos = -1;

  DirectFallback(Duration after, TimeSource clock) {
    this(after, ThreadLocalRandom.current().nextDouble(), clock);
  }

  DirectFallback(Duration after, double jitter, TimeSource clock) {
    this.clock = clock;
    this.afterNanos = after.toNanos() + (long) (after.toNanos() * jitter);
  }

  synchronized void relayAnswered() {
    failingSinceNanos = -1;
  }

  /** Records a failure of the relay; true if this read may now go to the API server. */
  synchronized boolean relayFailed() {
    long now = clock.nanoTime();
    if (failingSinceNanos < 0) {
      failingSinceNanos = now;
    }
    return now - failingSinceNanos >= afterNanos;
  }
}
