package dev.safeclient.core.internal.request;

import java.util.Objects;

/**
 * What SC101 and SC102 do with one plain consistent LIST on the server at hand, and why: the
 * cheapest form that keeps the caller's meaning there, or the caller's own request.
 *
 * @param action what is sent
 * @param reason why, as the metric and the debug log name it ({@code server serves from cache},
 *     ...)
 * @param server the oldest server version seen for the host ({@code 1.30}), or {@code unknown}
 * @param fromEtcd whether the caller's own request would read every stored object from etcd on that
 *     server; false when unknown
 */
public record ListDecision(Action action, String reason, String server, boolean fromEtcd) {
  /** The form sent in place of the caller's LIST. */
  public enum Action {
    /** The caller's own request, unchanged: costs exactly what plain client-java costs. */
    PASS_THROUGH,
    /** SC101: a {@code limit=1} probe, then a not-older-than read from the watch cache. */
    READ_FROM_CACHE,
    /**
     * SC101 for a resource seen in one earlier answer only: the probe, then the not-older-than read
     * if that answer's changes, set against the probe's revision, make the resource busy; else the
     * caller's own request, at the cost of the probe.
     */
    READ_FROM_CACHE_IF_BUSY,
    /** SC101 with {@code allowStaleListReads}: {@code resourceVersion=0}. */
    READ_STALE,
    /** SC102: the consistent read from etcd, paged. */
    PAGE
  }

  public ListDecision {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(server, "server");
  }

  /** The metric's and log's word for the action: {@code rewritten}, {@code paged}, ... */
  public String outcome() {
    return switch (action) {
      case PASS_THROUGH -> "passed-through";
      case READ_FROM_CACHE, READ_STALE -> "rewritten";
      case READ_FROM_CACHE_IF_BUSY -> "probed";
      case PAGE -> "paged";
    };
  }

  @Override
  public String toString() {
    return outcome() + ": " + reason + " (server " + server + ")";
  }
}
