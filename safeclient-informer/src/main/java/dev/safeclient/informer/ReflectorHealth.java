package dev.safeclient.informer;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** The live health of one informer, written by its reflector, read by metrics and readiness. */
final class ReflectorHealth implements InformerHealth {
  private final String name;
  private final InformerClock clock;
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

  ReflectorHealth(String name, InformerClock clock, Duration watchdogTimeout) {
    this.name = name;
    this.clock = clock;
    this.watchdogTimeout = watchdogTimeout;
    this.startNanos = clock.nanoTime();
  }

  void listed() {
    lastSyncNanos = clock.nanoTime();
    lastSyncTime = clock.instant();
    synced = true;
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

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean hasSynced() {
    return synced;
  }

  @Override
  public Optional<Instant> lastSyncTime() {
    return Optional.ofNullable(lastSyncTime);
  }

  @Override
  public Optional<Duration> sinceLastEvent() {
    return anyEvent
        ? Optional.of(Duration.ofNanos(clock.nanoTime() - lastEventNanos))
        : Optional.empty();
  }

  @Override
  public boolean bookmarkSeen() {
    return bookmarkSeen;
  }

  @Override
  public boolean watchConnected() {
    return watchConnected;
  }

  @Override
  public long relists() {
    return relists.get();
  }

  @Override
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

  @Override
  public String toString() {
    return name
        + " synced="
        + synced
        + " watch="
        + (watchConnected ? "open" : "closed")
        + " relists="
        + relists.get()
        + " staleness="
        + staleness();
  }
}
