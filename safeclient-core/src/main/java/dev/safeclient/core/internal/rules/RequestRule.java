package dev.safeclient.core.internal.rules;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.KubeRequest;

/**
 * One lint rule of the catalogue, evaluated once per request by the lint link. Rules only judge;
 * rewriting is done by the pipeline links that own it (SC101, SC102).
 */
public interface RequestRule {
  /** The stable id, such as {@code SC101}: the same in logs, metrics, docs and exceptions. */
  String id();

  /** Whether {@link SafetyMode#STRICT} rejects a request this rule fires on. */
  default boolean rejectsInStrict() {
    return false;
  }

  /**
   * Whether STRICT rejects this very request when the rule fires on it: {@link #rejectsInStrict()}
   * unless the rule knows that, on the server at hand, the request costs nothing a rewrite would
   * save.
   */
  default boolean rejectsInStrict(KubeRequest request) {
    return rejectsInStrict();
  }

  /**
   * Why this request is unsafe, or null when the rule does not fire. {@code mode} is the mode in
   * force for this rule, so the message can say what happens to the request.
   */
  String check(KubeRequest request, SafetyMode mode);
}
