package dev.safeclient.core.internal.chain;

import java.util.List;
import java.util.Objects;
import okhttp3.Interceptor;

/**
 * One link of the safety chain: a name that stays stable (tests and ARCHITECTURE.md pin it), the
 * one concern it has, and the rule ids it enforces (empty for links that enforce no catalogue rule,
 * such as the budgets).
 */
public record Link(String name, String concern, List<String> ruleIds, Interceptor interceptor) {
  public Link {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(concern, "concern");
    ruleIds = List.copyOf(ruleIds);
    Objects.requireNonNull(interceptor, "interceptor");
  }

  static Link of(String name, String concern, Interceptor interceptor, String... ruleIds) {
    return new Link(name, concern, List.of(ruleIds), interceptor);
  }
}
