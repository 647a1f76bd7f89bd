package dev.safeclient.core;

/**
 * Kubernetes Protobuf that cannot be decoded: an empty body, a wrong magic, a truncated or
 * malformed message, a frame larger than allowed, or an object of another kind than the one
 * expected. Decoding stops at the first such fault; no partly filled object is handed on. Through
 * the generated APIs it reaches the caller as the cause of an {@code ApiException}.
 */
public class ProtobufDecodeException extends SafeClientException {
  private static final long serialVersionUID = 1L;

  public ProtobufDecodeException(String message) {
    super(message);
  }

  public ProtobufDecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
