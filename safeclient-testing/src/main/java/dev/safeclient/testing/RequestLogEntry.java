package dev.safeclient.testing;

/**
 * One request as KubeSim served it, from {@link KubeSim#requestLog()}: what went over the wire and
 * what the control plane paid. For a watch the event and bookmark counts are those sent by the time
 * of the snapshot. Tokens are never recorded: the identity is the user a bearer token maps to
 * ({@link KubeSim.Builder#user(String, String)}), {@code "system:anonymous"} without one.
 */
public final class RequestLogEntry {
  private final long sequence;
  private final String requestLine;
  private final String accept;
  private final String contentType;
  private final String userAgent;
  private final String identity;
  private final String form;
  private final String servedFrom;
  private final int code;
  private final long seats;
  private final long waitMillis;
  private final double serviceMillis;
  private final long storageObjects;
  private final long cacheObjects;
  private final long bytes;
  private final long watchEvents;
  private final long bookmarks;

  RequestLogEntry(RequestRecord r) {
    this.sequence = r.sequence;
    this.requestLine = r.requestLine;
    this.accept = r.accept;
    this.contentType = r.contentType;
    this.userAgent = r.userAgent;
    this.identity = r.identity;
    this.form = r.form;
    this.servedFrom = r.servedFrom;
    this.code = r.code;
    this.seats = r.seats.get();
    this.waitMillis = r.waitMillis.get();
    this.serviceMillis = r.serviceMillis();
    this.storageObjects = r.storageObjects.sum();
    this.cacheObjects = r.cacheObjects.sum();
    this.bytes = r.bytes.sum();
    this.watchEvents = r.watchEvents.sum();
    this.bookmarks = r.bookmarks.sum();
  }

  /** Order of arrival, from 1. */
  public long sequence() {
    return sequence;
  }

  /** {@code "GET /api/v1/pods?limit=500"}. */
  public String requestLine() {
    return requestLine;
  }

  /** The request's Accept header ({@code ""} if none). */
  public String accept() {
    return accept;
  }

  /** The response's Content-Type. */
  public String contentType() {
    return contentType;
  }

  public String userAgent() {
    return userAgent;
  }

  public String identity() {
    return identity;
  }

  /** The request form the bill groups it under, see {@link KubeSimStats#byRequestForm()}. */
  public String form() {
    return form;
  }

  /** {@code "watch-cache"}, {@code "cache-snapshot"}, {@code "etcd"}, or {@code ""} if unserved. */
  public String servedFrom() {
    return servedFrom;
  }

  /** The HTTP status (200 for an established watch). */
  public int code() {
    return code;
  }

  /** APF seats charged (0 if rejected before admission). */
  public long seats() {
    return seats;
  }

  /** Time it waited for the watch cache, on KubeSim's clock. */
  public long waitMillis() {
    return waitMillis;
  }

  /** Modelled service time including waits, on KubeSim's clock. */
  public double serviceMillis() {
    return serviceMillis;
  }

  public long storageObjectsRead() {
    return storageObjects;
  }

  public long cacheObjectsServed() {
    return cacheObjects;
  }

  /** Body bytes sent (a watch's stream so far). */
  public long bytes() {
    return bytes;
  }

  /** Watch events sent, initial ADDED events included, bookmarks not. */
  public long watchEvents() {
    return watchEvents;
  }

  public long bookmarks() {
    return bookmarks;
  }

  @Override
  public String toString() {
    return sequence
        + " "
        + requestLine
        + " -> "
        + code
        + " "
        + contentType
        + " from="
        + servedFrom
        + " seats="
        + seats
        + " storage="
        + storageObjects
        + " cache="
        + cacheObjects
        + " bytes="
        + bytes
        + (watchEvents + bookmarks > 0 ? " events=" + watchEvents + " bookmarks=" + bookmarks : "")
        + " ua="
        + userAgent
        + " user="
        + identity;
  }
}
