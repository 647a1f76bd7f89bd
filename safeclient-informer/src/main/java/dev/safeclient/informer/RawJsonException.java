package dev.safeclient.informer;

import java.io.IOException;

/**
 * Bytes that are not the JSON a Kubernetes list, object or watch event is: malformed, truncated
 * inside the document, or past a parser limit. Its message says where (a byte offset), never what
 * the bytes were: they may be a Secret's.
 */
public final class RawJsonException extends IOException {
  RawJsonException(String message) {
    super(message);
  }
}
