package dev.safeclient.informer.internal;

import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.TransformFunc;
import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.informer.cache.Caches;
import io.kubernetes.client.informer.cache.Indexer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * client-java's {@link SharedIndexInformer}, fed by our {@link Reflector}: client-java's {@link
 * Cache} as the indexer, one {@link HandlerQueue} per handler, resync replayed from the cache on
 * the informer's clock (never a LIST).
 */
public final class SafeSharedIndexInformer<T extends KubernetesObject>
    implements SharedIndexInformer<T>, Reflector.Store<T> {
  /** client-java's floor for resync periods: below it, handlers would do nothing but resync. */
  static final long MINIMUM_RESYNC_MILLIS = 1000;

  private final String name;
  private final TimeSource clock;
  private final ObjectTransform transform;
  private final ReflectorHealth health;
  private final long defaultResyncMillis;
  private final Consumer<Throwable> handlerFailure;
  private final Cache<T> indexer = new Cache<>();
  // Orders cache changes and notifications, so every handler sees them in the cache's order.
  private final Object lock = new Object();
  private final List<HandlerQueue<T>> handlers = new ArrayList<>();
  private final Map<HandlerQueue<T>, TimeSource.Timer> resyncTimers = new HashMap<>();
  private final CountDownLatch stoppedLatch = new CountDownLatch(1);
  private Reflector<T> reflector;
  private boolean started;
  private boolean stopped;

  public SafeSharedIndexInformer(
      String name,
      TimeSource clock,
      ObjectTransform transform,
      ReflectorHealth health,
      long defaultResyncMillis,
      Consumer<Throwable> handlerFailure) {
    this.name = name;
    this.handlerFailure = handlerFailure;
    this.clock = clock;
    this.transform = transform;
    this.health = health;
    this.defaultResyncMillis = defaultResyncMillis;
  }

  public void reflector(Reflector<T> reflector) {
    this.reflector = reflector;
  }

  public Reflector<T> reflector() {
    return reflector;
  }

  public ReflectorHealth health() {
    return health;
  }

  public String name() {
    return name;
  }

  // ------------------------------------------------------------- SharedIndexInformer

  @Override
  public void addEventHandler(ResourceEventHandler<T> handler) {
    addEventHandlerWithResyncPeriod(handler, defaultResyncMillis);
  }

  @Override
  public void addEventHandlerWithResyncPeriod(ResourceEventHandler<T> handler, long resyncMillis) {
    Objects.requireNonNull(handler, "handler");
    long period = resyncMillis <= 0 ? 0 : Math.max(resyncMillis, MINIMUM_RESYNC_MILLIS);
    synchronized (lock) {
      if (stopped) {
        return;
      }
      HandlerQueue<T> q =
          new HandlerQueue<>(
              handler,
              "safeclient-informer-handler " + name + " #" + (handlers.size() + 1),
              period,
              handlerFailure);
      // A late handler first hears of everything already cached, as in client-go.
      for (T object : indexer.list()) {
        q.added(object);
      }
      handlers.add(q);
      if (started) {
        q.start();
        scheduleResync(q);
      }
    }
  }

  /** Starts the reflector and handler threads; returns at once. */
  public void start() {
    synchronized (lock) {
      if (started || stopped) {
        return;
      }
      started = true;
      for (HandlerQueue<T> q : handlers) {
        q.start();
        scheduleResync(q);
      }
    }
    reflector.start("safeclient-informer-reflector " + name);
  }

  /** As client-java's: starts, then blocks until {@link #stop()}. */
  @Override
  public void run() {
    start();
    try {
      stoppedLatch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void stop() {
    List<HandlerQueue<T>> queues;
    synchronized (lock) {
      if (stopped) {
        return;
      }
      stopped = true;
      resyncTimers.values().forEach(TimeSource.Timer::cancel);
      resyncTimers.clear();
      queues = List.copyOf(handlers);
    }
    reflector.stop();
    queues.forEach(HandlerQueue::stop);
    stoppedLatch.countDown();
  }

  /** True once the first list reached the cache; stays true, as in client-java. */
  @Override
  public boolean hasSynced() {
    return health.hasSynced();
  }

  @Override
  public String lastSyncResourceVersion() {
    return reflector.lastResourceVersion();
  }

  @Override
  public void setTransform(TransformFunc transformFunc) {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("the transform must be set before the informer starts");
      }
      transform.setTransformFunc(transformFunc);
    }
  }

  @Override
  public void addIndexers(Map<String, Function<T, List<String>>> indexers) {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("indexers must be added before the informer starts");
      }
      indexer.addIndexers(indexers);
    }
  }

  @Override
  public Indexer<T> getIndexer() {
    return indexer;
  }

  // ------------------------------------------------------------- resync

  private void scheduleResync(HandlerQueue<T> q) {
    if (q.resyncMillis() <= 0) {
      return;
    }
    resyncTimers.put(
        q,
        clock.schedule(
            Duration.ofMillis(q.resyncMillis()),
            () -> {
              synchronized (lock) {
                if (stopped) {
                  return;
                }
                // Local: replays the cache to this handler; the server is not asked.
                for (T object : indexer.list()) {
                  q.updated(object, object);
                }
                scheduleResync(q);
              }
            }));
  }

  // ------------------------------------------------------------- Reflector.Store

  @Override
  public void replace(Collection<T> items, String resourceVersion) {
    synchronized (lock) {
      Map<String, T> fresh = new LinkedHashMap<>();
      for (T item : items) {
        fresh.put(Caches.metaNamespaceKeyFunc(item), item);
      }
      // Objects gone from the server, or replaced by a new incarnation (same name, new UID).
      for (T old : indexer.list()) {
        T now = fresh.get(Caches.metaNamespaceKeyFunc(old));
        if (now == null || !sameUid(old, now)) {
          indexer.delete(old);
          handlers.forEach(h -> h.deleted(old, true));
        }
      }
      for (Map.Entry<String, T> e : fresh.entrySet()) {
        T old = indexer.getByKey(e.getKey());
        T now = e.getValue();
        if (old == null) {
          indexer.add(now);
          handlers.forEach(h -> h.added(now));
        } else {
          indexer.update(now);
          if (!Objects.equals(resourceVersion(old), resourceVersion(now))) {
            handlers.forEach(h -> h.updated(old, now));
          }
        }
      }
    }
  }

  @Override
  public void added(T object) {
    upsert(object);
  }

  @Override
  public void modified(T object) {
    upsert(object);
  }

  @Override
  public void deleted(T object) {
    delete(object);
  }

  private void upsert(T object) {
    synchronized (lock) {
      T old = indexer.getByKey(Caches.metaNamespaceKeyFunc(object));
      if (old != null && !sameUid(old, object)) {
        // We missed the old one's delete: its handlers must hear it before the new one's add.
        T gone = old;
        indexer.delete(gone);
        handlers.forEach(h -> h.deleted(gone, true));
        old = null;
      }
      if (old == null) {
        indexer.add(object);
        handlers.forEach(h -> h.added(object));
      } else {
        T previous = old;
        indexer.update(object);
        handlers.forEach(h -> h.updated(previous, object));
      }
    }
  }

  private void delete(T object) {
    synchronized (lock) {
      T old = indexer.getByKey(Caches.metaNamespaceKeyFunc(object));
      if (old == null || !sameUid(old, object)) {
        // Not ours (already gone, or an older incarnation): nothing to tell.
        return;
      }
      indexer.delete(old);
      handlers.forEach(h -> h.deleted(object, false));
    }
  }

  private static boolean sameUid(KubernetesObject a, KubernetesObject b) {
    return Objects.equals(uid(a), uid(b));
  }

  private static String uid(KubernetesObject o) {
    return o.getMetadata() == null ? null : o.getMetadata().getUid();
  }

  private static String resourceVersion(KubernetesObject o) {
    return o.getMetadata() == null ? null : o.getMetadata().getResourceVersion();
  }

  @Override
  public String toString() {
    return "SafeSharedIndexInformer[" + health + "]";
  }
}
