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
 * One window's upstream calls are out at a time: a window that closes meanwhile stays open until
 * they end, so an API server that hangs holds one thread and one request per resource, not one per
 * window.
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

  /**
   * How a window's reads are served: from the cache, or from one list made for them; for a watch
   * that starts at the API server's current RV, that RV ({@code resourceVersion}, else 0).
   */
  record Fresh(ListSnapshot snapshot, long resourceVersion) {
    Fresh(ListSnapshot snapshot) {
      this(snapshot, 0);
    }

    boolean fromCache() {
      return snapshot == null;
    }
  }

  /**
   * One window: the reads that joined it. Those that need a state ({@link #fresh}) wait for the
   * cache or the list; those that need only the API server's current RV ({@link #probed}) have it
   * from the probe, and a window of those alone never lists.
   */
  private static final class Window {
    final CompletableFuture<Long> probed = new CompletableFuture<>();
    final CompletableFuture<Fresh> fresh = new CompletableFuture<>();
    int joined;
    boolean statesWanted;

    void failed(Throwable t) {
      probed.completeExceptionally(t);
      fresh.completeExceptionally(t);
    }
  }

  private final ResourceSpec spec;
  private final ResourceCache cache;
  private final Upstream upstream;
  private final TimeSource clock;
  private final Executor upstreamCalls;
  private Window open;

  /** A window's probe (and list, if any) is out. */
  private boolean inFlight;

  /** The open window's time is up; it closes when the calls in flight end. */
  private boolean due;

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
    Window w = join();
    w.statesWanted = true;
    return w.fresh;
  }

  /**
   * The API server's current RV, as the open window's probe learns it (joins it, or opens one): at
   * least the RV of any write that completed before this call, as etcd's revision only grows.
   */
  synchronized CompletableFuture<Long> currentResourceVersion() {
    return join().probed;
  }

  private Window join() {
    if (open == null) {
      Window window = new Window();
      open = window;
      clock.schedule(WINDOW, () -> upstreamCalls.execute(() -> windowUp(window)));
    }
    open.joined++;
    return open;
  }

  /** How many reads wait on the open window (0 when none is open). */
  synchronized int joined() {
    return open == null ? 0 : open.joined;
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

  private void windowUp(Window window) {
    synchronized (this) {
      if (inFlight) {
        due = true;
        return;
      }
      close(window);
    }
    probe(window);
  }

  /** Closes {@code window}: later reads open the next one. Under the lock. */
  private void close(Window window) {
    if (open == window) {
      open = null;
    }
    inFlight = true;
    probes++;
  }

  /**
   * The window's calls ended: the window that came due meanwhile sends its probe now. Every path
   * out of a window's calls comes here once, or no window would close again.
   */
  private void ended() {
    Window next;
    synchronized (this) {
      if (!due) {
        inFlight = false;
        return;
      }
      due = false;
      next = open;
      close(next);
    }
    try {
      upstreamCalls.execute(() -> probe(next));
    } catch (Throwable t) {
      failed(next, "probe", t);
    }
  }

  private void probe(Window window) {
    long rv;
    boolean statesWanted;
    try {
      rv = upstream.currentResourceVersion(spec);
      synchronized (this) {
        // The window is closed: no read joins it any more.
        statesWanted = window.statesWanted;
      }
    } catch (Throwable t) {
      failed(window, "probe", t);
      return;
    }
    if (!statesWanted) {
      ended();
      window.probed.complete(rv);
      return;
    }
    window.probed.complete(rv);
    try {
      cache
          .awaitResourceVersion(rv, CATCH_UP)
          .whenComplete(
              (ok, notYet) -> {
                if (notYet == null) {
                  // The calls ended before the window's reads are answered (on this thread).
                  ended();
                  window.fresh.complete(new Fresh(null));
                  return;
                }
                try {
                  // Not on the thread that timed the wait out: the list blocks.
                  upstreamCalls.execute(() -> listFor(window));
                } catch (Throwable t) {
                  failed(window, "list", t);
                }
              });
    } catch (Throwable t) {
      failed(window, "probe", t);
    }
  }

  private void listFor(Window window) {
    synchronized (this) {
      lists++;
    }
    ListSnapshot s;
    try {
      s = upstream.consistentList(spec);
    } catch (Throwable t) {
      failed(window, "list", t);
      return;
    }
    lastList = s;
    ended();
    window.fresh.complete(new Fresh(s));
  }

  private void failed(Window window, String call, Throwable t) {
    LOG.warn("{}: the consistent-read {} failed: {}", spec, call, t.toString());
    ended();
    window.failed(upstreamUnavailable());
  }
}
