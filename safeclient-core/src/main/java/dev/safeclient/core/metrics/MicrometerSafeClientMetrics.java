package dev.safeclient.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/**
 * {@link SafeClientMetrics} bound to a Micrometer {@link MeterRegistry}. Micrometer is an optional
 * dependency of core: this class is the only one that touches it.
 *
 * <table>
 *   <caption>meters</caption>
 *   <tr><td>safeclient.requests</td><td>timer</td><td>verb, resource, code (0: I/O failure)</td></tr>
 *   <tr><td>safeclient.retries</td><td>counter</td><td>reason</td></tr>
 *   <tr><td>safeclient.throttle.wait</td><td>timer</td><td>budget</td></tr>
 *   <tr><td>safeclient.list.cost</td><td>summary (APF seats)</td><td>resource</td></tr>
 *   <tr><td>safeclient.warnings</td><td>counter</td><td>rule</td></tr>
 *   <tr><td>safeclient.breaker.state</td><td>gauge 0 closed, 1 open, 2 half-open, 3 other</td>
 *       <td>breaker</td></tr>
 *   <tr><td>safeclient.informer.&lt;name&gt;</td><td>gauge</td><td>informer</td></tr>
 *   <tr><td>safeclient.informer.relists</td><td>counter</td><td>informer, reason</td></tr>
 * </table>
 *
 * <p>The retry, throttle, warning and breaker meters exist at zero from the client's build, for
 * every tag value it knows then ({@link KnownTags}).
 */
public final class MicrometerSafeClientMetrics implements SafeClientMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicInteger> breakerStates = new ConcurrentHashMap<>();

  public MicrometerSafeClientMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void clientBuilt(KnownTags known) {
    known.retryReasons().forEach(this::retries);
    known.budgets().forEach(this::throttleWaits);
    known.ruleIds().forEach(this::warnings);
    known.breakers().forEach(this::breakerGauge);
  }

  @Override
  public void requestCompleted(String verb, String resource, int code, long nanos) {
    Timer.builder("safeclient.requests")
        .tag("verb", verb)
        .tag("resource", resource)
        .tag("code", Integer.toString(code))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void retry(String reason) {
    retries(reason).increment();
  }

  private Counter retries(String reason) {
    return Counter.builder("safeclient.retries").tag("reason", reason).register(registry);
  }

  @Override
  public void throttleWait(String budget, long nanos) {
    throttleWaits(budget).record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer throttleWaits(String budget) {
    return Timer.builder("safeclient.throttle.wait").tag("budget", budget).register(registry);
  }

  @Override
  public void listCost(String resource, int seats) {
    DistributionSummary.builder("safeclient.list.cost")
        .baseUnit("seats")
        .tag("resource", resource)
        .register(registry)
        .record(seats);
  }

  @Override
  public void listDecision(String outcome, String reason) {
    Counter.builder("safeclient.list.decisions")
        .tag("outcome", outcome)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  @Override
  public void listRewriteFallback(String step, String cause) {
    Counter.builder("safeclient.list.rewrite.fallbacks")
        .tag("step", step)
        .tag("cause", cause)
        .register(registry)
        .increment();
  }

  @Override
  public void warning(String ruleId) {
    warnings(ruleId).increment();
  }

  private Counter warnings(String ruleId) {
    return Counter.builder("safeclient.warnings").tag("rule", ruleId).register(registry);
  }

  @Override
  public void breakerState(String key, String state) {
    breakerGauge(key)
        .set(
            switch (state) {
              case "CLOSED" -> 0;
              case "OPEN" -> 1;
              case "HALF_OPEN" -> 2;
              default -> 3;
            });
  }

  /** The gauge of one breaker, created at 0 (closed): a breaker not yet used is closed. */
  private AtomicInteger breakerGauge(String key) {
    return breakerStates.computeIfAbsent(
        key,
        k -> {
          AtomicInteger v = new AtomicInteger();
          Gauge.builder("safeclient.breaker.state", v, AtomicInteger::get)
              .tag("breaker", k)
              .register(registry);
          return v;
        });
  }

  @Override
  public void informerGauge(String informer, String name, DoubleSupplier value) {
    Gauge.builder("safeclient.informer." + name, value, DoubleSupplier::getAsDouble)
        .tag("informer", informer)
        .strongReference(true)
        .register(registry);
  }

  @Override
  public void informerRelist(String informer, String reason) {
    Counter.builder("safeclient.informer.relists")
        .tag("informer", informer)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  @Override
  public void informerLocalFailure(String informer, String where) {
    Counter.builder("safeclient.informer.local.failures")
        .tag("informer", informer)
        .tag("where", where)
        .register(registry)
        .increment();
  }
}
