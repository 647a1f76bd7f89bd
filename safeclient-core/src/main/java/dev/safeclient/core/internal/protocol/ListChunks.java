package dev.safeclient.core.internal.protocol;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * The one loop that reads a LIST in chunks ({@code limit}, then {@code continue} until the server
 * sends none), restarting from the top when a continue token expires, and stopping on a server that
 * would never end. What each page is, and what a restart asks for, is the reader's: the pipeline
 * merges raw pages, the informer collects typed items.
 */
public final class ListChunks {
  /**
   * Restarts after an expired continue token. A token lives as long as the revision it pins is not
   * compacted (5 min on a default server), and each restart re-reads the list from the top: three
   * absorb a transient slowness at no more than four reads of the list; a fourth expiry in a row
   * means the pages are read slower than compaction, and another restart would expire the same way.
   * client-go's pager falls back to one unpaged list at once instead.
   */
  public static final int MAX_RESTARTS = 3;

  /**
   * Objects one chunked list may return before it is taken for never-ending. Kubernetes' tested
   * envelope is about 150k pods per cluster; a million of one type is far past any real collection,
   * so a list that long is a server or proxy looping on its continue token.
   */
  public static final long MAX_LIST_OBJECTS = 1_000_000;

  /**
   * Pages one chunked list may take when its pages say how many objects they hold. A real server
   * may send short (even empty) pages when a selector filters most of a range, so the object count
   * alone would not end a server that loops on fresh tokens with empty pages; at 100,000 pages a
   * list of {@link #MAX_LIST_OBJECTS} would average 10 objects a page, far below any page size
   * worth asking for.
   */
  public static final long MAX_COUNTED_PAGES = 100_000;

  /** How a chunked read ended. */
  public enum End {
    /** The last page came: no continue token. */
    COMPLETE,
    /** The reader stopped the read ({@link Page#stop()}): it has its own answer. */
    STOPPED,
    /** A continue token expired {@link #MAX_RESTARTS} + 1 times in a row. */
    CONTINUE_EXPIRED,
    /** The server sent a continue token it had sent before: it would never end. */
    REPEATED_CONTINUE,
    /**
     * More than {@link #MAX_LIST_OBJECTS} objects (counted, or a full page each where a page does
     * not say), or more than {@link #MAX_COUNTED_PAGES} pages: it would never end.
     */
    NEVER_ENDING
  }

  /** What one page said. */
  public record Page(Kind kind, String continueToken, int objects) {
    enum Kind {
      NEXT,
      CONTINUE_EXPIRED,
      STOP
    }

    /**
     * The page was read; {@code continueToken} null or empty when it was the last. It counts as a
     * full page of objects.
     */
    public static Page read(String continueToken) {
      return new Page(Kind.NEXT, continueToken, -1);
    }

    /** The page was read and held {@code objects} objects. */
    public static Page read(String continueToken, int objects) {
      if (objects < 0) {
        throw new IllegalArgumentException("objects must be >= 0: " + objects);
      }
      return new Page(Kind.NEXT, continueToken, objects);
    }

    /** A continue page was answered 410: its token expired. */
    public static Page continueExpired() {
      return new Page(Kind.CONTINUE_EXPIRED, null, -1);
    }

    /** The reader has its own answer (an error to hand back, a fallback): read no further. */
    public static Page stop() {
      return new Page(Kind.STOP, null, -1);
    }
  }

  /** Reads pages. */
  public interface Reader {
    /**
     * Called before each attempt: the first, then after each expired continue token, with the count
     * of restarts so far. What was collected before must be dropped.
     */
    void start(int restarts) throws IOException;

    /**
     * Reads page {@code index} of the current attempt: {@code continueToken} is null for the first
     * page and the previous page's token after it.
     */
    Page page(int index, String continueToken) throws IOException;
  }

  private ListChunks() {}

  /** Reads the list in pages of {@code pageSize}; returns how the read ended. */
  public static End read(int pageSize, Reader reader) throws IOException {
    for (int restarts = 0; ; restarts++) {
      reader.start(restarts);
      Set<String> tokens = new HashSet<>();
      String token = null;
      long objects = 0;
      for (int index = 0; ; index++) {
        if (objects >= MAX_LIST_OBJECTS || index == MAX_COUNTED_PAGES) {
          return End.NEVER_ENDING;
        }
        Page page = reader.page(index, token);
        if (page.kind() == Page.Kind.STOP) {
          return End.STOPPED;
        }
        if (page.kind() == Page.Kind.CONTINUE_EXPIRED) {
          if (restarts == MAX_RESTARTS) {
            return End.CONTINUE_EXPIRED;
          }
          break;
        }
        token = page.continueToken();
        if (token == null || token.isEmpty()) {
          return End.COMPLETE;
        }
        objects += page.objects() < 0 ? pageSize : page.objects();
        if (!tokens.add(token)) {
          return End.REPEATED_CONTINUE;
        }
      }
    }
  }
}
