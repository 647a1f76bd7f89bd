package dev.safeclient.informer.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads handlers are called on, shared by every {@link HandlerQueue} of the process. A queue
 * holds one of them only while it has notifications to deliver: an idle handler costs no thread (a
 * parked thread's stack is about 90 kB of resident memory), so a process with hundreds of informers
 * holds as many handler threads as it has handlers busy at once.
 *
 * <p>Unbounded, so that a slow handler never waits for another's thread: each busy queue has one.
 */
final class HandlerThreads {
  /**
   * How long an idle thread waits for the next queue to deliver before it ends: long enough for a
   * steady stream of events to reuse threads, short enough that a closed factory leaves none.
   */
  static final long IDLE_SECONDS = 5;

  static final String NAME = "safeclient-informer-handler";

  private static final AtomicInteger COUNT = new AtomicInteger();

  static final ExecutorService POOL =
      new ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          IDLE_SECONDS,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, NAME + "-" + COUNT.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  private HandlerThreads() {}
}
