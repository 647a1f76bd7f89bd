package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A flapping server cuts 20 open watches at one instant, their backoff still at the cap (the last
 * failure under two minutes ago): client-go has each draw its own [30, 60) s. With the gap floor
 * every entrant finds the earliest attempt (>= 30 s) beyond 45/n s and pulls one more informer to
 * its step's lower end: all but one retry at exactly T + 30 s, with no jitter, in every process the
 * server cut at that instant.
 */
class RecoveryWaveCutAtCapTest {
  private static final long S = WaveTrial.S;

  @Test
  void twentyWatchesCutAtOneInstantAtTheCapKeepTheirOwnSpread() throws Exception {
    WaveTrial trial = new WaveTrial();
    Random draws = new Random(1);
    Map<Long, Integer> ownPerSecond = new TreeMap<>();
    for (int i = 0; i < 20; i++) {
      long delayMs = 30_000 + (long) (draws.nextDouble() * 30_000);
      ownPerSecond.merge(delayMs / 1_000, 1, Integer::sum);
      // One after the other, at the same virtual instant (as 20 cut watches are seen).
      trial.entered("w" + i, trial.wave.waiter(new Random(5)), delayMs, 30_000, null, true);
    }
    trial.runUntilAllWoke();
    Map<Long, Integer> perSecond = new TreeMap<>();
    for (long w : trial.woke.values()) {
      perSecond.merge(w / S, 1, Integer::sum);
    }
    // client-go: each its own draw over [30, 60) s; no second busier than those draws make it.
    assertThat(perSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0))
        .as("attempts per second from the cut: %s; own draws: %s", perSecond, ownPerSecond)
        .isLessThanOrEqualTo(
            ownPerSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0));
  }
}
