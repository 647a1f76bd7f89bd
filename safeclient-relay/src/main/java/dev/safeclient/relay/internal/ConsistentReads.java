package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consistent reads (resourceVersion unset) of one relayed resource, coalesced: every such read that
 * arrives within one {@link #WINDOW} shares one upstream {@code limit=1} probe, sent when the
 * window closes (so after each of its reads arrived: the probe's RV is at least the RV any of them
 * could have been promised). They are served from the cache once it has reached the probe's RV.
 * When it has not within {@link #CATCH_UP} (a quiet resource: the probe returns etcd's global
 * revision, which the resource's own events may never reach), one consistent upstream LIST serves
 * the whole window. So N readers cost the API server one probe, and at most one list, per window.
 */
final class ConsistentReads {
  private static final Logger LOG = LoggerFactory.getLogger(ConsistentReads.class);

  /** How long reads gather before their shared probe goes out: short against a read's latency. */
  static final Duration WINDOW = Duration.ofMillis(100);

  /**
   * How long the cache gets to reach the probe's RV before one upstream list is made instead: a
   * busy resource's events arrive within milliseconds of their write.
   */
  static final Duration CATCH_UP = Duration.ofMillis(100);

  /** How a window's reads are served: from the cache, or from one list made for them. */
  record Fresh(ListSnapshot snapshot) {
    boolean fromCache() {
      return snapshot == null;
    }
  }

  private final ResourceSpec spec;
  private final ResourceCache cache;
  private final Upstream upstream;
  private final TimeSource clock;
  private final Executor upstreamCalls;
  private CompletableFuture<Fresh> open;
  private int joined;
  private volatile ListSnapshot lastList;
  private long probes;
  private long lists;

  ConsistentReads(
      ResourceSpec spec,
      ResourceCache cache,
      Upstream upstream,
      TimeSource clock,
      Executor upstreamCalls) {
    this.spec = spec;
    this.cache = cache;
    this.upstream = upstream;
    this.clock = clock;
    this.upstreamCalls = upstreamCalls;
  }

  /** Completes once this read can be served consistently; joins the open window, or opens one. */
  synchronized CompletableFuture<Fresh> fresh() {
    if (open == null) {
      CompletableFuture<Fresh> window = new CompletableFuture<>();
      open = window;
      joined = 0;
      clock.schedule(WINDOW, () -> upstreamCalls.execute(() -> close(window)));
    }
    joined++;
    return open;
  }

  /** How many reads wait on the open window (0 when none is open). */
  synchronized int joined() {
    return open == null ? 0 : joined;
  }

  /** The last list made for a window, if its RV is {@code rv}: its pages' continue tokens. */
  ListSnapshot snapshotAt(long rv) {
    ListSnapshot s = lastList;
    return s != null && s.resourceVersion == rv ? s : null;
  }

  /**
   * A consistent read could not learn the API server's current RV: never answered from a state that
   * may be stale. 503 with Retry-After, as a server that cannot reach its storage.
   */
  static StatusException upstreamUnavailable() {
    return new StatusException(
        Status.serviceUnavailable(
                "the relay could not reach the API server for a consistent read; a read with a"
                    + " resourceVersion is served from the relay's cache")
            .withHeader("Retry-After", "1"));
  }

  synchronized long probes() {
    return probes;
  }

  synchronized long lists() {
    return lists;
  }

  private void close(CompletableFuture<Fresh> window) {
    synchronized (this) {
      if (open == window) {
        open = null;
      }
      probes++;
    }
    long rv;
    try {
      rv = upstream.currentResourceVersion(spec);
    } catch (Throwable t) {
      LOG.warn("{}: the consistent-read probe failed: {}", spec, t.toString());
      window.completeExceptionally(upstreamUnavailable());
      return;
    }
    cache
        .awaitResourceVersion(rv, CATCH_UP)
        .whenComplete(
            (ok, notYet) -> {
              if (notYet == null) {
                window.complete(new Fresh(null));
              } else {
                upstreamCalls.execute(() -> listFor(window));
              }
            });
  }

  private void listFor(CompletableFuture<Fresh> window) {
    synchronized (this) {
      lists++;
    }
    try {
      ListSnapshot s = upstream.consistentList(spec);
      lastList = s;
      window.complete(new Fresh(s));
    } catch (Throwable t) {
      LOG.warn("{}: the consistent list failed: {}", spec, t.toString());
      window.completeExceptionally(upstreamUnavailable());
    }
  }
}
