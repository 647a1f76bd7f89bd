package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.RequestInfo;
import java.util.Locale;

/**
 * Where a request's identity is checked before anything is read for it: authentication first, for
 * every request, then authorization of the resource request it makes. Each throws a {@link
 * dev.safeclient.apiserver.StatusException} to refuse (401, 403, or 500 when the answer could not
 * be had).
 */
public interface RequestGate {
  /** Lets every request through as {@link Identity#ANONYMOUS}: for tests only. */
  RequestGate OPEN =
      new RequestGate() {
        @Override
        public Identity authenticate(String token) {
          return Identity.ANONYMOUS;
        }

        @Override
        public void authorize(Identity who, RequestInfo request) {}
      };

  /**
   * Who the bearer {@code token} is (never logged); null when the request has none.
   *
   * @throws dev.safeclient.apiserver.StatusException 401 without valid credentials, or when its
   *     review failed, as the apiserver's authentication filter answers an authenticator's error
   */
  Identity authenticate(String token);

  /**
   * Refuses a request {@code who} may not make: any request, as the apiserver authorizes all but
   * its always-allowed health paths, relayed or not.
   *
   * @param request what is asked, with the selectors the authorizer sees
   * @throws dev.safeclient.apiserver.StatusException 403 when not allowed, 500 without an answer
   */
  void authorize(Identity who, RequestInfo request);

  /**
   * The token of an {@code Authorization: Bearer <token>} header, as the apiserver's bearertoken
   * authenticator reads it (scheme case-insensitive, the second space-separated part); null when
   * there is none. The relay has no anonymous identity: a request without one is 401.
   */
  static String bearerToken(String authorization) {
    if (authorization == null) {
      return null;
    }
    String[] parts = authorization.trim().split(" ", 3);
    if (parts.length < 2 || !parts[0].toLowerCase(Locale.ROOT).equals("bearer")) {
      return null;
    }
    return parts[1].isEmpty() ? null : parts[1];
  }
}
