package dev.safeclient.apiserver;

/**
 * Where a watch starts, from its resourceVersion and sendInitialEvents (the API concepts' watch
 * table, and KEP-3157 for streaming lists): either synthetic ADDED events for a state chosen by
 * {@link #initialState()} then the changes after it, or only the changes after a point.
 */
public final class WatchStart {
  /** What a watch sends first. */
  public enum Kind {
    /** No initial events; the changes after the server's current resourceVersion. */
    FROM_NOW,
    /** No initial events; the changes after {@link #resourceVersion()}. */
    FROM_RESOURCE_VERSION,
    /** ADDED events for a state (see {@link #initialState()}), then the changes after it. */
    INITIAL_EVENTS
  }

  private final Kind kind;
  private final ReadMode initialState;
  private final long resourceVersion;
  private final boolean initialEventsEndBookmark;

  private WatchStart(
      Kind kind, ReadMode initialState, long resourceVersion, boolean initialEventsEndBookmark) {
    this.kind = kind;
    this.initialState = initialState;
    this.resourceVersion = resourceVersion;
    this.initialEventsEndBookmark = initialEventsEndBookmark;
  }

  static WatchStart of(String rv, long rvNumber, Boolean sendInitialEvents) {
    boolean unset = rv.isEmpty();
    boolean zero = rv.equals("0");
    if (sendInitialEvents == null) {
      // The legacy forms: RV unset is "get state and start at most recent", RV 0 "start at any".
      if (unset) {
        return new WatchStart(Kind.INITIAL_EVENTS, ReadMode.CONSISTENT, 0, false);
      }
      if (zero) {
        return new WatchStart(Kind.INITIAL_EVENTS, ReadMode.ANY, 0, false);
      }
      return new WatchStart(Kind.FROM_RESOURCE_VERSION, null, rvNumber, false);
    }
    if (sendInitialEvents) {
      ReadMode state = unset ? ReadMode.CONSISTENT : zero ? ReadMode.ANY : ReadMode.NOT_OLDER_THAN;
      return new WatchStart(Kind.INITIAL_EVENTS, state, unset || zero ? 0 : rvNumber, true);
    }
    // sendInitialEvents=false: never a state; RV unset or 0 starts at the most recent change.
    if (unset || zero) {
      return new WatchStart(Kind.FROM_NOW, null, 0, false);
    }
    return new WatchStart(Kind.FROM_RESOURCE_VERSION, null, rvNumber, false);
  }

  public Kind kind() {
    return kind;
  }

  /**
   * For {@link Kind#INITIAL_EVENTS}: which state the ADDED events show (CONSISTENT, ANY, or
   * NOT_OLDER_THAN {@link #resourceVersion()}); null otherwise.
   */
  public ReadMode initialState() {
    return initialState;
  }

  /**
   * The resourceVersion the watch starts after (FROM_RESOURCE_VERSION) or its initial state must
   * have reached (INITIAL_EVENTS with NOT_OLDER_THAN); 0 otherwise.
   */
  public long resourceVersion() {
    return resourceVersion;
  }

  /**
   * True if the initial events end with a BOOKMARK annotated {@code k8s.io/initial-events-end:
   * "true"} (sendInitialEvents=true): only that bookmark sets the client's resume point.
   */
  public boolean initialEventsEndBookmark() {
    return initialEventsEndBookmark;
  }

  @Override
  public String toString() {
    return kind
        + (initialState == null ? "" : " " + initialState)
        + (resourceVersion == 0 ? "" : " rv=" + resourceVersion)
        + (initialEventsEndBookmark ? " +initial-events-end" : "");
  }
}
