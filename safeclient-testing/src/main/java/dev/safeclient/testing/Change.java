package dev.safeclient.testing;

import dev.safeclient.apiserver.WatchEvents;

/**
 * One write as etcd records it. The encoded watch line for each event type is built at most once
 * and shared by every watcher that receives it (one fan-out per event, no copy per watcher).
 */
final class Change {
  enum Type {
    ADDED,
    MODIFIED,
    DELETED
  }

  final long resourceVersion;
  final ResourceType resource;
  final Type type;
  final String key;

  /** The object after the change; for DELETED, the last state stamped with the deletion's RV. */
  final StoredObject object;

  /** The object before the change, or null if it did not exist. */
  final StoredObject previous;

  final long timeMillis;
  private volatile byte[] added;
  private volatile byte[] modified;
  private volatile byte[] deleted;
  private final java.util.concurrent.atomic.AtomicReferenceArray<byte[]> frames =
      new java.util.concurrent.atomic.AtomicReferenceArray<>(3);

  Change(
      long resourceVersion,
      ResourceType resource,
      Type type,
      StoredObject object,
      StoredObject previous,
      long timeMillis) {
    this.resourceVersion = resourceVersion;
    this.resource = resource;
    this.type = type;
    this.key = object.key;
    this.object = object;
    this.previous = previous;
    this.timeMillis = timeMillis;
  }

  /**
   * The watch line for this change seen as {@code as} (a filtered watcher may see ADDED/DELETED).
   */
  byte[] line(Type as) {
    switch (as) {
      case ADDED:
        if (added == null) {
          added = watchLine("ADDED", object.json);
        }
        return added;
      case MODIFIED:
        if (modified == null) {
          modified = watchLine("MODIFIED", object.json);
        }
        return modified;
      default:
        if (deleted == null) {
          deleted = watchLine("DELETED", object.json);
        }
        return deleted;
    }
  }

  /** The Protobuf watch frame for this change seen as {@code as}; built once, shared. */
  byte[] frame(Type as) {
    byte[] f = frames.get(as.ordinal());
    if (f == null) {
      f = ProtobufEncoding.frameFromJsonLine(line(as));
      frames.set(as.ordinal(), f); // at worst built twice, identical bytes
    }
    return f;
  }

  static byte[] watchLine(String type, byte[] objectJson) {
    return WatchEvents.json(WatchEvents.Type.valueOf(type), objectJson);
  }
}
