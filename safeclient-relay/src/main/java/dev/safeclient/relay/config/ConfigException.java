package dev.safeclient.relay.config;

/** A relay.yaml the relay cannot run with; the message names the key. Never carries a stack. */
final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  ConfigException(String message) {
    super(message, null, false, false);
  }
}
