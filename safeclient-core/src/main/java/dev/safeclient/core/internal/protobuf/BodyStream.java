package dev.safeclient.core.internal.protobuf;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A response body read by the stream decoder: a failure to read it (a reset connection, a read
 * timeout) stays apart from malformed Protobuf, which marks the group/version JSON-only; a dropped
 * connection says nothing about the encoding.
 */
final class BodyStream extends FilterInputStream {
  /** A read of the body failed; {@link #failure()} is what the body threw. */
  static final class ReadFailure extends IOException {
    private static final long serialVersionUID = 1L;

    ReadFailure(IOException cause) {
      super(cause.getMessage(), cause);
    }

    IOException failure() {
      return (IOException) getCause();
    }
  }

  BodyStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    try {
      return super.read();
    } catch (IOException e) {
      throw new ReadFailure(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      return super.read(b, off, len);
    } catch (IOException e) {
      throw new ReadFailure(e);
    }
  }

  @Override
  public long skip(long n) throws IOException {
    try {
      return super.skip(n);
    } catch (IOException e) {
      throw new ReadFailure(e);
    }
  }

  @Override
  public int available() throws IOException {
    try {
      return super.available();
    } catch (IOException e) {
      throw new ReadFailure(e);
    }
  }
}
