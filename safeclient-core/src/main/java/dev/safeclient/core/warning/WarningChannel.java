package dev.safeclient.core.warning;

import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.metrics.SafeClientMetrics;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one channel every warning goes through: slf4j at WARN plus the user's listener. Rate limiting
 * per (rule, call site) and call-site capture live here so that no rule does its own.
 */
public class WarningChannel {
  private static final Logger log = LoggerFactory.getLogger("dev.safeclient.warnings");

  private final Consumer<SafetyWarning> listener;
  private final SafeClientMetrics metrics;

  public WarningChannel(Consumer<SafetyWarning> listener, SafeClientMetrics metrics) {
    this.listener = listener;
    this.metrics = metrics;
  }

  /**
   * Emits a warning for {@code ruleId}. {@code requestLine} is method, path and query only.
   * TODO(issue 2): call-site capture and per (rule, call site) rate limiting.
   */
  public void warn(String ruleId, String message, String requestLine) {
    metrics.warning(ruleId);
    SafetyWarning w = new SafetyWarning(ruleId, message, requestLine, null, 0);
    log.warn("{}", w);
    if (listener != null) {
      listener.accept(w);
    }
  }
}
