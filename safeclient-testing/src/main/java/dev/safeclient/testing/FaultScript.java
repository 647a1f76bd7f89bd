package dev.safeclient.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An ordered list of {@link FaultRule}s and a seed. The first rule that fires for a request wins.
 * Given the same requests in the same order and the same clock, a script injects the same faults:
 * compare {@link KubeSim#faultLog()} across runs.
 */
public final class FaultScript {
  final List<FaultRule> rules;
  final long seed;

  private FaultScript(List<FaultRule> rules, long seed) {
    this.rules = List.copyOf(rules);
    this.seed = seed;
  }

  public static Builder builder() {
    return new Builder();
  }

  public static FaultScript none() {
    return new FaultScript(List.of(), 0);
  }

  public List<FaultRule> rules() {
    return rules;
  }

  /** Builds a {@link FaultScript}. */
  public static final class Builder {
    private final List<FaultRule> rules = new ArrayList<>();
    private long seed = 1;

    private Builder() {}

    public Builder add(FaultRule rule) {
      if (rule.fault == null) {
        throw new IllegalArgumentException("rule without a fault: call inject(...)");
      }
      rules.add(Objects.requireNonNull(rule));
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public FaultScript build() {
      return new FaultScript(rules, seed);
    }
  }
}
