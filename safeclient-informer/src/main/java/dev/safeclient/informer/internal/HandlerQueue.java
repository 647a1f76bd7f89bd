package dev.safeclient.informer.internal;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.cache.Caches;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registered handler: its own pending notifications and thread, so a slow handler delays
 * neither the cache nor the other handlers.
 *
 * <p>Pending notifications are bounded by the number of distinct objects, not by how long the
 * handler falls behind: a notification for an object that already has one pending is folded into
 * it, keyed by UID (so a delete and a re-create under one name stay a delete and an add). add then
 * update is an add of the latest object; update then update is one update from the oldest to the
 * latest; anything then delete is a delete, or nothing when the add was never delivered. The
 * handler always ends up with every object's final state, in the order each object first became
 * pending.
 */
public final class HandlerQueue<T extends KubernetesObject> {
  private static final Logger log = LoggerFactory.getLogger(HandlerQueue.class);

  enum Kind {
    ADD,
    UPDATE,
    DELETE
  }

  /**
   * One object's pending notification; mutable while it waits, under the queue's lock. A null kind
   * is an add folded away by its delete.
   */
  private static final class Pending<T> {
    final String key;
    Kind kind;
    T oldObject;
    T newObject;
    boolean finalStateUnknown;

    Pending(String key, Kind kind, T oldObject, T newObject, boolean finalStateUnknown) {
      this.key = key;
      this.kind = kind;
      this.oldObject = oldObject;
      this.newObject = newObject;
      this.finalStateUnknown = finalStateUnknown;
    }
  }

  private final ResourceEventHandler<T> handler;
  private final String threadName;
  private final long resyncMillis;
  private final Consumer<Throwable> onFailure;
  // Guarded by this: pending notifications in order, and the one still open to folding per UID.
  private final ArrayDeque<Pending<T>> order = new ArrayDeque<>();
  private final Map<String, Pending<T>> open = new HashMap<>();
  private volatile Thread thread;
  private volatile boolean stopped;
  private boolean failureLogged;
  private long failures;

  HandlerQueue(ResourceEventHandler<T> handler, String threadName, long resyncMillis) {
    this(handler, threadName, resyncMillis, e -> {});
  }

  /**
   * @param onFailure called after each notification the handler threw on, for health and metrics
   */
  HandlerQueue(
      ResourceEventHandler<T> handler,
      String threadName,
      long resyncMillis,
      Consumer<Throwable> onFailure) {
    this.handler = handler;
    this.threadName = threadName;
    this.resyncMillis = resyncMillis;
    this.onFailure = onFailure;
  }

  long resyncMillis() {
    return resyncMillis;
  }

  void added(T object) {
    offer(Kind.ADD, null, object, false);
  }

  void updated(T oldObject, T newObject) {
    offer(Kind.UPDATE, oldObject, newObject, false);
  }

  void deleted(T object, boolean finalStateUnknown) {
    offer(Kind.DELETE, object, null, finalStateUnknown);
  }

  /** Notifications waiting for the handler: at most one per object (plus deletes not yet told). */
  synchronized int pending() {
    return order.size();
  }

  private synchronized void offer(Kind kind, T oldObject, T newObject, boolean unknown) {
    String key = key(newObject != null ? newObject : oldObject);
    Pending<T> p = open.get(key);
    if (p == null) {
      p = new Pending<>(key, kind, oldObject, newObject, unknown);
      order.addLast(p);
      if (kind != Kind.DELETE) {
        open.put(key, p);
      }
      notifyAll();
      return;
    }
    // p is an ADD or UPDATE not yet delivered (a pending DELETE is never open).
    switch (kind) {
      case ADD, UPDATE -> p.newObject = newObject;
      case DELETE -> {
        open.remove(key);
        if (p.kind == Kind.ADD) {
          // The handler never heard of it: it never existed for this handler. Left in place as
          // nothing, so that the fold stays O(1).
          p.kind = null;
          p.newObject = null;
        } else {
          p.kind = Kind.DELETE;
          p.oldObject = oldObject;
          p.newObject = null;
          p.finalStateUnknown = unknown;
        }
      }
    }
  }

  private synchronized Pending<T> take() throws InterruptedException {
    while (true) {
      while (order.isEmpty()) {
        wait();
      }
      Pending<T> p = order.removeFirst();
      if (open.get(p.key) == p) {
        // From now on, notifications of this object are for after this delivery.
        open.remove(p.key);
      }
      if (p.kind != null) {
        return p;
      }
    }
  }

  /** The UID: one incarnation of an object. Namespace/name for objects without one. */
  private static String key(KubernetesObject o) {
    String uid = o.getMetadata() == null ? null : o.getMetadata().getUid();
    return uid != null && !uid.isEmpty() ? "uid:" + uid : "key:" + Caches.metaNamespaceKeyFunc(o);
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
      Pending<T> n;
      try {
        n = take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        switch (n.kind) {
          case ADD -> handler.onAdd(n.newObject);
          case UPDATE -> handler.onUpdate(n.oldObject, n.newObject);
          case DELETE -> handler.onDelete(n.oldObject, n.finalStateUnknown);
        }
      } catch (Throwable e) {
        // Whatever a handler throws (a StackOverflowError included) must not end this thread and
        // silently stop its events; the next notification is a fresh call.
        failed(n.kind, e);
      }
    }
  }

  private void failed(Kind kind, Throwable e) {
    failures++;
    try {
      onFailure.accept(e);
      if (!failureLogged) {
        failureLogged = true;
        log.error(
            "{}: event handler failed on {}; later failures are counted", threadName, kind, e);
      } else if (Long.bitCount(failures) == 1) {
        log.error(
            "{}: event handler has failed {} times; last: {}", threadName, failures, e.toString());
      }
    } catch (Throwable reporting) {
      // Reporting must not be what ends the thread (a logger out of memory).
    }
  }
}
