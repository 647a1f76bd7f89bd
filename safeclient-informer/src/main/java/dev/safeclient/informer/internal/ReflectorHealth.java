package dev.safeclient.informer.internal;

import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live health of one informer, written by its reflector, read by metrics and readiness (the
 * public {@code InformerHealth} reads it).
 */
public final class ReflectorHealth {
  /** The state of this replica's own informer machinery; see {@code InformerHealth.LocalState}. */
  public enum LocalState {
    RUNNING,
    RESTARTING,
    STOPPED_ON_ERRORS
  }

  private final String name;
  private final TimeSource clock;
  private final Duration watchdogTimeout;
  private final long startNanos;
  private volatile boolean synced;
  private volatile Instant lastSyncTime;
  private volatile long lastSyncNanos;
  private volatile long lastEventNanos;
  private volatile boolean anyEvent;
  private volatile boolean bookmarkSeen;
  private volatile boolean watchConnected;
  private final AtomicLong relists = new AtomicLong();
  private final AtomicLong localFailures = new AtomicLong();
  private volatile LocalState localState = LocalState.RUNNING;
  private volatile String lastLocalFailure;

  public ReflectorHealth(String name, TimeSource clock, Duration watchdogTimeout) {
    this.name = name;
    this.clock = clock;
    this.watchdogTimeout = watchdogTimeout;
    this.startNanos = clock.nanoTime();
  }

  void listed() {
    lastSyncNanos = clock.nanoTime();
    lastSyncTime = clock.instant();
    synced = true;
    if (localState == LocalState.RESTARTING) {
      localState = LocalState.RUNNING;
    }
  }

  /**
   * The reflector failed with {@code error}, not the server's doing.
   *
   * @param givenUp the reflector stays stopped
   */
  void reflectorError(Throwable error, boolean givenUp) {
    localFailure(error);
    localState = givenUp ? LocalState.STOPPED_ON_ERRORS : LocalState.RESTARTING;
  }

  /** An event handler threw. The handler's thread goes on; counted, the state is unchanged. */
  public void handlerFailure(Throwable error) {
    localFailure(error);
  }

  private void localFailure(Throwable error) {
    localFailures.incrementAndGet();
    lastLocalFailure = error.getClass().getName() + ": " + JsonLinesWatchReader.safeMessage(error);
  }

  void relisting() {
    relists.incrementAndGet();
  }

  void event(boolean bookmark) {
    lastEventNanos = clock.nanoTime();
    anyEvent = true;
    if (bookmark) {
      bookmarkSeen = true;
    }
  }

  void watchConnected(boolean connected) {
    watchConnected = connected;
  }

  public String name() {
    return name;
  }

  public boolean hasSynced() {
    return synced;
  }

  public Optional<Instant> lastSyncTime() {
    return Optional.ofNullable(lastSyncTime);
  }

  public Optional<Duration> sinceLastEvent() {
    return anyEvent
        ? Optional.of(Duration.ofNanos(clock.nanoTime() - lastEventNanos))
        : Optional.empty();
  }

  public boolean bookmarkSeen() {
    return bookmarkSeen;
  }

  public boolean watchConnected() {
    return watchConnected;
  }

  public long relists() {
    return relists.get();
  }

  public Duration staleness() {
    long now = clock.nanoTime();
    if (!synced) {
      return Duration.ofNanos(now - startNanos);
    }
    long fresh = Math.max(lastSyncNanos, anyEvent ? lastEventNanos : lastSyncNanos);
    if (watchConnected && (!bookmarkSeen || now - fresh < watchdogTimeout.toNanos())) {
      return Duration.ZERO;
    }
    return Duration.ofNanos(now - fresh);
  }

  public LocalState localState() {
    return localState;
  }

  public long localFailures() {
    return localFailures.get();
  }

  public Optional<String> lastLocalFailure() {
    return Optional.ofNullable(lastLocalFailure);
  }

  @Override
  public String toString() {
    return name
        + " synced="
        + synced
        + " watch="
        + (watchConnected ? "open" : "closed")
        + " relists="
        + relists.get()
        + (localState == LocalState.RUNNING ? "" : " local=" + localState)
        + " staleness="
        + staleness();
  }
}
