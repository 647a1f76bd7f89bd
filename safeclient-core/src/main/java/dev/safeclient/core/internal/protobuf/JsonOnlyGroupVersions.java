package dev.safeclient.core.internal.protobuf;

import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The group/versions asked for in JSON for a while instead of Protobuf (SC103): one that answered a
 * Protobuf request in JSON (an aggregated API, a proxy), or whose Protobuf could not be decoded
 * whole (an undecodable body, a field the schema does not know). Each mark lapses after {@link
 * #DEFAULT_HOLD}, so a transient JSON answer does not turn Protobuf off for the life of the client.
 * Thread-safe; time from the client's {@link TimeSource}.
 */
public final class JsonOnlyGroupVersions {
  /**
   * An hour: a group/version that really cannot use Protobuf costs one Protobuf attempt an hour
   * (one decode, one SC203 warning), while a proxy's JSON answer during a rollout, or a server
   * since upgraded, gets Protobuf back the same hour.
   */
  public static final Duration DEFAULT_HOLD = Duration.ofHours(1);

  private final TimeSource clock;
  private final long holdNanos;
  private final Map<String, Long> until = new ConcurrentHashMap<>();

  public JsonOnlyGroupVersions(TimeSource clock, Duration hold) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (hold.isNegative() || hold.isZero()) {
      throw new IllegalArgumentException("hold must be positive: " + hold);
    }
    this.holdNanos = hold.toNanos();
  }

  /**
   * Asks for JSON for {@code groupVersion} ({@code v1}, {@code apps/v1}) from now until the hold
   * lapses.
   *
   * @return whether it was not marked already (the first mark of a spell warns)
   */
  public boolean mark(String groupVersion) {
    long now = clock.nanoTime();
    Long previous = until.put(groupVersion, now + holdNanos);
    return previous == null || previous - now <= 0;
  }

  /** Whether {@code groupVersion} is to be asked for in JSON now. */
  public boolean isJsonOnly(String groupVersion) {
    Long end = until.get(groupVersion);
    if (end == null) {
      return false;
    }
    if (end - clock.nanoTime() > 0) {
      return true;
    }
    until.remove(groupVersion, end);
    return false;
  }
}
