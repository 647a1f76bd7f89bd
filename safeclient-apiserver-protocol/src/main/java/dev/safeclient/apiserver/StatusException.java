package dev.safeclient.apiserver;

/** A request the apiserver refuses: carries the {@link Status} to answer it with. */
public final class StatusException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Not serialized: a Status is a wire answer, not state worth keeping. */
  private final transient Status status;

  public StatusException(Status status) {
    super(status.message(), null, false, false);
    this.status = status;
  }

  /** The answer. */
  public Status status() {
    return status;
  }
}
