package dev.safeclient.core.internal.request;

/**
 * Tag on a request whose answer the caller keeps byte for byte, as the server encoded it (a raw
 * feed that serves those bytes again). The {@code Accept} it asks is sent as is: never negotiated
 * into another encoding, which would hand the caller bytes the server did not send for it.
 */
public record RawBody() {
  public static final RawBody INSTANCE = new RawBody();
}
