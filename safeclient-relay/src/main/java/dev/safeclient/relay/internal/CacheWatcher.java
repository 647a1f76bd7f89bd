package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.ProtobufTranscoder.NotLossless;
import dev.safeclient.apiserver.WatchEvents;
import dev.safeclient.apiserver.WatchEvents.Type;
import dev.safeclient.relay.internal.ResourceCache.Event;
import dev.safeclient.relay.internal.ResourceCache.EventType;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One open watch on a cache: its selection, and where its events go. As the apiserver's cacher
 * ({@code cacheWatcher.convertToWatchEvent}), an event is judged against both the object and the
 * object before it: one that stops matching the selection becomes DELETED for this watcher (the
 * previous object, at the event's RV), one that starts matching becomes ADDED.
 */
final class CacheWatcher {
  /** Where a watcher's framed events go; the HTTP layer writes them asynchronously. */
  interface Sink {
    /** Queues one framed event; false when the watcher is too far behind or gone (then it ends). */
    boolean send(byte[] event);

    /** As {@link #send(byte[])}, the event given as buffers shared with other watchers. */
    boolean send(List<ByteBuffer> event);

    /** Ends the stream cleanly, as a server-side watch timeout does. */
    void end();
  }

  final Selection selection;
  private final boolean bookmarks;
  private final boolean initialEventsEnd;
  private final String apiVersion;
  private final String kind;
  private final Sink sink;

  /** The resource's encodings, for a watcher that streams Protobuf frames; null: JSON lines. */
  private final ResourceEncoding protobuf;

  /**
   * The newest RV of a change this watcher was offered, sent or filtered out (or where it started):
   * a change at or before it is one it has already had.
   */
  private long offeredResourceVersion;

  /**
   * The newest RV the client was told (an event's or a bookmark's). Behind {@link
   * #offeredResourceVersion} while the filter drops other objects' changes: a bookmark then moves
   * the client's resume point, as the cacher sends every bookmark watcher its latest RV.
   */
  private long sentResourceVersion;

  private volatile boolean ended;

  CacheWatcher(
      Selection selection,
      boolean bookmarks,
      boolean initialEventsEnd,
      long fromResourceVersion,
      String apiVersion,
      String kind,
      Sink sink,
      ResourceEncoding protobuf) {
    this.selection = selection;
    this.bookmarks = bookmarks;
    this.initialEventsEnd = initialEventsEnd;
    this.offeredResourceVersion = fromResourceVersion;
    this.sentResourceVersion = fromResourceVersion;
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.sink = sink;
    this.protobuf = protobuf;
  }

  void initial(CachedObject o) {
    if (protobuf != null) {
      sendFrame(Type.ADDED, o);
    } else {
      send(Type.ADDED, o.objectJson());
    }
  }

  /** The end of the initial state: the {@code k8s.io/initial-events-end} bookmark when asked. */
  void initialStateEnd(long rv) {
    offeredResourceVersion = Math.max(offeredResourceVersion, rv);
    sentResourceVersion = Math.max(sentResourceVersion, rv);
    if (initialEventsEnd) {
      send(Type.BOOKMARK, WatchEvents.bookmarkObject(apiVersion, kind, rv, true));
    }
  }

  /** Offers one change; false once this watcher has ended. */
  boolean offer(Event e) {
    return offer(e, null);
  }

  /**
   * Offers one change; {@code shared} is the object's bytes, copied once for every watcher the
   * change is dispatched to (null: this watcher copies them).
   */
  boolean offer(Event e, byte[] shared) {
    if (ended) {
      return false;
    }
    if (e.resourceVersion() <= offeredResourceVersion) {
      return true;
    }
    boolean now = e.type() != EventType.DELETED && selection.matches(e.object());
    boolean before = e.previous() != null && selection.matches(e.previous());
    if (e.type() == EventType.DELETED) {
      now = false;
      before = selection.matches(e.object());
    }
    offeredResourceVersion = e.resourceVersion();
    if (now || before) {
      sentResourceVersion = e.resourceVersion();
    }
    if (now || (before && e.type() == EventType.DELETED)) {
      if (protobuf != null) {
        return sendFrame(
            now && before ? Type.MODIFIED : now ? Type.ADDED : Type.DELETED, e.object());
      }
      byte[] object = shared != null ? shared : e.object().objectJson();
      Type type = now && before ? Type.MODIFIED : now ? Type.ADDED : Type.DELETED;
      return sendShared(WatchEvents.jsonParts(type, object));
    } else if (before) {
      // Stopped matching: the previous object, at the event's RV.
      return send(
          Type.DELETED,
          WatchFrames.withResourceVersion(
              e.previous().objectJson(), e.previous().resourceVersion, e.resourceVersion()));
    }
    return true;
  }

  /**
   * A bookmark at {@code rv}, when this watcher takes them, {@code rv} moves the client forward,
   * and no change after {@code rv} was offered (a watch started ahead of the cache).
   */
  void bookmark(long rv) {
    if (bookmarks && !ended && rv > sentResourceVersion && rv >= offeredResourceVersion) {
      offeredResourceVersion = rv;
      sentResourceVersion = rv;
      send(Type.BOOKMARK, WatchEvents.bookmarkObject(apiVersion, kind, rv, false));
    }
  }

  void end() {
    if (!ended) {
      ended = true;
      sink.end();
    }
  }

  boolean ended() {
    return ended;
  }

  /** Sends an ERROR event with {@code status}, then ends: the stream's only answer. */
  void fail(byte[] errorEvent) {
    if (!ended) {
      sink.send(errorEvent);
      end();
    }
  }

  private boolean sendShared(List<ByteBuffer> event) {
    if (ended) {
      return false;
    }
    if (!sink.send(event)) {
      end();
      return false;
    }
    return true;
  }

  /** A stored object's event in this watcher's encoding. */
  private boolean sendFrame(Type type, CachedObject o) {
    if (ended) {
      return false;
    }
    byte[] frame;
    try {
      frame = protobuf.frame(type, o);
    } catch (NotLossless e) {
      return cannotTranscode(e);
    }
    return sendBytes(frame);
  }

  /**
   * Protobuf cannot carry an object of this resource: the resource is served in JSON from now on,
   * and this watch ends cleanly, so that its client resumes from the last RV it was sent, in JSON,
   * and misses nothing.
   */
  private boolean cannotTranscode(NotLossless e) {
    protobuf.jsonOnly(e);
    end();
    return false;
  }

  private boolean send(Type type, byte[] object) {
    if (ended) {
      return false;
    }
    if (protobuf != null) {
      byte[] frame;
      try {
        frame = protobuf.frame(type, object);
      } catch (NotLossless e) {
        return cannotTranscode(e);
      }
      return sendBytes(frame);
    }
    return sendBytes(WatchEvents.json(type, object));
  }

  private boolean sendBytes(byte[] event) {
    if (!sink.send(event)) {
      end();
      return false;
    }
    return true;
  }
}
