package dev.safeclient.core.internal.warning;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.core.metrics.SafeClientMetrics;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one channel every warning goes through: slf4j at WARN plus the user's listener, both rate
 * limited per (rule, call site) to one per interval, with a count of the suppressed ones. Metrics
 * count every warning, suppressed or not.
 *
 * <p>The call site is the caller's stack frame, so it is exact for synchronous calls; an async call
 * runs on OkHttp's dispatcher thread and reports {@code unknown}.
 */
public class WarningChannel {
  private static final Logger log = LoggerFactory.getLogger("dev.safeclient.warnings");

  /** The default interval: a repeated warning at most once a minute per call site. */
  private static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

  private final Consumer<SafetyWarning> listener;
  private final SafeClientMetrics metrics;
  private final WarningRateLimiter rateLimiter;

  public WarningChannel(Consumer<SafetyWarning> listener, SafeClientMetrics metrics) {
    this(listener, metrics, DEFAULT_INTERVAL, Ticker.systemTicker());
  }

  public WarningChannel(
      Consumer<SafetyWarning> listener,
      SafeClientMetrics metrics,
      Duration interval,
      Ticker ticker) {
    this.listener = listener;
    this.metrics = metrics;
    this.rateLimiter = new WarningRateLimiter(interval, ticker);
  }

  /**
   * Emits a warning for {@code ruleId}. {@code requestLine} is method, path and query only, never
   * headers or bodies. Call it on the caller's thread: the call site is taken from the stack.
   */
  public void warn(String ruleId, String message, String requestLine) {
    metrics.warning(ruleId);
    String callSite = CallSite.capture();
    long suppressed = rateLimiter.admit(ruleId, callSite);
    if (suppressed == WarningRateLimiter.SUPPRESSED) {
      return;
    }
    SafetyWarning w = new SafetyWarning(ruleId, message, requestLine, callSite, suppressed);
    if (suppressed > 0) {
      log.warn("{} ({} more suppressed since the last one)", w, suppressed);
    } else {
      log.warn("{}", w);
    }
    if (listener != null) {
      try {
        listener.accept(w);
      } catch (RuntimeException e) {
        // A failing listener must not fail the request that fired the rule.
        log.warn("warning listener threw on {}", ruleId, e);
      }
    }
  }
}
