package dev.safeclient.informer;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registered handler: its own queue and thread, so a slow handler delays neither the cache nor
 * the other handlers. Notifications are queued in the order the cache changed, so each handler sees
 * a consistent sequence per object: add, updates, delete.
 */
final class HandlerQueue<T extends KubernetesObject> {
  private static final Logger log = LoggerFactory.getLogger(HandlerQueue.class);

  private enum Kind {
    ADD,
    UPDATE,
    DELETE
  }

  private record Notification<T>(Kind kind, T oldObject, T newObject, boolean finalStateUnknown) {}

  private final ResourceEventHandler<T> handler;
  private final String threadName;
  private final long resyncMillis;
  private final BlockingQueue<Notification<T>> queue = new LinkedBlockingQueue<>();
  private volatile Thread thread;
  private volatile boolean stopped;
  private boolean failureLogged;
  private long failures;

  HandlerQueue(ResourceEventHandler<T> handler, String threadName, long resyncMillis) {
    this.handler = handler;
    this.threadName = threadName;
    this.resyncMillis = resyncMillis;
  }

  long resyncMillis() {
    return resyncMillis;
  }

  void added(T object) {
    queue.add(new Notification<>(Kind.ADD, null, object, false));
  }

  void updated(T oldObject, T newObject) {
    queue.add(new Notification<>(Kind.UPDATE, oldObject, newObject, false));
  }

  void deleted(T object, boolean finalStateUnknown) {
    queue.add(new Notification<>(Kind.DELETE, object, null, finalStateUnknown));
  }

  synchronized void start() {
    if (thread != null || stopped) {
      return;
    }
    Thread t = new Thread(this::run, threadName);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  void stop() {
    stopped = true;
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    while (!stopped) {
      Notification<T> n;
      try {
        n = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        switch (n.kind()) {
          case ADD -> handler.onAdd(n.newObject());
          case UPDATE -> handler.onUpdate(n.oldObject(), n.newObject());
          case DELETE -> handler.onDelete(n.oldObject(), n.finalStateUnknown());
        }
      } catch (RuntimeException | LinkageError | AssertionError e) {
        // A handler bug must not end the handler's thread and silently stop its events.
        failures++;
        if (!failureLogged) {
          failureLogged = true;
          log.error(
              "{}: event handler failed on {}; later failures are counted",
              threadName,
              n.kind(),
              e);
        } else if (Long.bitCount(failures) == 1) {
          log.error(
              "{}: event handler has failed {} times; last: {}",
              threadName,
              failures,
              e.toString());
        }
      }
    }
  }
}
