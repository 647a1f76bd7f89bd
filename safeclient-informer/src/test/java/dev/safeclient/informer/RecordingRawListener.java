package dev.safeclient.informer;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what a raw feed tells, in order: one line per call, and the objects it handed out. */
final class RecordingRawListener implements RawFeedListener {
  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<RawObject> objects = new CopyOnWriteArrayList<>();
  final List<List<RawObject>> lists = new CopyOnWriteArrayList<>();
  final List<String> threads = new CopyOnWriteArrayList<>();

  @Override
  public void replaced(List<RawObject> items, String resourceVersion) {
    threads.add(Thread.currentThread().getName());
    lists.add(items);
    calls.add(
        "replaced "
            + resourceVersion
            + " "
            + items.stream().map(o -> o.key() + "@" + o.resourceVersion()).toList());
  }

  @Override
  public void added(RawObject object) {
    event("added", object);
  }

  @Override
  public void modified(RawObject object) {
    event("modified", object);
  }

  @Override
  public void deleted(RawObject object) {
    event("deleted", object);
  }

  private void event(String type, RawObject object) {
    threads.add(Thread.currentThread().getName());
    objects.add(object);
    calls.add(type + " " + object.key() + "@" + object.resourceVersion());
  }

  @Override
  public void progressed(String resourceVersion) {
    threads.add(Thread.currentThread().getName());
    calls.add("progressed " + resourceVersion);
  }

  /** The calls other than bookmarks. */
  List<String> changes() {
    return calls.stream().filter(c -> !c.startsWith("progressed")).toList();
  }
}
