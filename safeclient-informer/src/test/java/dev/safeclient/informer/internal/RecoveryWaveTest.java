package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Which waiting attempts a recovery brings forward, and to when, on a virtual clock: the reflector
 * threads are stood in for by threads waiting in {@link RecoveryWave.Waiter#await}.
 */
class RecoveryWaveTest {
  private static final long S = WaveTrial.S;
  private final WaveTrial trial = new WaveTrial();
  private final VirtualTimeSource clock = trial.clock;
  private final long t0 = trial.t0;
  private final RecoveryWave wave = trial.wave;
  private final Map<String, Long> woke = trial.woke;

  /** Waits with {@code delayMillis} as its own step too: no gap can bring it forward. */
  private Thread waiting(
      String name, RecoveryWave.Waiter w, long delayMillis, Long retryAfterS, boolean server) {
    return trial.waiting(name, w, delayMillis, delayMillis, retryAfterS, server);
  }

  private Thread waiting(
      String name,
      RecoveryWave.Waiter w,
      long delayMillis,
      long stepMillis,
      Long retryAfterS,
      boolean server) {
    return trial.waiting(name, w, delayMillis, stepMillis, retryAfterS, server);
  }

  @Test
  void aRecoveryPacesTheServerFailuresKeepsRetryAfterAndLeavesOthersAlone() throws Exception {
    RecoveryWave.Waiter self = wave.waiter(new Random(5));
    Thread a = waiting("a", wave.waiter(new Random(5)), 50_000, null, true);
    Thread b = waiting("b", wave.waiter(new Random(5)), 40_000, 20L, true);
    Thread c = waiting("c", wave.waiter(new Random(5)), 45_000, null, false);
    Thread d = waiting("d", wave.waiter(new Random(5)), 300, null, true);
    clock.awaitQuiet(4, () -> 0);

    // At t=0 another informer is answered: d's own retry (0.3 s) comes before the first place
    // (0.5-0.6 s) and keeps its time, taking that place; b, the earliest of the rest, gets the
    // next place but is held to 20 s by its Retry-After, without holding a, which gets the third.
    assertThat(wave.recovered(self, clock.nanoTime(), new Random(3))).isEqualTo(2);
    trial.runUntilAllWoke();
    for (Thread t : new Thread[] {a, b, c, d}) {
      t.join(5_000);
    }

    assertThat(woke.get("d")).isEqualTo(300_000_000L);
    assertThat(woke.get("a")).isBetween(1_300_000_000L, 1_500_000_000L);
    assertThat(woke.get("b")).isEqualTo(20 * S);
    // Not a failure of the server's (a 403, say): its own backoff stands.
    assertThat(woke.get("c")).isEqualTo(45 * S);
  }

  @Test
  void anInformerIsBroughtForwardOnceBetweenTwoOfItsOwnSuccesses() throws Exception {
    RecoveryWave.Waiter self = wave.waiter(new Random(5));
    RecoveryWave.Waiter w = wave.waiter(new Random(5));
    waiting("first", w, 40_000, null, true);
    clock.awaitQuiet(1, () -> 0);
    assertThat(wave.recovered(self, clock.nanoTime(), new Random(3))).isEqualTo(1);
    trial.runUntilAllWoke();
    long first = woke.get("first");
    assertThat(first).isBetween(500_000_000L, 600_000_000L);

    // Its brought-forward attempt failed: it waits its own backoff, whoever recovers.
    waiting("second", w, 40_000, null, true);
    clock.awaitQuiet(1, () -> 0);
    assertThat(wave.recovered(self, clock.nanoTime(), new Random(3))).isZero();
    trial.runUntilAllWoke();
    assertThat(woke.get("second")).isEqualTo(first + 40 * S);

    // Once it has been answered itself, the next recovery may bring it forward again.
    wave.recovered(w, clock.nanoTime(), new Random(3));
    waiting("third", w, 40_000, null, true);
    clock.awaitQuiet(1, () -> 0);
    long now = clock.nanoTime();
    assertThat(wave.recovered(self, now, new Random(3))).isEqualTo(1);
    trial.runUntilAllWoke();
    assertThat(woke.get("third")).isBetween(now - t0 + 500_000_000L, now - t0 + 600_000_000L);
  }

  @Test
  void aFailureLeavesOneAttemptDueWithinTheMeanGapOfTheOthersOwnRetries() throws Exception {
    // At 10 s g fails and waits beside e: two waiting, the mean gap of their own retries is
    // 22.5 s, and nothing would try before e's own 59 s. e's step (30 s) has passed by 32.5 s: it
    // is brought to a time drawn from the gap's last tenth, [30.25, 32.5] s; g's step holds it.
    waiting("e", wave.waiter(new Random(5)), 59_000, 30_000, null, true);
    clock.awaitQuiet(1, () -> 0);
    clock.advance(Duration.ofSeconds(10));
    waiting("g", wave.waiter(new Random(5)), 55_000, 30_000, null, true);
    trial.runUntilAllWoke();

    assertThat(woke.get("e")).isBetween(30_250_000_000L, 32_500_000_000L);
    assertThat(woke.get("g")).isEqualTo(65 * S);
  }

  @Test
  void whenNoneMayGoWithinTheGapTheOneThatCanGoSoonestIsDrawnBeforeTheEarliestAttempt()
      throws Exception {
    // Both failed at 0 at the cap: neither may go before 30 s, beyond the 22.5 s gap. a, whose own
    // retry (50 s) is the earlier, is drawn between 30 s and 50 s.
    waiting("a", wave.waiter(new Random(5)), 50_000, 30_000, null, true);
    waiting("b", wave.waiter(new Random(5)), 58_000, 30_000, null, true);
    trial.runUntilAllWoke();

    assertThat(woke.get("a")).isBetween(30 * S, 50 * S - 1);
    assertThat(woke.get("b")).isEqualTo(58 * S);
  }

  @Test
  void aGapKeepsRetryAfterAndTheStepsLowerEnd() throws Exception {
    // a's Retry-After (45 s) makes b, free at its step's 30 s, the one to go, before a's 50 s.
    waiting("a", wave.waiter(new Random(5)), 50_000, 30_000, 45L, true);
    waiting("b", wave.waiter(new Random(5)), 58_000, 30_000, null, true);
    trial.runUntilAllWoke();

    assertThat(woke.get("a")).isEqualTo(50 * S);
    assertThat(woke.get("b")).isBetween(30 * S, 50 * S - 1);
  }

  @Test
  void noGapIsFilledWhenAnAttemptIsDueAnywayOrWhenOnlyOneInformerWaitsAfterTheServer()
      throws Exception {
    // c's own retry at 1.2 s is within the gap: nobody moves.
    waiting("c", wave.waiter(new Random(5)), 1_200, 800, null, true);
    waiting("d", wave.waiter(new Random(5)), 59_000, 30_000, null, true);
    trial.runUntilAllWoke();
    assertThat(woke.get("c")).isEqualTo(1_200_000_000L);
    assertThat(woke.get("d")).isEqualTo(59 * S);

    // Alone after a server failure (the other's failure was its own, a 403 say): client-go's draw.
    long now = clock.nanoTime() - t0;
    waiting("e", wave.waiter(new Random(5)), 59_000, 30_000, null, true);
    waiting("f", wave.waiter(new Random(5)), 59_000, 30_000, null, false);
    trial.runUntilAllWoke();
    assertThat(woke.get("e")).isEqualTo(now + 59 * S);
    assertThat(woke.get("f")).isEqualTo(now + 59 * S);
  }

  @Test
  void aRetryAfterOfCenturiesHoldsTheAttemptToItsOwnDelayWithoutOverflow() throws Exception {
    waiting("held", wave.waiter(new Random(5)), 50_000, 30_000, Long.MAX_VALUE, true);
    waiting("b", wave.waiter(new Random(5)), 58_000, 30_000, null, true);
    trial.runUntilAllWoke();

    assertThat(woke.get("held")).isEqualTo(50 * S);
    // The held one cannot go before its own 50 s: b is drawn between its 30 s and that 50 s.
    assertThat(woke.get("b")).isBetween(30 * S, 50 * S - 1);
  }
}
