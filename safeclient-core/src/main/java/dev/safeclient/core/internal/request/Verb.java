package dev.safeclient.core.internal.request;

/** The Kubernetes verb of a request, as the API server's RequestInfo resolves it. */
public enum Verb {
  GET,
  LIST,
  WATCH,
  CREATE,
  UPDATE,
  PATCH,
  DELETE,
  DELETECOLLECTION,
  /** exec, attach, portforward and proxy: streams that upgrade or tunnel. */
  CONNECT,
  /**
   * A non-resource path: discovery ({@code /api}, {@code /apis/g/v}), {@code /version}, health,
   * OpenAPI.
   */
  NON_RESOURCE;

  /** Reads the server can answer again without effect: GET, LIST and opening a WATCH. */
  public boolean isSafeRead() {
    return this == GET || this == LIST || this == WATCH;
  }

  public boolean isWrite() {
    return this == CREATE
        || this == UPDATE
        || this == PATCH
        || this == DELETE
        || this == DELETECOLLECTION;
  }
}
