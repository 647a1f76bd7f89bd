package dev.safeclient.relay.internal;

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
        public Identity authenticate(String authorization) {
          return Identity.ANONYMOUS;
        }

        @Override
        public void authorize(Identity who, RelayRequest request) {}
      };

  /**
   * Who the request is; {@code authorization} is its Authorization header (never logged).
   *
   * @throws dev.safeclient.apiserver.StatusException 401 without valid credentials
   */
  Identity authenticate(String authorization);

  /**
   * Refuses a request {@code who} may not make.
   *
   * @param request what is asked, with its selectors, for selector-based authorization
   * @throws dev.safeclient.apiserver.StatusException 403 when not allowed
   */
  void authorize(Identity who, RelayRequest request);
}
