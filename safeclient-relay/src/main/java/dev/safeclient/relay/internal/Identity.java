package dev.safeclient.relay.internal;

import java.util.List;
import java.util.Map;

/**
 * Who a request is, as a TokenReview's {@code status.user} names it; passed unchanged to the
 * SubjectAccessReview that authorizes each request.
 */
public record Identity(
    String user, String uid, List<String> groups, Map<String, List<String>> extra) {
  /** What an unauthenticated relay (tests only) serves everyone as. */
  public static final Identity ANONYMOUS =
      new Identity("system:anonymous", "", List.of("system:unauthenticated"), Map.of());

  public Identity {
    groups = List.copyOf(groups);
    extra = Map.copyOf(extra);
  }
}
