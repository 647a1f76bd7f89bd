package dev.safeclient.spring;

import dev.safeclient.core.SafeClient;

/**
 * Adjusts the auto-configured {@link SafeClient.Builder} after the {@code safeclient.} properties
 * were applied, for options that are code rather than configuration (a warning listener, a token
 * source). Every bean of this type is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface SafeClientBuilderCustomizer {
  void customize(SafeClient.Builder builder);
}
