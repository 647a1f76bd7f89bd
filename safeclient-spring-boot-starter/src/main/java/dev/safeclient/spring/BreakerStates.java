package dev.safeclient.spring;

import dev.safeclient.core.metrics.KnownTags;
import dev.safeclient.core.metrics.SafeClientMetrics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * Remembers the last state of each breaker for the info contributor, and forwards every report to
 * the metrics it wraps. It must override every method of {@link SafeClientMetrics} (a test checks
 * this): a default method left out would drop that report silently.
 */
final class BreakerStates implements SafeClientMetrics {
  private final SafeClientMetrics delegate;
  private final Map<String, String> states = new ConcurrentHashMap<>();

  BreakerStates(SafeClientMetrics delegate) {
    this.delegate = delegate;
  }

  /** Breaker key to its last reported state, sorted by key; empty before any transition. */
  Map<String, String> states() {
    return new TreeMap<>(states);
  }

  SafeClientMetrics delegate() {
    return delegate;
  }

  @Override
  public void clientBuilt(KnownTags known) {
    delegate.clientBuilt(known);
  }

  @Override
  public void breakerState(String key, String state) {
    states.put(key, state);
    delegate.breakerState(key, state);
  }

  @Override
  public void requestCompleted(String verb, String resource, int code, long nanos) {
    delegate.requestCompleted(verb, resource, code, nanos);
  }

  @Override
  public void retry(String reason) {
    delegate.retry(reason);
  }

  @Override
  public void throttleWait(String budget, long nanos) {
    delegate.throttleWait(budget, nanos);
  }

  @Override
  public void listCost(String resource, int seats) {
    delegate.listCost(resource, seats);
  }

  @Override
  public void listDecision(String outcome, String reason) {
    delegate.listDecision(outcome, reason);
  }

  @Override
  public void listRewriteFallback(String step, String cause) {
    delegate.listRewriteFallback(step, cause);
  }

  @Override
  public void warning(String ruleId) {
    delegate.warning(ruleId);
  }

  @Override
  public void informerGauge(String informer, String name, DoubleSupplier value) {
    delegate.informerGauge(informer, name, value);
  }

  @Override
  public void informerRelist(String informer, String reason) {
    delegate.informerRelist(informer, reason);
  }

  @Override
  public void informerLocalFailure(String informer, String where) {
    delegate.informerLocalFailure(informer, where);
  }
}
