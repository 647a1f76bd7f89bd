package dev.safeclient.core.internal.rules;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;

/**
 * SC105: a user WATCH without {@code timeoutSeconds}. The server then picks one in [1800, 3600) s,
 * and a half-dead connection can hold the watch that long. Warn only: an earlier end can break code
 * that does not reconnect. STRICT rejects.
 */
public final class WatchWithoutTimeoutRule implements RequestRule {
  public static final String ID = "SC105";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public boolean rejectsInStrict() {
    return true;
  }

  @Override
  public String check(KubeRequest k, SafetyMode mode) {
    if (k.verb() != Verb.WATCH || k.hasQuery("timeoutSeconds")) {
      return null;
    }
    return "WATCH without timeoutSeconds: set a random value in [300, 600) so that watchers do not"
        + " reconnect in step, and reconnect when it ends; or use an informer";
  }
}
