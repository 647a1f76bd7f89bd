package dev.safeclient.relay.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Cache keys of secrets (tokens) and of attacker-chosen questions: HMAC-SHA-256 under a key drawn
 * at random for each process, as the apiserver's cached token authenticator keys its cache, so that
 * neither a cache dump nor a key in a log shows a token, and nobody can precompute a key nor extend
 * one. Each instance has its own key.
 */
final class CacheKeys {
  private static final String HMAC = "HmacSHA256";

  /** sha256.Size: the key as long as the hash, as cached_token_authenticator draws it. */
  private static final int KEY_BYTES = 32;

  private final SecretKeySpec key;

  CacheKeys() {
    byte[] k = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(k);
    this.key = new SecretKeySpec(k, HMAC);
  }

  /** The key of {@code value}, in hex. */
  String of(String value) {
    try {
      // A Mac is not thread-safe and cheap to make; one per call.
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has " + HMAC, e);
    }
  }
}
