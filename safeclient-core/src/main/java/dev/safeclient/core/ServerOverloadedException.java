package dev.safeclient.core;

/**
 * The overload breaker for this host and API group stayed open for longer than the caller may wait:
 * the API server keeps signalling overload. The request was not sent. Reaches the caller of a
 * generated API as the cause of an {@code ApiException}.
 */
public final class ServerOverloadedException extends SafeClientException {
  private final String breaker;

  public ServerOverloadedException(String breaker, String detail) {
    super("API server overloaded (breaker " + breaker + " open): " + detail);
    this.breaker = breaker;
  }

  /** The breaker's key: host and API group. */
  public String breaker() {
    return breaker;
  }
}
