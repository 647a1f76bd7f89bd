package dev.safeclient.relay;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Per object, the events an informer's handler saw, in order: "ADDED rv", "UPDATED rv", "DELETED
 * rv". An update that leaves the resourceVersion as it was (a resync) is not an event here. Each
 * informer library's handler passes its objects' names and resourceVersions in.
 */
class PodEvents {
  private final Map<String, List<String>> byObject = new ConcurrentHashMap<>();

  private void record(String name, String what, String resourceVersion) {
    byObject
        .computeIfAbsent(name, k -> new CopyOnWriteArrayList<>())
        .add(what + " " + resourceVersion);
  }

  void added(String name, String resourceVersion) {
    record(name, "ADDED", resourceVersion);
  }

  void updated(String name, String oldResourceVersion, String resourceVersion) {
    if (!oldResourceVersion.equals(resourceVersion)) {
      record(name, "UPDATED", resourceVersion);
    }
  }

  void deleted(String name, String resourceVersion) {
    record(name, "DELETED", resourceVersion);
  }

  /** By object name. */
  Map<String, List<String>> snapshot() {
    return new TreeMap<>(byObject);
  }
}
