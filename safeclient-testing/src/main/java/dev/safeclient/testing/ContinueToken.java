package dev.safeclient.testing;

import dev.safeclient.apiserver.StatusException;

/**
 * KubeSim's view of a continue token (the protocol module's {@link
 * dev.safeclient.apiserver.ContinueToken}, the apiserver's format): the snapshot's RV and the key
 * the previous page ended at. An RV of -1 continues an inconsistent list at the current state.
 */
final class ContinueToken {
  final long rv;
  final String afterKey;

  ContinueToken(long rv, String afterKey) {
    this.rv = rv;
    this.afterKey = afterKey;
  }

  String encode() {
    return dev.safeclient.apiserver.ContinueToken.after(rv, afterKey).encode();
  }

  /** Throws IllegalArgumentException with the store's 400 message for anything not a token. */
  static ContinueToken decode(String token) {
    try {
      dev.safeclient.apiserver.ContinueToken t =
          dev.safeclient.apiserver.ContinueToken.decode(token);
      return new ContinueToken(t.resourceVersion(), t.afterKey());
    } catch (StatusException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
