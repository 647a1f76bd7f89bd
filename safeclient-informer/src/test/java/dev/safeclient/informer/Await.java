package dev.safeclient.informer;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;

/**
 * The informer tests' one wait for what arrives on real sockets (the informers' own clocks are
 * virtual, so there is no clock to advance for it). Polls every 2 ms: the waits are short, and most
 * tests wait many times.
 */
public final class Await {
  private Await() {}

  /** Waits up to 10 s for {@code condition}. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, condition, Duration.ofSeconds(10));
  }

  /** Waits up to {@code atMost} for {@code condition}. */
  public static void until(String what, BooleanSupplier condition, Duration atMost) {
    Awaitility.await(what)
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(2))
        .until(condition::getAsBoolean);
  }
}
