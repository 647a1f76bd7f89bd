package dev.safeclient.core;

import java.util.List;

/**
 * A request that {@link SafetyMode#STRICT} refused to send. Thrown inside OkHttp's interceptor
 * chain, it reaches callers of the generated APIs as the cause of an {@code ApiException}.
 */
public class UnsafeRequestException extends SafeClientException {
  private final List<String> ruleIds;

  public UnsafeRequestException(List<String> ruleIds, String message) {
    super(message);
    if (ruleIds.isEmpty()) {
      throw new IllegalArgumentException("an unsafe request names at least one rule");
    }
    this.ruleIds = List.copyOf(ruleIds);
  }

  /** The first rule that fired. */
  public String ruleId() {
    return ruleIds.get(0);
  }

  /** Every rule that fired, in catalogue order. */
  public List<String> ruleIds() {
    return ruleIds;
  }
}
