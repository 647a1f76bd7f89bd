package dev.safeclient.core.internal.request;

/**
 * Tag on a request whose call has a deadline of its own (OkHttp's {@code Call.timeout()}): the
 * client's {@code TimeSource} reading at which the call will be cancelled. A budget wait that would
 * end after it is refused at once: the caller could not use the answer anyway. Read on the client's
 * clock, since the budget waits it bounds run on it.
 */
public record CallDeadline(long nanoTime) {
  /** Nanoseconds left as of {@code nowNanos} (a reading of the same clock); may be negative. */
  public long remainingNanos(long nowNanos) {
    return nanoTime - nowNanos;
  }
}
