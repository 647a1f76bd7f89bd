package dev.safeclient.informer.internal;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reflector threads stood in for by threads waiting in {@link RecoveryWave.Waiter#await}, on one
 * virtual clock: when each woke, in virtual nanoseconds from the trial's start (-1 if its wait
 * ended with an exception, as a stopped reflector's does).
 */
final class WaveTrial {
  static final long S = 1_000_000_000L;

  final VirtualTimeSource clock = VirtualTimeSource.manual();
  final long t0 = clock.nanoTime();
  final RecoveryWave wave = new RecoveryWave();
  final Map<String, Long> woke = new ConcurrentHashMap<>();
  private int started;

  /**
   * Starts a thread that waits {@code delayMs} on {@code w} after a failure (of the server's if
   * {@code server}), its backoff step {@code stepMs}, held by {@code retryAfterS} if not null.
   */
  Thread waiting(
      String name,
      RecoveryWave.Waiter w,
      long delayMs,
      long stepMs,
      Long retryAfterS,
      boolean server) {
    Thread t =
        new Thread(
            () -> {
              try {
                w.await(
                    clock,
                    Duration.ofMillis(delayMs),
                    Duration.ofMillis(stepMs),
                    retryAfterS == null ? null : Duration.ofSeconds(retryAfterS),
                    server,
                    () -> false);
                woke.put(name, clock.nanoTime() - t0);
              } catch (InterruptedException | RuntimeException e) {
                woke.put(name, -1L);
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    started++;
    return t;
  }

  /**
   * As {@link #waiting}, then until every thread started is asleep or done: the next one fails
   * after it, at the same virtual instant.
   */
  Thread entered(
      String name,
      RecoveryWave.Waiter w,
      long delayMs,
      long stepMs,
      Long retryAfterS,
      boolean server)
      throws InterruptedException {
    Thread t = waiting(name, w, delayMs, stepMs, retryAfterS, server);
    clock.awaitQuiet(started, woke::size);
    return t;
  }

  /** Advances the clock from wake-up to wake-up until every thread started has woken. */
  void runUntilAllWoke() throws InterruptedException {
    while (true) {
      clock.awaitQuiet(started, woke::size);
      if (woke.size() == started) {
        return;
      }
      clock.advanceToNextWake(Long.MAX_VALUE);
    }
  }
}
