package dev.safeclient.model.serving;

import java.util.Objects;

/**
 * The parts of a GET, LIST or WATCH that decide where it is served and what it costs: the
 * ListOptions the apiserver parses from the query, and whether the request names one object.
 * Immutable; build with {@link #list()}, {@link #watch()} or {@link #get(String)}.
 */
public final class ReadRequest {
  /** The request verb as the apiserver's RequestInfo names it. */
  public enum Verb {
    GET,
    LIST,
    WATCH
  }

  /** {@code resourceVersionMatch}. */
  public enum Match {
    UNSET,
    EXACT,
    NOT_OLDER_THAN
  }

  final Verb verb;
  final String resourceVersion;
  final Match match;
  final long limit;
  final String continueToken;
  final long continueRv;
  final boolean labelSelector;
  final boolean fieldSelector;
  final boolean namesOne;
  final boolean sendInitialEvents;

  private ReadRequest(
      Verb verb,
      String resourceVersion,
      Match match,
      long limit,
      String continueToken,
      long continueRv,
      boolean labelSelector,
      boolean fieldSelector,
      boolean namesOne,
      boolean sendInitialEvents) {
    this.verb = verb;
    this.resourceVersion = resourceVersion;
    this.match = match;
    this.limit = limit;
    this.continueToken = continueToken;
    this.continueRv = continueRv;
    this.labelSelector = labelSelector;
    this.fieldSelector = fieldSelector;
    this.namesOne = namesOne;
    this.sendInitialEvents = sendInitialEvents;
  }

  /** A LIST with RV unset (a consistent read), no limit, no selectors. */
  public static ReadRequest list() {
    return new ReadRequest(Verb.LIST, "", Match.UNSET, 0, "", 0, false, false, false, false);
  }

  /** A WATCH with RV unset. */
  public static ReadRequest watch() {
    return new ReadRequest(Verb.WATCH, "", Match.UNSET, 0, "", 0, false, false, false, false);
  }

  /** A GET of one named object with RV unset. */
  public static ReadRequest get(String name) {
    Objects.requireNonNull(name);
    return new ReadRequest(Verb.GET, "", Match.UNSET, 0, "", 0, false, false, true, false);
  }

  /** {@code resourceVersion}: {@code ""} (unset), {@code "0"} or a number. */
  public ReadRequest resourceVersion(String rv) {
    return new ReadRequest(
        verb,
        rv == null ? "" : rv,
        match,
        limit,
        continueToken,
        continueRv,
        labelSelector,
        fieldSelector,
        namesOne,
        sendInitialEvents);
  }

  public ReadRequest match(Match m) {
    return new ReadRequest(
        verb,
        resourceVersion,
        Objects.requireNonNull(m),
        limit,
        continueToken,
        continueRv,
        labelSelector,
        fieldSelector,
        namesOne,
        sendInitialEvents);
  }

  public ReadRequest limit(long n) {
    return new ReadRequest(
        verb,
        resourceVersion,
        match,
        Math.max(0, n),
        continueToken,
        continueRv,
        labelSelector,
        fieldSelector,
        namesOne,
        sendInitialEvents);
  }

  /**
   * {@code continue}: the token, and the resourceVersion encoded in it (negative for the
   * inconsistent continuation an expired token hands out, which is served like a consistent read).
   */
  public ReadRequest continueFrom(String token, long tokenRv) {
    return new ReadRequest(
        verb,
        resourceVersion,
        match,
        limit,
        token == null ? "" : token,
        tokenRv,
        labelSelector,
        fieldSelector,
        namesOne,
        sendInitialEvents);
  }

  public ReadRequest labelSelector(boolean present) {
    return new ReadRequest(
        verb,
        resourceVersion,
        match,
        limit,
        continueToken,
        continueRv,
        present,
        fieldSelector,
        namesOne,
        sendInitialEvents);
  }

  public ReadRequest fieldSelector(boolean present) {
    return new ReadRequest(
        verb,
        resourceVersion,
        match,
        limit,
        continueToken,
        continueRv,
        labelSelector,
        present,
        namesOne,
        sendInitialEvents);
  }

  /** A {@code metadata.name=} field selector: RequestInfo then names one object. */
  public ReadRequest namesOne(boolean named) {
    return new ReadRequest(
        verb,
        resourceVersion,
        match,
        limit,
        continueToken,
        continueRv,
        labelSelector,
        fieldSelector || named,
        named,
        sendInitialEvents);
  }

  public ReadRequest sendInitialEvents(boolean on) {
    return new ReadRequest(
        verb,
        resourceVersion,
        match,
        limit,
        continueToken,
        continueRv,
        labelSelector,
        fieldSelector,
        namesOne,
        on);
  }

  public Verb verb() {
    return verb;
  }

  public String resourceVersion() {
    return resourceVersion;
  }

  public long limit() {
    return limit;
  }

  boolean hasContinue() {
    return !continueToken.isEmpty();
  }

  boolean hasSelector() {
    return labelSelector || fieldSelector;
  }

  boolean rvUnset() {
    return resourceVersion.isEmpty();
  }

  boolean rvZero() {
    return resourceVersion.equals("0");
  }

  @Override
  public String toString() {
    return verb
        + " rv="
        + (resourceVersion.isEmpty() ? "\"\"" : resourceVersion)
        + (match == Match.UNSET ? "" : " match=" + match)
        + (limit > 0 ? " limit=" + limit : "")
        + (hasContinue() ? " continue(rv " + continueRv + ")" : "")
        + (hasSelector() ? " selector" : "")
        + (sendInitialEvents ? " sendInitialEvents" : "");
  }
}
