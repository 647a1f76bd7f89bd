package dev.safeclient.core.internal.watch;

import java.io.Closeable;
import java.io.IOException;

/**
 * Reads typed events from one open watch response, in JSON lines or length-framed Protobuf.
 * Malformed input is an {@link IOException} with a clear message, never a half-filled event.
 */
public interface WatchEventReader<T> extends Closeable {
  /** The next event; null when the server ended the stream cleanly. */
  WatchEvent<T> next() throws IOException;
}
