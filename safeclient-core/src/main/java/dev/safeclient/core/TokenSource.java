package dev.safeclient.core;

import java.io.IOException;

/**
 * Where this client's bearer token comes from, so that a 401 can be answered by fetching a new one
 * (an expired projected service-account token, a kubeconfig exec plugin's short-lived token). A
 * base {@code ApiClient} holds a fixed token and cannot do this.
 */
public interface TokenSource {
  /**
   * The token to send now; may be cached. Null sends the base client's own credentials (client
   * certificates, for instance).
   */
  String token() throws IOException;

  /** Fetches a new token after the server rejected the current one: re-read, re-run, re-login. */
  String refresh() throws IOException;

  /**
   * The API server ({@code https://host:port}) these credentials belong to: they are sent to no
   * other, the request fails instead. Null (the default): not pinned.
   */
  default String server() {
    return null;
  }
}
