package dev.safeclient.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a missing cluster configuration into Spring Boot's "APPLICATION FAILED TO START" text. */
class NoClusterConfigurationFailureAnalyzer
    extends AbstractFailureAnalyzer<NoClusterConfigurationException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, NoClusterConfigurationException cause) {
    return new FailureAnalysis(
        cause.getMessage(),
        "Set KUBECONFIG or safeclient.kubeconfig to a kubeconfig file, run in a pod with a"
            + " service account token, supply your own ApiClient bean, or set safeclient.lazy=true"
            + " to start without a cluster.",
        cause);
  }
}
