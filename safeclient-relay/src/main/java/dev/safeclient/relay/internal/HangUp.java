package dev.safeclient.relay.internal;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices a client hanging up while its request waits with nothing to read or write (a read waiting
 * for its read point). An HTTP/1.1 connection is not read while its request is handled, so Jetty
 * cannot report the close; this reads it for the wait: its end of stream is the client gone.
 * Stopped before the answer is written, so that the connection reads its next request as usual.
 */
final class HangUp implements Callback {
  private static final CancellationException STOPPED =
      new CancellationException("the wait ended with the client there");

  private final EndPoint endPoint;
  private final Runnable gone;
  private boolean active;

  private HangUp(EndPoint endPoint, Runnable gone) {
    this.endPoint = endPoint;
    this.gone = gone;
  }

  /** Runs {@code gone} (once, on a Jetty thread) if the client hangs up before {@link #stop}. */
  static HangUp watch(Request request, Runnable gone) {
    HangUp h = new HangUp(request.getConnectionMetaData().getConnection().getEndPoint(), gone);
    synchronized (h) {
      h.active = h.endPoint instanceof AbstractEndPoint && h.endPoint.tryFillInterested(h);
    }
    return h;
  }

  /** The wait ended with the client there: the connection is its own reader again. */
  synchronized void stop() {
    if (active) {
      active = false;
      ((AbstractEndPoint) endPoint).getFillInterest().onFail(STOPPED);
    }
  }

  /** Something came to read: the end of the stream, or (rarely) bytes. */
  @Override
  public void succeeded() {
    int read;
    synchronized (this) {
      if (!active) {
        return;
      }
      try {
        read = endPoint.fill(BufferUtil.allocate(1));
      } catch (IOException e) {
        read = -1;
      }
      if (read == 0) {
        endPoint.tryFillInterested(this);
        return;
      }
      active = false;
      if (read > 0) {
        // A byte of another request while this one waits (HTTP/1.1 pipelining): it cannot be
        // given back to the connection's parser, so the connection closes, and its client retries
        // both reads, as after any lost connection.
        endPoint.close();
      }
    }
    gone.run();
  }

  @Override
  public void failed(Throwable x) {
    synchronized (this) {
      if (x == STOPPED || !active) {
        return;
      }
      active = false;
    }
    gone.run();
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }
}
