package dev.safeclient.informer;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The health of one informer, as metrics and readiness read it. Unlike client-java's {@code
 * hasSynced()}, which stays true for good once set, this shows an outage.
 */
public interface InformerHealth {
  /** A stable name: {@code group/version/plural}, namespace and selectors. */
  String name();

  /** The first LIST has been delivered to the cache at least once. */
  boolean hasSynced();

  /** When the cache was last brought in line with the server by a LIST, if ever. */
  Optional<Instant> lastSyncTime();

  /** Time since the last event or bookmark; empty before the first one. */
  Optional<Duration> sinceLastEvent();

  /** At least one bookmark has been seen, so a quiet watch is a sign of trouble (see watchdog). */
  boolean bookmarkSeen();

  /** A watch stream is open now. */
  boolean watchConnected();

  /**
   * Full re-reads of the collection since start (LISTs or streaming lists), the initial one
   * included.
   */
  long relists();

  /**
   * How long the cache may have been out of line with the server: zero while a watch is open and no
   * bookmark is overdue; otherwise the time since the last list, event or bookmark; since start
   * before the first sync. Exported as {@code staleness.seconds}.
   */
  Duration staleness();

  /**
   * The state of this replica's own informer machinery, apart from the API server's health: an API
   * outage leaves it {@link LocalState#RUNNING} (every replica sees the same outage), a thread of
   * this process failing with an {@code Error} does not.
   */
  enum LocalState {
    /** The reflector runs; whatever failed, failed on the server's side or on the way to it. */
    RUNNING,
    /**
     * The reflector failed with an {@code Error} (out of memory, stack overflow) and is restarting
     * through backoff; back to {@link #RUNNING} at its next successful list.
     */
    RESTARTING,
    /**
     * The reflector failed with {@code Error}s too many times in a row and stays stopped: the cache
     * is no longer kept. This replica is broken; a restart of the process is the cure.
     */
    STOPPED_ON_ERRORS
  }

  /** See {@link LocalState}; {@link LocalState#RUNNING} for health sources that cannot fail so. */
  default LocalState localState() {
    return LocalState.RUNNING;
  }

  /**
   * Throwables that were not the server's doing (Errors in the reflector, anything thrown by an
   * event handler), since start.
   */
  default long localFailures() {
    return 0;
  }

  /** The last such failure, class and message, if any. */
  default Optional<String> lastLocalFailure() {
    return Optional.empty();
  }
}
