package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.informer.Await;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HandlerQueueTest {
  private HandlerQueue<V1Pod> queue;

  @AfterEach
  void tearDown() {
    if (queue != null) {
      queue.stop();
    }
  }

  static V1Pod pod(String name, String uid, long rv) {
    return new V1Pod()
        .metadata(
            new V1ObjectMeta()
                .namespace("default")
                .name(name)
                .uid(uid)
                .resourceVersion(Long.toString(rv)));
  }

  /** Records every call; the first call blocks until released. */
  static final class BlockingHandler implements ResourceEventHandler<V1Pod> {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<String> calls = new ArrayList<>();
    final Map<String, String> lastRvByUid = new HashMap<>();

    private void block() {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void onAdd(V1Pod obj) {
      block();
      record("ADD " + describe(obj), obj);
    }

    @Override
    public void onUpdate(V1Pod oldObj, V1Pod newObj) {
      block();
      record("UPDATE " + describe(oldObj) + " -> " + describe(newObj), newObj);
    }

    @Override
    public void onDelete(V1Pod obj, boolean unknown) {
      block();
      record("DELETE " + describe(obj), null);
      synchronized (this) {
        lastRvByUid.remove(obj.getMetadata().getUid());
      }
    }

    private synchronized void record(String call, V1Pod now) {
      calls.add(call);
      if (now != null) {
        lastRvByUid.put(now.getMetadata().getUid(), now.getMetadata().getResourceVersion());
      }
    }

    synchronized List<String> calls() {
      return List.copyOf(calls);
    }

    synchronized Map<String, String> lastRvByUid() {
      return Map.copyOf(lastRvByUid);
    }

    static String describe(V1Pod p) {
      return p.getMetadata().getName()
          + "/"
          + p.getMetadata().getUid()
          + "@"
          + p.getMetadata().getResourceVersion();
    }
  }

  @Test
  void aBlockedHandlerKeepsOnePendingNotificationPerObjectAndGetsEveryFinalState()
      throws Exception {
    BlockingHandler handler = new BlockingHandler();
    queue = new HandlerQueue<>(handler, "test-handler", 0);
    queue.start();
    V1Pod[] current = new V1Pod[10];
    for (int i = 0; i < 10; i++) {
      current[i] = pod("p" + i, "uid-" + i, i);
      queue.added(current[i]);
    }
    handler.entered.await();

    int maxPending = 0;
    for (int n = 0; n < 10_000; n++) {
      int i = n % 10;
      V1Pod next = pod("p" + i, "uid-" + i, 100 + n);
      queue.updated(current[i], next);
      current[i] = next;
      maxPending = Math.max(maxPending, queue.pending());
    }

    // The first add is being delivered; the other nine adds absorbed every update.
    assertThat(maxPending).isLessThanOrEqualTo(10);
    handler.release.countDown();
    await("every final state", () -> queue.pending() == 0 && handler.calls().size() == 11);
    List<String> calls = handler.calls();
    // p0's add was in delivery: its 1,000 updates are one update from its add to the last.
    assertThat(calls.get(0)).isEqualTo("ADD p0/uid-0@0");
    for (int i = 1; i < 10; i++) {
      assertThat(calls.get(i)).isEqualTo("ADD p" + i + "/uid-" + i + "@" + (100 + 9_990 + i));
    }
    assertThat(calls.get(10)).isEqualTo("UPDATE p0/uid-0@0 -> p0/uid-0@10090");
    for (int i = 0; i < 10; i++) {
      assertThat(handler.lastRvByUid()).containsEntry("uid-" + i, Long.toString(10_090 + i));
    }
  }

  @Test
  void foldingKeepsDeletesAndRecreatesApartByUid() throws Exception {
    BlockingHandler handler = new BlockingHandler();
    queue = new HandlerQueue<>(handler, "test-handler", 0);
    queue.start();
    V1Pod blocker = pod("blocker", "uid-x", 1);
    queue.added(blocker);
    handler.entered.await();

    // Known to the handler only after the blocker: an add, updated twice, deleted, then a new
    // incarnation under the same name.
    V1Pod a1 = pod("a", "uid-a1", 2);
    queue.added(a1);
    queue.updated(a1, pod("a", "uid-a1", 3));
    queue.deleted(pod("a", "uid-a1", 3), false);
    V1Pod a2 = pod("a", "uid-a2", 4);
    queue.added(a2);
    queue.updated(a2, pod("a", "uid-a2", 5));
    // The blocker, already delivered as an add: update, update, delete.
    queue.updated(blocker, pod("blocker", "uid-x", 6));
    queue.updated(pod("blocker", "uid-x", 6), pod("blocker", "uid-x", 7));
    queue.deleted(pod("blocker", "uid-x", 7), true);

    handler.release.countDown();
    await("delivered", () -> queue.pending() == 0 && handler.calls().size() == 3);
    assertThat(handler.calls())
        .containsExactly(
            "ADD blocker/uid-x@1",
            // uid-a1 was added and deleted before the handler heard of it: nothing at all.
            "ADD a/uid-a2@5",
            "DELETE blocker/uid-x@7");
  }

  @Test
  void updateThenUpdateIsOneUpdateFromTheOldestToTheLatest() throws Exception {
    BlockingHandler handler = new BlockingHandler();
    queue = new HandlerQueue<>(handler, "test-handler", 0);
    queue.start();
    queue.added(pod("blocker", "uid-x", 1));
    handler.entered.await();
    V1Pod b1 = pod("b", "uid-b", 2);
    queue.updated(b1, pod("b", "uid-b", 3));
    queue.updated(pod("b", "uid-b", 3), pod("b", "uid-b", 4));

    handler.release.countDown();
    await("delivered", () -> handler.calls().size() == 2);
    assertThat(handler.calls())
        .containsExactly("ADD blocker/uid-x@1", "UPDATE b/uid-b@2 -> b/uid-b@4");
  }

  private static void await(String what, BooleanSupplier condition) {
    Await.until(what, condition);
  }
}
