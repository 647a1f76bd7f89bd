package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.UnsafeRequestException;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.rules.RequestRule;
import dev.safeclient.core.internal.rules.RuleCatalogue;
import dev.safeclient.core.internal.warning.WarningChannel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * Evaluates every lint rule on the caller's request, warns for each that fired, and in STRICT
 * rejects the request when one of them is a rule STRICT rejects, listing every rule that fired.
 * Library calls and long-running streams are not linted.
 */
public final class LintInterceptor implements Interceptor {
  private final List<RequestRule> rules;
  private final SafeClientConfig config;
  private final WarningChannel warnings;

  public LintInterceptor(
      List<RequestRule> rules, SafeClientConfig config, WarningChannel warnings) {
    this.rules = List.copyOf(rules);
    this.config = config;
    this.warnings = warnings;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    KubeRequest k = KubeRequest.of(chain.request());
    if (k.origin() == CallOrigin.LIBRARY || k.isLongRunningStream()) {
      return chain.proceed(chain.request());
    }
    List<Finding> fired = new ArrayList<>();
    for (RequestRule rule : rules) {
      SafetyMode mode = config.modeFor(rule.id());
      String message = rule.check(k, mode);
      if (message != null) {
        fired.add(
            new Finding(rule.id(), message, rule.rejectsInStrict(k) && mode == SafetyMode.STRICT));
      }
    }
    fired.sort((a, b) -> RuleCatalogue.ORDER.compare(a.ruleId(), b.ruleId()));
    for (Finding f : fired) {
      warnings.warn(f.ruleId(), f.message(), k.requestLine());
    }
    if (fired.stream().anyMatch(Finding::rejects)) {
      throw new UnsafeRequestException(
          fired.stream().map(Finding::ruleId).toList(),
          "STRICT rejected "
              + k.requestLine()
              + ": "
              + fired.stream()
                  .map(f -> f.ruleId() + " " + f.message())
                  .collect(Collectors.joining("; ")));
    }
    return chain.proceed(chain.request());
  }

  private record Finding(String ruleId, String message, boolean rejects) {}
}
