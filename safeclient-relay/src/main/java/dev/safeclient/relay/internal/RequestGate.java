package dev.safeclient.relay.internal;

/**
 * Where a request's identity is checked before anything is read for it. The relay of this version
 * has no authentication: {@link #OPEN} lets every request through, which is why it listens only on
 * plain HTTP behind a flag for tests. TokenReview and SubjectAccessReview go here.
 */
public interface RequestGate {
  /** Lets every request through. */
  RequestGate OPEN = (authorization, request) -> {};

  /**
   * Throws to refuse; {@code authorization} is the request's Authorization header (never logged).
   *
   * @param request what is asked, with its selectors, for selector-based authorization
   */
  void check(String authorization, RelayRequest request);
}
