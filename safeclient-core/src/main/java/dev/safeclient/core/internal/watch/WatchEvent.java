package dev.safeclient.core.internal.watch;

import io.kubernetes.client.openapi.models.V1Status;
import java.util.Objects;

/**
 * One event of a watch stream, decoded. ERROR events carry a {@link V1Status}, not the watched
 * type; BOOKMARK events carry an object with only {@code metadata.resourceVersion} (and, for a
 * streaming list's end, the {@code k8s.io/initial-events-end} annotation).
 */
public final class WatchEvent<T> {
  public enum Type {
    ADDED,
    MODIFIED,
    DELETED,
    BOOKMARK,
    ERROR
  }

  private final Type type;
  private final T object;
  private final V1Status status;

  private WatchEvent(Type type, T object, V1Status status) {
    this.type = Objects.requireNonNull(type, "type");
    this.object = object;
    this.status = status;
  }

  public static <T> WatchEvent<T> of(Type type, T object) {
    if (type == Type.ERROR) {
      throw new IllegalArgumentException("ERROR events carry a Status: use error()");
    }
    return new WatchEvent<>(type, Objects.requireNonNull(object, "object"), null);
  }

  public static <T> WatchEvent<T> error(V1Status status) {
    return new WatchEvent<>(Type.ERROR, null, Objects.requireNonNull(status, "status"));
  }

  public Type type() {
    return type;
  }

  /** The object; null for ERROR events. */
  public T object() {
    return object;
  }

  /** The Status of an ERROR event; null otherwise. */
  public V1Status status() {
    return status;
  }

  @Override
  public String toString() {
    return type + (status != null ? " " + status.getCode() + " " + status.getReason() : "");
  }
}
