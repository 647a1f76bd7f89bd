package dev.safeclient.core.internal.retry;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Failures that prove the request never reached the API server, so any verb may be sent again: no
 * connection (refused, no route, DNS, connect timeout), HTTP/2 {@code REFUSED_STREAM}, or a stream
 * above a GOAWAY's last-stream-id (OkHttp resets those with {@code REFUSED_STREAM}) or opened on a
 * connection already shut down.
 */
public final class NeverSent {
  /** Every reason {@link #reason} returns. */
  static final List<String> REASONS =
      List.of("connect", "connect-timeout", "refused-stream", "goaway");

  private NeverSent() {}

  /** The retry reason, or null when the request may have reached the server. */
  public static String reason(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof NoRouteToHostException
          || t instanceof UnknownHostException) {
        return "connect";
      }
      if (isConnectTimeout(t)) {
        return "connect-timeout";
      }
      if (Http2Refusal.refusedStream(t)) {
        return "refused-stream";
      }
      if (Http2Refusal.onShutDownConnection(t)) {
        return "goaway";
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /** The JDK's connect timeout; a read timeout is not one (the request may have been processed). */
  public static boolean isConnectTimeout(Throwable t) {
    return t instanceof SocketTimeoutException
        && t.getMessage() != null
        && t.getMessage().toLowerCase(Locale.ROOT).contains("connect timed out");
  }
}
