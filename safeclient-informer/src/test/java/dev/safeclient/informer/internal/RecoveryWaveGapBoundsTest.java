package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Bounds of the gap floor that the other RecoveryWave tests leave unchecked: a late move never
 * lands before the lower end of the moved informer's step, even when the earliest attempt is held
 * where it is; and both kinds of move draw their time, so that processes failing at one instant do
 * not retry at one instant.
 */
class RecoveryWaveGapBoundsTest {
  private static final long S = WaveTrial.S;

  /** One process: {@code name} fails after those before it, at the same virtual instant. */
  private static void waiting(
      WaveTrial t, String name, long delayMs, long stepMs, Long retryAfterS, long seed)
      throws InterruptedException {
    t.entered(name, t.wave.waiter(new Random(seed)), delayMs, stepMs, retryAfterS, true);
  }

  @Test
  void aLateMoveNeverLandsBeforeTheStepsLowerEndWhenTheEarliestAttemptIsHeld() throws Exception {
    // e is held to its own 25 s by a Retry-After; b's step keeps it until 30 s. The 22.5 s gap has
    // no attempt, but nobody may fill it: b goes at its own 59 s, never in (25, 30) s.
    WaveTrial t = new WaveTrial();
    waiting(t, "e", 25_000, 12_800, 25L, 1);
    waiting(t, "b", 59_000, 30_000, null, 2);
    t.runUntilAllWoke();
    assertThat(t.woke.get("e")).isEqualTo(25 * S);
    assertThat(t.woke.get("b")).isGreaterThanOrEqualTo(30 * S).isEqualTo(59 * S);
  }

  @Test
  void aLateMoveIsDrawnNotPutAtTheLowerEnd() throws Exception {
    // Two watches cut at one instant at the cap, in ten processes: the one moved late is drawn
    // over [30 s, its own retry), not put at 30 s in every process.
    Set<Long> moved = new TreeSet<>();
    for (long seed = 1; seed <= 10; seed++) {
      WaveTrial t = new WaveTrial();
      waiting(t, "a", 50_000, 30_000, null, seed);
      waiting(t, "b", 58_000, 30_000, null, seed);
      t.runUntilAllWoke();
      assertThat(t.woke.get("a")).isBetween(30 * S, 50 * S - 1);
      moved.add(t.woke.get("a"));
    }
    assertThat(moved).as("late-moved times over ten processes").hasSizeGreaterThan(5);
    assertThat(moved).doesNotContain(30 * S);
  }

  @Test
  void aMoveWithinTheGapIsDrawnOverItsLastTenth() throws Exception {
    // As RecoveryWaveTest's e and g, in ten processes: e lands anywhere in [30.25, 32.5] s, not
    // at the gap's end in every one.
    Set<Long> moved = new TreeSet<>();
    for (long seed = 1; seed <= 10; seed++) {
      WaveTrial t = new WaveTrial();
      waiting(t, "e", 59_000, 30_000, null, seed);
      t.clock.advance(Duration.ofSeconds(10));
      waiting(t, "g", 55_000, 30_000, null, seed);
      t.runUntilAllWoke();
      assertThat(t.woke.get("e")).isBetween(30_250_000_000L, 32_500_000_000L);
      moved.add(t.woke.get("e"));
    }
    assertThat(moved).as("moved times over ten processes").hasSizeGreaterThan(5);
  }
}
