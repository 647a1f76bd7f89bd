package dev.safeclient.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Turns an invalid {@code safeclient.*} setting into "APPLICATION FAILED TO START" text. The
 * properties records check themselves while Spring binds them, so the failure reaches the user
 * wrapped in Boot's {@code BindException}, which Boot's own analyzer also claims; ordered first,
 * the setting's own remedy is what the user reads.
 */
class InvalidSafeClientPropertyFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidSafeClientPropertyException> implements Ordered {
  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  protected FailureAnalysis analyze(
      Throwable rootFailure, InvalidSafeClientPropertyException cause) {
    return new FailureAnalysis(
        "Invalid safeclient setting " + cause.getMessage(), cause.action(), cause);
  }
}
