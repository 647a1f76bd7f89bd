package dev.safeclient.core;

import java.time.Duration;

/**
 * A request would have had to wait longer than {@code maxBudgetWait} for a client-side budget (the
 * request token bucket, the list-cost budget, or an in-flight slot). It was not sent. Reaches the
 * caller of a generated API as the cause of an {@code ApiException}.
 */
public final class BudgetExhaustedException extends SafeClientException {
  private final String budget;
  private final Duration maxWait;

  public BudgetExhaustedException(String budget, Duration maxWait, String detail) {
    super(
        "client-side budget '"
            + budget
            + "' exhausted: "
            + detail
            + " (maxBudgetWait "
            + maxWait.toMillis()
            + " ms); the request was not sent");
    this.budget = budget;
    this.maxWait = maxWait;
  }

  /** {@code qps}, {@code lease-qps}, {@code list-cost}, {@code in-flight} or {@code watches}. */
  public String budget() {
    return budget;
  }

  public Duration maxWait() {
    return maxWait;
  }
}
