package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A flapping server cuts 20 open watches at one instant, their backoff still at the cap (the last
 * failure under two minutes ago): client-go has each draw its own [30, 60) s. With the gap floor
 * every entrant finds the earliest attempt (>= 30 s) beyond 45/n s and pulls one more informer to
 * its step's lower end: all but one retry at exactly T + 30 s, with no jitter, in every process the
 * server cut at that instant.
 */
class RecoveryWaveCutAtCapTest {
  private static final long S = 1_000_000_000L;

  @Test
  void twentyWatchesCutAtOneInstantAtTheCapKeepTheirOwnSpread() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    long t0 = clock.nanoTime();
    RecoveryWave wave = new RecoveryWave();
    Map<Integer, Long> woke = new ConcurrentHashMap<>();
    Random draws = new Random(1);
    List<Thread> threads = new ArrayList<>();
    Map<Long, Integer> ownPerSecond = new TreeMap<>();
    for (int i = 0; i < 20; i++) {
      long delay = 30 * S + (long) (draws.nextDouble() * 30 * S);
      ownPerSecond.merge(delay / S, 1, Integer::sum);
      int id = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  wave.waiter(new Random(5))
                      .await(
                          clock,
                          Duration.ofNanos(delay),
                          Duration.ofSeconds(30),
                          null,
                          true,
                          () -> false);
                  woke.put(id, clock.nanoTime() - t0);
                } catch (InterruptedException e) {
                  woke.put(id, -1L);
                }
              });
      t.setDaemon(true);
      t.start();
      threads.add(t);
      // One after the other, at the same virtual instant (as 20 cut watches are seen).
      clock.awaitQuiet(i + 1, () -> 0);
    }
    while (true) {
      clock.awaitQuiet(20, woke::size);
      if (woke.size() == 20) {
        break;
      }
      clock.advanceToNextWake(Long.MAX_VALUE);
    }
    Map<Long, Integer> perSecond = new TreeMap<>();
    for (long w : woke.values()) {
      perSecond.merge(w / S, 1, Integer::sum);
    }
    // client-go: each its own draw over [30, 60) s; no second busier than those draws make it.
    assertThat(perSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0))
        .as("attempts per second from the cut: %s; own draws: %s", perSecond, ownPerSecond)
        .isLessThanOrEqualTo(
            ownPerSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0));
  }
}
