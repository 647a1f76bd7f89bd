package dev.safeclient.apiserver;

import java.util.ArrayList;
import java.util.List;

/**
 * The query of a LIST or WATCH ({@code metainternalversion.ListOptions}), decoded as the
 * apiserver's parameter codec decodes it, validated as {@code ValidateListOptions} validates it,
 * and read as the rule a server acts on: {@link #readMode()} for a list, {@link #watchStart()} for
 * a watch.
 */
public final class ListOptions {
  private final String resourceVersion;
  private final String resourceVersionMatch;
  private final long limit;
  private final String continueToken;
  private final String labelSelector;
  private final String fieldSelector;
  private final boolean watch;
  private final boolean allowWatchBookmarks;
  private final Boolean sendInitialEvents;
  private final Long timeoutSeconds;

  private ListOptions(Query q, boolean watch) {
    this.resourceVersion = q.get("resourceVersion");
    this.resourceVersionMatch = q.get("resourceVersionMatch");
    this.limit = int64(q, "limit");
    this.continueToken = q.get("continue");
    this.labelSelector = q.get("labelSelector");
    this.fieldSelector = q.get("fieldSelector");
    this.watch = watch;
    this.allowWatchBookmarks = q.flag("allowWatchBookmarks");
    this.sendInitialEvents = q.has("sendInitialEvents") ? q.flag("sendInitialEvents") : null;
    this.timeoutSeconds = q.has("timeoutSeconds") ? int64(q, "timeoutSeconds") : null;
  }

  /**
   * Decodes the options of a request whose verb the path already decided ({@link
   * RequestInfo#verb()}: WATCH for {@code watch=true} or the {@code /watch/} prefix). A value that
   * does not decode ({@code limit=x}) throws a {@link StatusException} with the codec's 400.
   */
  public static ListOptions parse(Query query, boolean watch) {
    return new ListOptions(query, watch);
  }

  /** Decodes the options, the watch flag from {@code watch} itself. */
  public static ListOptions parse(Query query) {
    return new ListOptions(query, query.flag("watch"));
  }

  private static long int64(Query q, String name) {
    String v = q.first(name);
    if (v == null) {
      return 0;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      // strconv.ParseInt's error, which DecodeParameters passes to errors.NewBadRequest.
      throw new StatusException(
          Status.badRequest("strconv.ParseInt: parsing \"" + v + "\": invalid syntax"));
    }
  }

