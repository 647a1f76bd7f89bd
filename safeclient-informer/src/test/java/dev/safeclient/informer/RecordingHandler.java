package dev.safeclient.informer;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records what a handler saw and checks, per UID, that the sequence is consistent: an add first,
 * then updates, then at most one delete, and nothing after it.
 */
final class RecordingHandler<T extends KubernetesObject> implements ResourceEventHandler<T> {
  private enum State {
    PRESENT,
    DELETED
  }

  private final List<String> events = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final Map<String, State> byUid = new HashMap<>();
  private final Map<String, T> live = new HashMap<>();

  @Override
  public synchronized void onAdd(T obj) {
    String uid = uid(obj);
    events.add("ADD " + describe(obj));
    if (byUid.containsKey(uid)) {
      violations.add("add after " + byUid.get(uid) + ": " + describe(obj));
    }
    byUid.put(uid, State.PRESENT);
    live.put(uid, obj);
  }

  @Override
  public synchronized void onUpdate(T oldObj, T newObj) {
    String uid = uid(newObj);
    events.add("UPDATE " + describe(newObj));
    if (!uid.equals(uid(oldObj))) {
      violations.add("update across UIDs: " + describe(oldObj) + " -> " + describe(newObj));
    }
    if (byUid.get(uid) != State.PRESENT) {
      violations.add("update while " + byUid.get(uid) + ": " + describe(newObj));
    }
    live.put(uid, newObj);
  }

  @Override
  public synchronized void onDelete(T obj, boolean finalStateUnknown) {
    String uid = uid(obj);
    events.add("DELETE " + describe(obj) + (finalStateUnknown ? " (final state unknown)" : ""));
    if (byUid.get(uid) != State.PRESENT) {
      violations.add("delete while " + byUid.get(uid) + ": " + describe(obj));
    }
    byUid.put(uid, State.DELETED);
    live.remove(uid);
  }

  synchronized List<String> events() {
    return List.copyOf(events);
  }

  synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  /** UID to the last object seen, for objects added and not deleted. */
  synchronized Map<String, T> live() {
    return Map.copyOf(live);
  }

  private static String uid(KubernetesObject o) {
    return String.valueOf(o.getMetadata().getUid());
  }

  static String describe(KubernetesObject o) {
    return o.getMetadata().getNamespace()
        + "/"
        + o.getMetadata().getName()
        + " uid="
        + o.getMetadata().getUid()
        + " rv="
        + o.getMetadata().getResourceVersion();
  }
}
