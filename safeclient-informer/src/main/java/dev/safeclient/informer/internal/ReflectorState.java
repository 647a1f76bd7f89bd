package dev.safeclient.informer.internal;

/**
 * Where one reflector stands, written once, as client-go's reflector keeps it: what it is doing
 * ({@link Phase}), whether and how the next list reads ({@link ListMode}), why it is sent ({@link
 * RelistReason}), and where the next watch resumes. Only the reflector's thread changes it, through
 * the transitions below; {@link #lastResourceVersion()} is also read by other threads.
 */
final class ReflectorState {
  /** What the reflector is doing: names a failure in the logs and decides its recovery. */
  enum Phase {
    LIST("list"),
    STREAMING_LIST("streaming list"),
    WATCH("watch");

    private final String label;

    Phase(String label) {
      this.label = label;
    }

    /** The word the failure and recovery lines use. */
    String label() {
      return label;
    }
  }

  /**
   * Why a list (or a streaming list) is sent: the {@code reason} tag of the relist metric. The tag
   * values are part of the metric's contract and do not change.
   */
  enum RelistReason {
    /** The informer's first list. */
    INITIAL("initial"),
    /** The watch's resourceVersion expired (or the stream ended an earlier streaming list). */
    EXPIRED("expired"),
    /** The previous list failed and is sent again. */
    RETRY("retry"),
    /** An Error of this process stopped the reflector; it starts again from a list. */
    ERROR("error"),
    /** The server ignored or refused a streaming list: LIST then WATCH from now on. */
    WATCHLIST_FALLBACK("watchlist-fallback"),
    /** The list's own resourceVersion expired: read again consistently. */
    LIST_EXPIRED("list-expired"),
    /** The list's resourceVersion was ahead of this server's cache: read again consistently. */
    TOO_LARGE("too-large");

    private final String tag;

    RelistReason(String tag) {
      this.tag = tag;
    }

    /** The metric tag value. */
    String tag() {
      return tag;
    }
  }

  /** How the next LIST reads. */
  enum ListMode {
    /** The first list: {@code resourceVersion=0&limit=<page>}, served by the watch cache. */
    INITIAL,
    /** After an expired watch: {@code resourceVersion=<last>}, no limit, not older than that. */
    AT_LAST_RV,
    /** After a list that expired or was too new for the server: RV unset, paged. */
    CONSISTENT
  }

  // Whether the cache must be filled again (a list, or a streaming list) before the next watch.
  private boolean needList = true;
  // How that list reads: from the watch cache at first and after an expiry, from etcd after that.
  private ListMode listMode = ListMode.INITIAL;
  // Why that list is sent, for the relist metric.
  private RelistReason relistReason = RelistReason.INITIAL;
  // What is under way: a failure of a list is recovered differently from a failure of a watch.
  private Phase phase = Phase.LIST;
  // Set for good once the server ignored or refused sendInitialEvents: lists are plain from then.
  private boolean watchListUnsupported;
  // Watches in a row that ended too soon; the first one with events resumes at once, not later.
  private int shortWatchesInRow;
  // Where the next watch resumes: the last list's, event's or bookmark's resourceVersion.
  private volatile String lastRv;

  boolean needsList() {
    return needList;
  }

  /** Whether the next list is a streaming list ({@code sendInitialEvents}). */
  boolean streamsList(boolean watchListEnabled) {
    return watchListEnabled && !watchListUnsupported;
  }

  ListMode listMode() {
    return listMode;
  }

  RelistReason relistReason() {
    return relistReason;
  }

  Phase phase() {
    return phase;
  }

  String lastResourceVersion() {
    return lastRv;
  }

  // ------------------------------------------------------------------ transitions

  /** A list starts. */
  void listing() {
    phase = Phase.LIST;
  }

  /** A watch (or, with {@code streamingList}, a streaming list) starts. */
  void watching(boolean streamingList) {
    phase = streamingList ? Phase.STREAMING_LIST : Phase.WATCH;
  }

  /** The cache was filled whole at {@code rv}: watch from there; a later relist is an expiry. */
  void synced(String rv) {
    lastRv = rv;
    needList = false;
    listMode = ListMode.AT_LAST_RV;
    relistReason = RelistReason.EXPIRED;
  }

  /** An event or bookmark at {@code rv} (null: none) was applied. */
  void advancedTo(String rv) {
    if (rv != null) {
      lastRv = rv;
    }
  }

  /**
   * The list's resourceVersion is gone from history or ahead of this server's cache, or its
   * continue tokens kept expiring: the next list reads consistently.
   */
  void listFromStorage() {
    listMode = ListMode.CONSISTENT;
  }

  /** The server ignored or refused a streaming list. */
  void watchListRefused() {
    watchListUnsupported = true;
    relistReason = RelistReason.WATCHLIST_FALLBACK;
  }

  /** The server answered with an error Status ({@code expired}: 410, or a lagging cache). */
  void serverRefused(boolean expiredOrTooLarge) {
    if (phase != Phase.LIST && expiredOrTooLarge) {
      // client-go: relist at the last resourceVersion first, a not-older-than read from the watch
      // cache; never a consistent read from etcd first.
      needList = true;
      listMode = lastRv == null ? listMode : ListMode.AT_LAST_RV;
      relistReason = RelistReason.EXPIRED;
    }
    failed();
  }

  /** A list or watch failed (refused, reset, cut, timed out, undecodable). */
  void failed() {
    // A list that failed is counted as a retry when it is sent again.
    if (needList && phase != Phase.WATCH) {
      relistReason = RelistReason.RETRY;
    }
  }

  /**
   * An Error of this process: an event may have been half applied or lost, so the cache is filled
   * again, at the last resourceVersion when there is one (from the watch cache, not etcd).
   */
  void errored() {
    if (phase != Phase.LIST && lastRv != null) {
      listMode = ListMode.AT_LAST_RV;
    }
    needList = true;
    relistReason = RelistReason.ERROR;
  }

  /** A watch lasted longer than a short one. */
  void watchLasted() {
    shortWatchesInRow = 0;
  }

  /**
   * A watch ended too soon: whether it resumes at once. Once only, when it had events: a server
   * that keeps cutting watches short gets the backoff whatever it sends, so no server can drive a
   * hot loop.
   */
  boolean resumesShortWatch(int events) {
    return events > 0 && shortWatchesInRow++ == 0;
  }
}
