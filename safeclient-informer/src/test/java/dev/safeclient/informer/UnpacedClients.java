package dev.safeclient.informer;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.budget.PacingClock;
import io.kubernetes.client.openapi.ApiClient;
import java.util.concurrent.atomic.AtomicLong;

/**
 * SafeClients for reflector tests. The tests drive the reflector's clock; the pipeline's own pacing
 * (token buckets, list cost, Retry-After memory, breaker) would wait in another time and is tested
 * in core. Here its waits pass in a virtual time of their own, and its budgets are wide.
 */
final class UnpacedClients {
  private UnpacedClients() {}

  static SafeClient.Builder builder(ApiClient base) {
    AtomicLong now = new AtomicLong();
    PacingClock instant =
        new PacingClock() {
          @Override
          public long nanoTime() {
            return now.get();
          }

          @Override
          public void sleep(long nanos) {
            now.addAndGet(nanos);
          }
        };
    return SafeClient.builder(base)
        .userAgent("informer-test/1")
        .qps(1e6)
        .burst(1_000_000)
        .listCostPerSecond(1e6)
        .breakerEnabled(false)
        .pacingClock(instant);
  }
}
