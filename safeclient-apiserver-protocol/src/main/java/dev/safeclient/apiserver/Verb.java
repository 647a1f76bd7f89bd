package dev.safeclient.apiserver;

import java.util.Locale;

/** The Kubernetes verb of a resource request, as the apiserver's request-info resolver names it. */
public enum Verb {
  GET,
  LIST,
  WATCH,
  CREATE,
  UPDATE,
  PATCH,
  DELETE,
  DELETECOLLECTION;

  /**
   * The verb an HTTP method has on a resource path (RequestInfoFactory): {@code named} if the path
   * names one object, {@code watch} for {@code watch=true} or the {@code /watch/} prefix. Null for
   * a method the apiserver has no verb for.
   */
  public static Verb of(String method, boolean named, boolean watch) {
    switch (method) {
      case "GET":
      case "HEAD":
        return named ? GET : watch ? WATCH : LIST;
      case "POST":
        return CREATE;
      case "PUT":
        return UPDATE;
      case "PATCH":
        return PATCH;
      case "DELETE":
        return named ? DELETE : DELETECOLLECTION;
      default:
        return null;
    }
  }

  /** The lower-case name audit logs and RBAC use ({@code "deletecollection"}). */
  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** True for the verbs that change stored state. */
  public boolean isWrite() {
    return this == CREATE
        || this == UPDATE
        || this == PATCH
        || this == DELETE
        || this == DELETECOLLECTION;
  }
}
