package dev.safeclient.informer;

import dev.safeclient.informer.internal.ReflectorHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** {@link InformerHealth} as its reflector writes it. */
final class InformerHealthView implements InformerHealth {
  private final ReflectorHealth health;

  InformerHealthView(ReflectorHealth health) {
    this.health = health;
  }

  @Override
  public String name() {
    return health.name();
  }

  @Override
  public boolean hasSynced() {
    return health.hasSynced();
  }

  @Override
  public Optional<Instant> lastSyncTime() {
    return health.lastSyncTime();
  }

  @Override
  public Optional<Duration> sinceLastEvent() {
    return health.sinceLastEvent();
  }

  @Override
  public boolean bookmarkSeen() {
    return health.bookmarkSeen();
  }

  @Override
  public boolean watchConnected() {
    return health.watchConnected();
  }

  @Override
  public long relists() {
    return health.relists();
  }

  @Override
  public Duration staleness() {
    return health.staleness();
  }

  @Override
  public LocalState localState() {
    return switch (health.localState()) {
      case RUNNING -> LocalState.RUNNING;
      case RESTARTING -> LocalState.RESTARTING;
      case STOPPED_ON_ERRORS -> LocalState.STOPPED_ON_ERRORS;
    };
  }

  @Override
  public long localFailures() {
    return health.localFailures();
  }

  @Override
  public Optional<String> lastLocalFailure() {
    return health.lastLocalFailure();
  }

  @Override
  public String toString() {
    return health.toString();
  }
}
