package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.ProtobufTranscoder.NotLossless;
import dev.safeclient.apiserver.WatchEvents;
import dev.safeclient.apiserver.WatchEvents.Type;
import dev.safeclient.relay.internal.ResourceCache.Event;
import dev.safeclient.relay.internal.ResourceCache.EventType;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One open watch on a cache: its selection, and where its events go. As the apiserver's cacher
 * ({@code cacheWatcher.convertToWatchEvent}), an event is judged against both the object and the
 * object before it: one that stops matching the selection becomes DELETED for this watcher (the
 * previous object, at the event's RV), one that starts matching becomes ADDED.
 *
 * <p>What it sends is pulled as its stream drains, never queued all at once: as the apiserver's
 * {@code cacheWatcher.processInterval} sends a watch's initial events (a state, or the events since
 * its RV) before its input channel, without a bound on them, and paced by its client. A watcher
 * holds its replay as references to objects and events the cache holds or held, then at most {@link
 * #MAX_PENDING} live changes that came during it or while its client was behind: one more ends it,
 * as the cacher terminates a watcher whose input channel stays full ({@code cacheWatcher.add}). Its
 * encoded bytes in flight are at most {@link #WRITES_IN_FLIGHT} writes of {@link #EVENTS_PER_WRITE}
 * events.
 */
final class CacheWatcher {
  /**
   * Live changes a watcher may have waiting for its client before it is ended: about a second of a
   * busy resource's changes during a large replay, as the cacher sizes its input channel at about a
   * second of history, with room for a streaming list of a large resource to finish while its
   * resource changes.
   */
  static final int MAX_PENDING = 10_000;

  /** Events handed to the stream before it is asked to say when they are on the wire. */
  static final int EVENTS_PER_WRITE = 128;

  /**
   * Writes on their way at once: one drains while the next is filled, so the socket never idles.
   */
  static final int WRITES_IN_FLIGHT = 2;

  /** Where a watcher's framed events go; the HTTP layer writes them asynchronously. */
  interface Sink {
    /** Queues one framed event; false when the watcher is gone (then it ends). */
    boolean send(byte[] event);

    /** As {@link #send(byte[])}, the event given as buffers shared with other watchers. */
    boolean send(List<ByteBuffer> event);

    /**
     * Runs {@code written} once everything sent before it is on the wire, off the calling thread;
     * never if the stream ends first.
     */
    void afterWritten(Runnable written);

    /** Ends the stream cleanly, as a server-side watch timeout does. */
    void end();
  }

  /** A live change waiting to be sent, with its object's bytes if they were framed once for all. */
  private record Pending(Event event, byte[] shared, long bookmark) {}

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

  /** The initial state still to send; null when none is left. */
  private Iterator<CachedObject> initial;

  /** The RV of the initial state whose end is still to be sent; 0 when none is. */
  private long initialEnd;

  /** The window's events after the watcher's RV still to send; null when none are left. */
  private Iterator<Event> replay;

  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private int writesInFlight;
  private boolean pumping;

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

  /**
   * Starts the watcher, under the cache's lock: {@code state} (its matching objects; null for none)
   * as ADDED events ending at {@code resourceVersion}, then {@code events}, the window's changes
   * after its start, then the live changes. Without a state, {@code resourceVersion} is where it
   * starts: no change at or before it is sent. Only references are kept; they are encoded as the
   * stream drains.
   */
  synchronized void start(List<CachedObject> state, long resourceVersion, List<Event> events) {
    if (state != null) {
      initial = state.iterator();
      initialEnd = resourceVersion;
    }
    offeredResourceVersion = Math.max(offeredResourceVersion, resourceVersion);
    sentResourceVersion = Math.max(sentResourceVersion, resourceVersion);
    List<Event> mine = new ArrayList<>();
    for (Event e : events) {
      if (e.resourceVersion() > offeredResourceVersion) {
        offeredResourceVersion = e.resourceVersion();
        if (concerns(e)) {
          sentResourceVersion = e.resourceVersion();
          mine.add(e);
        }
      }
    }
    replay = mine.isEmpty() ? null : mine.iterator();
    pump();
  }

  /** Whether the watcher is still sending what it started with. */
  synchronized boolean replaying() {
    return initial != null || initialEnd != 0 || replay != null;
  }

  /** Live changes waiting for the client (bounded by {@link #MAX_PENDING}). */
  synchronized int pending() {
    return pending.size();
  }

  /** Offers one change; false once this watcher has ended. */
  boolean offer(Event e) {
    return offer(e, null);
  }

  /**
   * Offers one live change; {@code shared} is the object's bytes, copied once for every watcher the
   * change is dispatched to (null: this watcher copies them). False once this watcher has ended, or
   * when it ends now, too far behind.
   */
  synchronized boolean offer(Event e, byte[] shared) {
    if (ended) {
      return false;
    }
    if (e.resourceVersion() <= offeredResourceVersion) {
      return true;
    }
    offeredResourceVersion = e.resourceVersion();
    if (!concerns(e)) {
      return true;
    }
    sentResourceVersion = e.resourceVersion();
    return enqueue(new Pending(e, shared, 0));
  }

  /**
   * A bookmark at {@code rv}, when this watcher takes them, {@code rv} moves the client forward,
   * and no change after {@code rv} was offered (a watch started ahead of the cache). None while it
   * replays: the cacher's bookmarks, too, wait in the input channel behind the initial events, and
   * the next one comes a minute later.
   */
  synchronized void bookmark(long rv) {
    if (bookmarks
        && !ended
        && !replaying()
        && rv > sentResourceVersion
        && rv >= offeredResourceVersion) {
      offeredResourceVersion = rv;
      sentResourceVersion = rv;
      enqueue(new Pending(null, null, rv));
    }
  }

  private boolean enqueue(Pending p) {
    if (pending.size() >= MAX_PENDING) {
      // The client cannot keep up: ended cleanly, it resumes from the last RV it was sent.
      end();
      return false;
    }
    pending.addLast(p);
    pump();
    return !ended;
  }

  /** Whether a change is one this watcher's client sees (as some event). */
  private boolean concerns(Event e) {
    if (e.type() == EventType.DELETED) {
      return selection.matches(e.object());
    }
    return selection.matches(e.object())
        || (e.previous() != null && selection.matches(e.previous()));
  }

  /**
   * Hands the stream what is next, a write's worth at a time, while fewer than {@link
   * #WRITES_IN_FLIGHT} writes are on their way. Each write asks to be told when it is on the wire,
   * and that pulls the next.
   */
  private void pump() {
    if (pumping) {
      return;
    }
    pumping = true;
    try {
      while (!ended && writesInFlight < WRITES_IN_FLIGHT) {
        int n = 0;
        while (n < EVENTS_PER_WRITE && !ended && sendNext()) {
          n++;
        }
        if (n == 0 || ended) {
          return;
        }
        writesInFlight++;
        sink.afterWritten(this::written);
      }
    } finally {
      pumping = false;
    }
  }

  private synchronized void written() {
    writesInFlight--;
    pump();
  }

  /** Sends the next thing this watcher owes its client; false when there is none. */
  private boolean sendNext() {
    if (initial != null) {
      if (initial.hasNext()) {
        initial(initial.next());
        return true;
      }
      initial = null;
    }
    if (initialEnd != 0) {
      long rv = initialEnd;
      initialEnd = 0;
      if (initialEventsEnd) {
        send(Type.BOOKMARK, WatchEvents.bookmarkObject(apiVersion, kind, rv, true));
        return true;
      }
    }
    if (replay != null) {
      if (replay.hasNext()) {
        deliver(replay.next(), null);
        return true;
      }
      replay = null;
    }
    Pending p = pending.pollFirst();
    if (p == null) {
      return false;
    }
    if (p.event() == null) {
      send(Type.BOOKMARK, WatchEvents.bookmarkObject(apiVersion, kind, p.bookmark(), false));
    } else {
      deliver(p.event(), p.shared());
    }
    return true;
  }

  private void initial(CachedObject o) {
    if (protobuf != null) {
      sendFrame(Type.ADDED, o);
    } else {
      send(Type.ADDED, o.objectJson());
    }
  }

  /** Sends one change this watcher's client sees, as the event it sees it as. */
  private void deliver(Event e, byte[] shared) {
    boolean now = e.type() != EventType.DELETED && selection.matches(e.object());
    boolean before = e.previous() != null && selection.matches(e.previous());
    if (e.type() == EventType.DELETED) {
      now = false;
      before = selection.matches(e.object());
    }
    if (now || (before && e.type() == EventType.DELETED)) {
      Type type = now && before ? Type.MODIFIED : now ? Type.ADDED : Type.DELETED;
      if (protobuf != null) {
        sendFrame(type, e.object());
        return;
      }
      byte[] object = shared != null ? shared : e.object().objectJson();
      sendShared(WatchEvents.jsonParts(type, object));
    } else if (before) {
      // Stopped matching: the previous object, at the event's RV.
      send(
          Type.DELETED,
          WatchFrames.withResourceVersion(
              e.previous().objectJson(), e.previous().resourceVersion, e.resourceVersion()));
    }
  }

  synchronized void end() {
    if (!ended) {
      ended = true;
      // What it still owed is not sent: its client resumes from the last RV it was sent.
      initial = null;
      initialEnd = 0;
      replay = null;
      pending.clear();
      sink.end();
    }
  }

  boolean ended() {
    return ended;
  }

  /** Sends an ERROR event with {@code status}, then ends: the stream's only answer. */
  synchronized void fail(byte[] errorEvent) {
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