  /**
   * ValidateListOptions (apiserver internalversion/validation): every error at once, answered 422
   * Invalid. {@code watchListEnabled} is the WatchList feature gate of the server version served.
   */
  public ListOptions validate(boolean watchListEnabled) {
    List<Status.FieldError> errs = new ArrayList<>();
    String match = resourceVersionMatch;
    if (watch) {
      if (sendInitialEvents != null) {
        if (!match.equals("NotOlderThan")) {
          errs.add(
              Status.FieldError.forbidden(
                  "resourceVersionMatch",
                  "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
        }
        if (!watchListEnabled) {
          errs.add(
              Status.FieldError.forbidden(
                  "sendInitialEvents",
                  "sendInitialEvents is forbidden for watch unless the WatchList feature gate is"
                      + " enabled"));
        }
      }
      if (!match.isEmpty()) {
        if (sendInitialEvents == null) {
          errs.add(
              Status.FieldError.forbidden(
                  "resourceVersionMatch",
                  "resourceVersionMatch is forbidden for watch unless sendInitialEvents is"
                      + " provided"));
        }
        if (!match.equals("NotOlderThan")) {
          errs.add(
              Status.FieldError.notSupported(
                  "resourceVersionMatch", match, List.of("NotOlderThan")));
        }
        if (!continueToken.isEmpty()) {
          errs.add(
              Status.FieldError.forbidden(
                  "resourceVersionMatch",
                  "resourceVersionMatch is forbidden when continue is provided"));
        }
      }
    } else {
      if (!match.isEmpty()) {
        if (resourceVersion.isEmpty()) {
          errs.add(
              Status.FieldError.forbidden(
                  "resourceVersionMatch",
                  "resourceVersionMatch is forbidden unless resourceVersion is provided"));
        }
        if (!continueToken.isEmpty()) {
          errs.add(
              Status.FieldError.forbidden(
                  "resourceVersionMatch",
                  "resourceVersionMatch is forbidden when continue is provided"));
        }
        if (!match.equals("Exact") && !match.equals("NotOlderThan")) {
          errs.add(
              Status.FieldError.notSupported(
                  "resourceVersionMatch", match, List.of("Exact", "NotOlderThan", "")));
        }
        if (match.equals("Exact") && resourceVersion.equals("0")) {
          errs.add(
              Status.FieldError.forbidden(
                  "resourceVersionMatch",
                  "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""));
        }
      }
      if (sendInitialEvents != null) {
        errs.add(
            Status.FieldError.forbidden(
                "sendInitialEvents", "sendInitialEvents is forbidden for list"));
      }
    }
    if (!errs.isEmpty()) {
      throw new StatusException(Status.invalidListOptions(errs));
    }
    return this;
  }

  /**
   * The resourceVersion as a number: 0 for unset or "0". Anything else that is not a number throws
   * the store's 400 ({@code invalid resource version: x}).
   */
  public long resourceVersionNumber() {
    if (resourceVersion.isEmpty()) {
      return 0;
    }
    try {
      long rv = Long.parseLong(resourceVersion);
      if (rv < 0) {
        throw new NumberFormatException();
      }
      return rv;
    } catch (NumberFormatException e) {
      throw new StatusException(Status.badRequest("invalid resource version: " + resourceVersion));
    }
  }

  /**
   * Which state a LIST is answered from. A continue token reads its snapshot exactly (or, with RV
   * -1, the current state); RV unset is a consistent read; "0" any state; N with match Exact, and
   * the legacy N with a limit, exactly N; N otherwise not older than N. Throws the store's 400 for
   * a continue token next to a resourceVersion, a token that does not decode, or an RV that is no
   * number.
   */
  public ReadMode readMode() {
    if (!continueToken.isEmpty()) {
      ContinueToken t = continueTokenValue();
      return t.isInconsistent() ? ReadMode.CONSISTENT : ReadMode.EXACT;
    }
    long rv = resourceVersionNumber();
    if (resourceVersion.isEmpty()) {
      return ReadMode.CONSISTENT;
    }
    if (rv == 0) {
      return ReadMode.ANY;
    }
    if (resourceVersionMatch.equals("Exact")) {
      return ReadMode.EXACT;
    }
    if (resourceVersionMatch.equals("NotOlderThan")) {
      return ReadMode.NOT_OLDER_THAN;
    }
    return limit > 0 ? ReadMode.EXACT : ReadMode.NOT_OLDER_THAN;
  }

  /**
   * The resourceVersion {@link #readMode()} refers to: the continue token's snapshot, else the
   * requested one (0 for CONSISTENT and ANY).
   */
  public long readResourceVersion() {
    if (!continueToken.isEmpty()) {
      ContinueToken t = continueTokenValue();
      return t.isInconsistent() ? 0 : t.resourceVersion();
    }
    return resourceVersionNumber();
  }

  /**
   * The decoded continue token, null without one. Decoding comes first, then the check that no
   * resourceVersion other than "0" is given with it (etcd3 store GetList): both are 400s.
   */
  public ContinueToken continueTokenValue() {
    if (continueToken.isEmpty()) {
      return null;
    }
    ContinueToken t = ContinueToken.decode(continueToken);
    if (!resourceVersion.isEmpty() && !resourceVersion.equals("0")) {
      throw new StatusException(
          Status.badRequest("specifying resource version is not allowed when using continue"));
    }
    return t;
  }

  /** Where a WATCH starts. Throws the store's 400 for an RV that is no number. */
  public WatchStart watchStart() {
    return WatchStart.of(resourceVersion, resourceVersionNumber(), sendInitialEvents);
  }

  /** {@code resourceVersion} as sent; "" if unset. */
  public String resourceVersion() {
    return resourceVersion;
  }

  /** {@code resourceVersionMatch} as sent; "" if unset. */
  public String resourceVersionMatch() {
    return resourceVersionMatch;
  }

  /** {@code limit}; 0 if unset (no paging). */
  public long limit() {
    return limit;
  }

  /** {@code continue} as sent; "" if unset. */
  public String continueToken() {
    return continueToken;
  }

  /** {@code labelSelector} as sent; "" if unset. */
  public String labelSelector() {
    return labelSelector;
  }

  /** {@code fieldSelector} as sent; "" if unset. */
  public String fieldSelector() {
    return fieldSelector;
  }

  /** True for a watch. */
  public boolean watch() {
    return watch;
  }

  /** {@code allowWatchBookmarks}. */
  public boolean allowWatchBookmarks() {
    return allowWatchBookmarks;
  }

  /** {@code sendInitialEvents}: null if absent (a pointer in Go: absent is not false). */
  public Boolean sendInitialEvents() {
    return sendInitialEvents;
  }

  /** {@code timeoutSeconds}, or null if absent (the server picks one). */
  public Long timeoutSeconds() {
    return timeoutSeconds;
  }

  /** True if a label or field selector is given. */
  public boolean hasSelector() {
    return !labelSelector.isEmpty() || !fieldSelector.isEmpty();
  }
}
