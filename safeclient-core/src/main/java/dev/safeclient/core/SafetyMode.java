package dev.safeclient.core;

/** How the pipeline treats a request that a rule finds unsafe. */
public enum SafetyMode {
  /** Warn only; the request goes out as the caller wrote it. */
  OBSERVE,
  /** Rewrite to the safe form where the meaning can be kept, and warn. */
  ENFORCE,
  /**
   * Reject the shapes the rule catalogue names (SC101, SC104, SC105, SC106, SC204); paging and
   * Protobuf still apply as in {@link #ENFORCE}, since they change nothing the caller sees.
   */
  STRICT
}
