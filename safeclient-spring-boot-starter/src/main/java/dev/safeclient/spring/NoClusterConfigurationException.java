package dev.safeclient.spring;

import java.util.List;

/**
 * No Kubernetes configuration was found. The message names every place that was looked at; the
 * starter never falls back to {@code http://localhost:8080}.
 */
public class NoClusterConfigurationException extends IllegalStateException {
  private final List<String> lookedAt;

  NoClusterConfigurationException(List<String> lookedAt) {
    super(
        "No Kubernetes configuration found (safeclient never falls back to http://localhost:8080)."
            + " Looked at:\n  - "
            + String.join("\n  - ", lookedAt));
    this.lookedAt = List.copyOf(lookedAt);
  }

  /** Each place looked at, with why it did not give a configuration. */
  public List<String> lookedAt() {
    return lookedAt;
  }
}
