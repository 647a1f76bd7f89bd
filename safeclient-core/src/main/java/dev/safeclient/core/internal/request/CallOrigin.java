package dev.safeclient.core.internal.request;

/**
 * Who made a call. Attached to each OkHttp request as a tag by the {@code ApiClient} view it was
 * made through.
 */
public enum CallOrigin {
  /** User code through {@code SafeClient#apiClient()}: every rule applies. */
  USER,
  /**
   * User code through {@code SafeClient#consistentApiClient()}: LISTs stay consistent reads (RV
   * unset), paged by SC102; SC101 never rewrites them.
   */
  USER_CONSISTENT,
  /**
   * A safeclient module's own call (the informer's reflector). It chose its query on purpose, so
   * lint rules do not rewrite it, and it bypasses the generic retries: the reflector has its own
   * backoff, and stacking the two would multiply attempts.
   */
  LIBRARY
}
