package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A waiter chosen twice while the first wake is still on its way: its sleep has thrown, but the
 * thread has not yet taken the wave's lock in the catch (another failing reflector holds it and
 * chooses it again). The second interrupt then lands after wakePending was consumed, and the next
 * sleep's InterruptedException is taken for a stop: the reflector thread ends.
 */
class RecoveryWaveWakeRaceTest {
  private static final long S = 1_000_000_000L;

  @Test
  void aWaiterChosenAgainBeforeItHandledTheFirstWakeKeepsWaiting() throws Exception {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    long t0 = clock.nanoTime();
    RecoveryWave wave = new RecoveryWave();
    CountDownLatch inWindow = new CountDownLatch(1);
    AtomicBoolean proceed = new AtomicBoolean();
    AtomicBoolean first = new AtomicBoolean(true);
    // X's clock: between its sleep throwing and the catch taking the lock, it stops until told.
    TimeSource windowed =
        new TimeSource() {
          @Override
          public long nanoTime() {
            return clock.nanoTime();
          }

          @Override
          public Instant instant() {
            return clock.instant();
          }

          @Override
          public void sleep(Duration d) throws InterruptedException {
            try {
              clock.sleep(d);
            } catch (InterruptedException e) {
              if (first.getAndSet(false)) {
                inWindow.countDown();
                while (!proceed.get()) {
                  Thread.onSpinWait();
                }
              }
              throw e;
            }
          }

          @Override
          public Timer schedule(Duration delay, Runnable task) {
            return clock.schedule(delay, task);
          }
        };
    AtomicLong xWoke = new AtomicLong(Long.MIN_VALUE);
    Thread x =
        new Thread(
            () -> {
              try {
                // At the cap: drew 59 s from its 10 s-step (a lower step than the others').
                wave.waiter(new Random(5))
                    .await(
                        windowed,
                        Duration.ofSeconds(59),
                        Duration.ofSeconds(10),
                        null,
                        true,
                        () -> false);
                xWoke.set(clock.nanoTime() - t0);
              } catch (InterruptedException e) {
                xWoke.set(-1);
              }
            },
            "x");
    x.setDaemon(true);
    x.start();
    clock.awaitQuiet(1, () -> 0);

    // y fails: two wait, due within 22.5 s; x (free from 10 s) is brought to [20.25, 22.5] s.
    Thread y = waiter(wave, clock, "y");
    inWindow.await();
    clock.awaitQuiet(1, () -> 0);
    // z fails at once: three wait, due within 15 s; x (at 22.5 s) is brought to the last tenth
    // before 15 s: chosen again
    // while its first wake is still on its way.
    Thread z = waiter(wave, clock, "z");
    clock.awaitQuiet(2, () -> 0);
    proceed.set(true);

    // Quiet once x sleeps again beside y and z, or has ended.
    clock.awaitQuiet(3, () -> xWoke.get() == -1 ? 1 : 0);
    // Still waiting (not thrown out as if stopped), due in [13.5, 15] s.
    assertThat(xWoke.get()).as("x ended its wait with InterruptedException (-1)").isNotEqualTo(-1);
    while (xWoke.get() == Long.MIN_VALUE) {
      clock.advanceToNextWake(Long.MAX_VALUE);
      x.join(100);
    }
    assertThat(xWoke.get()).isBetween(13_500_000_000L, 15 * S);
    y.interrupt();
    z.interrupt();
  }

  private static Thread waiter(RecoveryWave wave, VirtualTimeSource clock, String name) {
    Thread t =
        new Thread(
            () -> {
              try {
                wave.waiter(new Random(5))
                    .await(
                        clock,
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(60),
                        null,
                        true,
                        () -> false);
              } catch (InterruptedException e) {
                // ended by the test
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
