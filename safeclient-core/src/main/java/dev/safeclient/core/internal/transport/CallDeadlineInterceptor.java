package dev.safeclient.core.internal.transport;

import dev.safeclient.core.internal.body.BodyEnd;
import dev.safeclient.core.internal.request.CacheFillList;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deadline for each exchange of a non-watch call ({@code callTimeout}): from sending the request
 * to the last byte of the answer. Per attempt, as client-go's {@code rest.Config.Timeout}, so that
 * budget waits, retries and the pages of a paged list each get their own. Not OkHttp's client-wide
 * {@code callTimeout}, which would also cut every watch; watches and long-running streams have
 * none, and a LIST (an informer's {@link CacheFillList} or any other) has one only until its answer
 * starts, then a read timeout for stalls.
 *
 * <p>On real time ({@link System#nanoTime()}), not the client's {@code TimeSource}: it cancels a
 * real socket exchange, which a virtual clock that nobody moves while the bytes travel would never
 * cut.
 */
public final class CallDeadlineInterceptor implements Interceptor {
  /**
   * How often overdue exchanges are looked for: a deadline fires up to this late. Sweeping beats a
   * timer task per request, whose scheduling and wake-ups cost more than the rest of the pipeline.
   */
  static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private static final Logger log = LoggerFactory.getLogger(CallDeadlineInterceptor.class);

  private static final Set<Exchange> OPEN = ConcurrentHashMap.newKeySet();
  static final String SWEEPER_THREAD = "safeclient-call-deadline";
  private static final Object SWEEPER_LOCK = new Object();
  // Guarded by SWEEPER_LOCK: clients not closed yet, and the sweeper while it runs.
  private static int openClients;
  private static Thread sweeper;

  private final Duration timeout;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** One per client; {@link #close()} it with the client. */
  public CallDeadlineInterceptor(Duration timeout) {
    this.timeout = timeout;
    synchronized (SWEEPER_LOCK) {
      openClients++;
    }
  }

  /** One exchange being watched: cancelled (its whole call) once overdue. */
  private static final class Exchange {
    final Call call;
    final long deadline;
    final AtomicBoolean fired = new AtomicBoolean();

    Exchange(Call call, long deadline) {
      this.call = call;
      this.deadline = deadline;
    }

    void done() {
      OPEN.remove(this);
    }
  }

  /**
   * Starts the one sweeper thread of the JVM, shared by every open client, if it is not running.
   */
  private static void startSweeper() {
    synchronized (SWEEPER_LOCK) {
      if (sweeper != null) {
        return;
      }
      Thread t =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  LockSupport.parkNanos(SWEEP_NANOS);
                  try {
                    sweep();
                  } catch (Throwable failure) {
                    // Without this thread no deadline fires again: report it and sweep on.
                    log.error("safeclient-call-deadline: sweeping overdue calls failed", failure);
                  }
                }
              },
              SWEEPER_THREAD);
      t.setDaemon(true);
      sweeper = t;
      t.start();
    }
  }

  /**
   * This client is closed: the sweeper stops once no open client is left, and this client's calls
   * fail from now on. Idempotent.
   */
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Thread stopping;
    synchronized (SWEEPER_LOCK) {
      if (--openClients > 0 || sweeper == null) {
        return;
      }
      stopping = sweeper;
      sweeper = null;
    }
    stopping.interrupt();
    try {
      stopping.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Clients not closed yet, which keep the sweeper; for diagnostics and tests. */
  public static int openClients() {
    synchronized (SWEEPER_LOCK) {
      return openClients;
    }
  }

  /** Whether the sweeper thread runs now; for diagnostics and tests. */
  public static boolean sweeperRunning() {
    synchronized (SWEEPER_LOCK) {
      return sweeper != null && sweeper.isAlive();
    }
  }

  private static void sweep() {
    long now = System.nanoTime();
    for (Exchange e : OPEN) {
      if (now - e.deadline > 0 && e.fired.compareAndSet(false, true)) {
        OPEN.remove(e);
        e.call.cancel();
      }
    }
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    KubeRequest k = KubeRequest.of(chain.request());
    if (closed.get()) {
      throw new IOException("this SafeClient was closed; not sent: " + k.requestLine());
    }
    if (timeout.isZero() || k.verb() == Verb.WATCH || k.isLongRunningStream()) {
      return chain.proceed(chain.request());
    }
    startSweeper();
    Exchange exchange = new Exchange(chain.call(), System.nanoTime() + timeout.toNanos());
    OPEN.add(exchange);
    boolean wholeCollection = isWholeCollection(chain, k);
    Chain attempt = chain;
    if (wholeCollection && chain.readTimeoutMillis() == 0) {
      // Its body is not cut by the deadline; a stall still is, as a read timeout of none would
      // never do (a half-open HTTP/1.1 connection gets no pings).
      attempt =
          chain.withReadTimeout(
              (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()), TimeUnit.MILLISECONDS);
    }
    Response response;
    try {
      response = attempt.proceed(chain.request());
    } catch (IOException e) {
      exchange.done();
      throw exchange.fired.get() ? timedOut(k, e) : e;
    }
    if (wholeCollection) {
      // The server answered in time; the rest is the collection's size (see CacheFillList).
      exchange.done();
      return response;
    }
    return response
        .newBuilder()
        .body(
            new BodyEnd(
                response.body(), exchange::done, e -> exchange.fired.get() ? timedOut(k, e) : e))
        .build();
  }

  /**
   * A LIST, whoever sends it: an informer's {@link CacheFillList}, client-java's own informer on
   * {@code apiClient()} (its {@code resourceVersion=0} list carries no tag), a caller's list. Its
   * body is as long as the collection, which plain client-java reads to the end however long that
   * takes; cutting it at a fixed length would fail, on every attempt, a list plain client-java
   * completes.
   */
  private static boolean isWholeCollection(Chain chain, KubeRequest k) {
    return k.verb() == Verb.LIST || chain.request().tag(CacheFillList.class) != null;
  }

  SocketTimeoutException timedOut(KubeRequest k, IOException cause) {
    SocketTimeoutException e =
        new SocketTimeoutException(
            "callTimeout of " + timeout.toMillis() + " ms elapsed for " + k.requestLine());
    e.initCause(cause);
    return e;
  }
}
