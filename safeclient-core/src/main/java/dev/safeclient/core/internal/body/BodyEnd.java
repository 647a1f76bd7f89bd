package dev.safeclient.core.internal.body;

import java.io.IOException;
import java.util.function.UnaryOperator;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * A response body that runs an action once its exchange is over: the body read to its end, a read
 * failing, or the body closed, whichever comes first. Links that hold something for the length of
 * an exchange (an in-flight slot, a deadline) release it here, not when {@code proceed} returns.
 */
public final class BodyEnd extends ResponseBody {
  private final ResponseBody delegate;
  private final BufferedSource source;

  /**
   * @param onEnd runs when the exchange is over; may run more than once, so make it idempotent
   * @param onReadFailure maps a read failure before it reaches the caller (after {@code onEnd})
   */
  public BodyEnd(ResponseBody delegate, Runnable onEnd, UnaryOperator<IOException> onReadFailure) {
    this.delegate = delegate;
    this.source =
        Okio.buffer(
            new ForwardingSource(delegate.source()) {
              @Override
              public long read(Buffer sink, long byteCount) throws IOException {
                long n;
                try {
                  n = super.read(sink, byteCount);
                } catch (IOException e) {
                  onEnd.run();
                  throw onReadFailure.apply(e);
                }
                if (n == -1) {
                  onEnd.run();
                }
                return n;
              }

              @Override
              public void close() throws IOException {
                try {
                  super.close();
                } finally {
                  onEnd.run();
                }
              }
            });
  }

  @Override
  public MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public BufferedSource source() {
    return source;
  }
}
