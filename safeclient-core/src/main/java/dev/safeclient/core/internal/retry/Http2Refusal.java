package dev.safeclient.core.internal.retry;

import okhttp3.internal.http2.ConnectionShutdownException;
import okhttp3.internal.http2.ErrorCode;
import okhttp3.internal.http2.StreamResetException;

/**
 * The two HTTP/2 failures that prove the server never processed a stream. OkHttp reports them only
 * through its internal classes, so this is the one place that names them; {@code Http2RefusalTest}
 * fails when an OkHttp upgrade moves or changes them.
 */
final class Http2Refusal {
  private Http2Refusal() {}

  /**
   * {@code RST_STREAM REFUSED_STREAM}: the server refused the stream before processing it, also how
   * OkHttp resets streams above a GOAWAY's last-stream-id.
   */
  static boolean refusedStream(Throwable t) {
    return t instanceof StreamResetException reset && reset.errorCode == ErrorCode.REFUSED_STREAM;
  }

  /** A stream opened on a connection that had already received GOAWAY: never sent. */
  static boolean onShutDownConnection(Throwable t) {
    return t instanceof ConnectionShutdownException;
  }
}
