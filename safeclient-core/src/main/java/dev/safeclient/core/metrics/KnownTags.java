package dev.safeclient.core.metrics;

import java.util.List;

/**
 * The tag values a client knows when it is built, before its first request: the fixed retry
 * reasons, every budget it can wait for, every rule id and the breaker of its own host's core
 * group. A registry creates its meters with them at zero, so that dashboards and alerts see a
 * series from the start instead of "no data" until the first retry or warning. Tag values that
 * depend on a response (a 5xx status code as a retry reason, another API group's breaker) appear
 * when they first happen.
 */
public record KnownTags(
    List<String> retryReasons, List<String> budgets, List<String> ruleIds, List<String> breakers) {
  public KnownTags {
    retryReasons = List.copyOf(retryReasons);
    budgets = List.copyOf(budgets);
    ruleIds = List.copyOf(ruleIds);
    breakers = List.copyOf(breakers);
  }
}
