package dev.safeclient.core.request;

/**
 * Tag on a request whose call has a deadline of its own (OkHttp's {@code Call.timeout()}): the
 * {@link System#nanoTime()} at which the call will be cancelled. A budget wait that would end after
 * it is refused at once: the caller could not use the answer anyway.
 */
public record CallDeadline(long nanoTime) {
  /** Nanoseconds left, as of now; may be negative. */
  public long remainingNanos() {
    return nanoTime - System.nanoTime();
  }
}
