package dev.safeclient.informer;

import java.util.List;

/**
 * What a {@link RawFeed} tells: the resource's state as the server sent it, object by object, in
 * the server's order.
 *
 * <p>Every call comes on the feed's one reflector thread ({@code safeclient-raw-feed <name>}), one
 * at a time, in order: a call that blocks holds the feed. A call that throws is a failure of the
 * list or watch it came from: the feed backs off as after any failure and lists or watches again
 * from the last resourceVersion it had handed out, so that call's change comes again (in a later
 * {@link #replaced} or as the same event). Nothing is lost; a listener that throws may see a change
 * twice.
 *
 * <p>The resourceVersions handed out never go back: each {@link #added}, {@link #modified}, {@link
 * #deleted} and {@link #progressed} is newer than the one before, and a {@link #replaced} state is
 * never older than what came before it (client-go's not-older-than relist).
 */
public interface RawFeedListener {
  /**
   * A full list, or a streaming list's initial state: the resource is now exactly {@code items} at
   * {@code resourceVersion}; anything not in it is gone. Sent first, and again after every relist
   * (the watch's resourceVersion expired, 410; an Error of this process). List items keep the list
   * form: a built-in type's have no {@code kind} or {@code apiVersion} (see {@link
   * RawObject#withTypeMeta}).
   *
   * @param items unmodifiable, in the server's order
   */
  void replaced(List<RawObject> items, String resourceVersion);

  /** An ADDED event: the object as the watch sent it, with its resourceVersion. */
  void added(RawObject object);

  /** A MODIFIED event: the object as the watch sent it, with its resourceVersion. */
  void modified(RawObject object);

  /**
   * A DELETED event: the object as it was when deleted; its {@code metadata.resourceVersion} is the
   * deletion's.
   */
  void deleted(RawObject object);

  /**
   * A BOOKMARK: the resource has no change up to {@code resourceVersion}. Also sent right after the
   * {@link #replaced} of a streaming list, for its initial-events-end bookmark.
   */
  void progressed(String resourceVersion);
}
