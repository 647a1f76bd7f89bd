package dev.safeclient.model.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VirtualTimeSourceTest {
  @Test
  void anAutoAdvancingSleepMovesTimeAndReturnsAtOnce() throws Exception {
    VirtualTimeSource time = VirtualTimeSource.autoAdvancing();
    long start = time.nanoTime();
    Instant wall = time.instant();
    time.sleep(Duration.ofSeconds(30));
    assertThat(time.since(start)).isEqualTo(Duration.ofSeconds(30));
    assertThat(time.instant()).isEqualTo(wall.plusSeconds(30));
    assertThat(time.asJavaClock().instant()).isEqualTo(wall.plusSeconds(30));
    assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(30));
  }

  @Test
  void timersRunInDueOrderOnTheThreadThatMovesTime() {
    VirtualTimeSource time = VirtualTimeSource.manual();
    List<String> ran = new ArrayList<>();
    time.schedule(Duration.ofSeconds(2), () -> ran.add("2s@" + time.elapsed().toSeconds()));
    TimeSource.Timer cancelled = time.schedule(Duration.ofSeconds(1), () -> ran.add("cancelled"));
    time.schedule(Duration.ofSeconds(1), () -> ran.add("1s@" + time.elapsed().toSeconds()));
    cancelled.cancel();
    assertThat(time.pendingTimers()).isEqualTo(2);
    time.advance(Duration.ofSeconds(5));
    assertThat(ran).containsExactly("1s@1", "2s@2");
    assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(5));
    assertThat(time.pendingTimers()).isZero();
  }

  @Test
  void aSleepPastTheHorizonBlocksUntilTimeIsMovedPastIt() throws Exception {
    VirtualTimeSource time = VirtualTimeSource.autoAdvancingFor(Duration.ofSeconds(10));
    time.sleep(Duration.ofSeconds(4));
    AtomicReference<Duration> wokeAt = new AtomicReference<>();
    Thread sleeper =
        new Thread(
            () -> {
              try {
                time.sleep(Duration.ofSeconds(20));
                wokeAt.set(time.elapsed());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    sleeper.start();
    time.awaitBlockedSleepers(1);
    assertThat(time.asleep()).isEqualTo(1);
    assertThat(time.advanceToNextWake(Long.MAX_VALUE) - time.nanoTime()).isZero();
    sleeper.join();
    assertThat(wokeAt.get()).isEqualTo(Duration.ofSeconds(24));
  }

  @Test
  void aBlockedSleepEndsWhenItsThreadIsInterrupted() throws Exception {
    VirtualTimeSource time = VirtualTimeSource.manual();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread sleeper =
        new Thread(
            () -> {
              try {
                time.sleep(Duration.ofHours(1));
              } catch (InterruptedException e) {
                thrown.set(e);
              }
            });
    sleeper.start();
    time.awaitBlockedSleepers(1);
    sleeper.interrupt();
    sleeper.join();
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(time.elapsed()).isZero();
  }

  @Test
  void participantsMoveTimeOnlyWhenAllOfThemAreAsleep() throws Exception {
    VirtualTimeSource time = VirtualTimeSource.manual();
    List<Callable<List<Duration>>> tasks = new ArrayList<>();
    for (int period : new int[] {3, 5}) {
      tasks.add(
          () -> {
            List<Duration> woke = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
              time.sleep(Duration.ofSeconds(period));
              woke.add(time.elapsed());
            }
            return woke;
          });
    }
    List<List<Duration>> woke = time.runAll(tasks);
    assertThat(woke.get(0)).containsExactly(secs(3), secs(6), secs(9));
    assertThat(woke.get(1)).containsExactly(secs(5), secs(10), secs(15));
    assertThat(time.elapsed()).isEqualTo(secs(15));
  }

  @Test
  void quiescenceWaitsForEveryKnownThreadToSleep() throws Exception {
    VirtualTimeSource time = VirtualTimeSource.manual();
    List<Thread> threads = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Duration d = secs(i);
      Thread t =
          new Thread(
              () -> {
                try {
                  time.sleep(d);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      threads.add(t);
      t.start();
    }
    time.awaitQuiet(3, () -> 0);
    assertThat(time.advanceToNextWake(Long.MAX_VALUE)).isEqualTo(time.nanoTime());
    assertThat(time.elapsed()).isEqualTo(secs(1));
    time.advance(secs(2));
    for (Thread t : threads) {
      t.join();
    }
    assertThat(time.asleep()).isZero();
  }

  @Test
  void aZeroSleepOnAnInterruptedThreadThrows() {
    VirtualTimeSource time = VirtualTimeSource.autoAdvancing();
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> time.sleep(Duration.ZERO)).isInstanceOf(InterruptedException.class);
    assertThat(Collections.singletonList(Thread.interrupted())).containsExactly(false);
  }

  @Test
  void scaledTimeRunsFasterAndItsSleepsAreShorter() throws Exception {
    TimeSource fast = TimeSource.scaled(1000);
    long start = fast.nanoTime();
    long realStart = System.nanoTime();
    fast.sleep(Duration.ofSeconds(2));
    long real = System.nanoTime() - realStart;
    assertThat(real).isLessThan(Duration.ofSeconds(1).toNanos());
    assertThat(fast.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofSeconds(2).toNanos());
    assertThatThrownBy(() -> TimeSource.scaled(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TimeSource.scaled(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void systemTimersRunOnOneDaemonThreadReleasedByClose() throws Exception {
    TimeSource system = TimeSource.system();
    java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
    AtomicReference<Thread> on = new AtomicReference<>();
    system.schedule(
        Duration.ZERO,
        () -> {
          on.set(Thread.currentThread());
          ran.countDown();
        });
    ran.await();
    assertThat(on.get().isDaemon()).isTrue();
    assertThat(on.get().getName()).isEqualTo(SystemTimeSource.TIMER_THREAD);
    system.close();
    on.get().join(5_000);
    assertThat(on.get().isAlive()).isFalse();
  }

  private static Duration secs(int s) {
    return Duration.ofSeconds(s);
  }
}
