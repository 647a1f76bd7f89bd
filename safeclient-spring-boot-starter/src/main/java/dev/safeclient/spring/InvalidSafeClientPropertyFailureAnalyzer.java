package dev.safeclient.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an invalid {@code safeclient.*} setting into "APPLICATION FAILED TO START" text. */
class InvalidSafeClientPropertyFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidSafeClientPropertyException> {
  @Override
  protected FailureAnalysis analyze(
      Throwable rootFailure, InvalidSafeClientPropertyException cause) {
    return new FailureAnalysis(
        "Invalid safeclient setting " + cause.getMessage(), cause.action(), cause);
  }
}
