package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.RequestInfo;
import java.io.IOException;
import java.util.Optional;

/** The reviews a relay asks its API server for, one request each: who is this, may they do this. */
public interface Reviews {
  /**
   * One TokenReview of {@code token} for {@code audience}.
   *
   * @return the user, or empty when the API server did not authenticate the token for it
   * @throws IOException when there is no answer (the token is then neither accepted nor refused)
   */
  Optional<Identity> tokenReview(String token, String audience) throws IOException;

  /**
   * One SubjectAccessReview of {@code request} as the authorizer sees it: its resource attributes
   * with the selectors RequestInfo passes, or its path for a non-resource request.
   *
   * @throws IOException when there is no answer
   */
  Decision subjectAccessReview(Identity who, RequestInfo request) throws IOException;

  /** The authorizer's answer; the reason is what the 403 then says. */
  record Decision(boolean allowed, String reason) {}
}
