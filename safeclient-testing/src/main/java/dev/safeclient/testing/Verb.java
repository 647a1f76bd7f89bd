package dev.safeclient.testing;

/** The Kubernetes verb of a resource request, as the apiserver's request-info resolver names it. */
enum Verb {
  GET,
  LIST,
  WATCH,
  CREATE,
  UPDATE,
  PATCH,
  DELETE,
  DELETECOLLECTION;

  /** The verb from the HTTP method, or null for a method the apiserver has no verb for. */
  static Verb of(String method, boolean named, boolean watchParam) {
    switch (method) {
      case "GET":
        return named ? GET : watchParam ? WATCH : LIST;
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

  /** The lower-case name audit logs, RBAC and fault rules use ({@code "deletecollection"}). */
  String apiName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  boolean isWrite() {
    return this == CREATE
        || this == UPDATE
        || this == PATCH
        || this == DELETE
        || this == DELETECOLLECTION;
  }
}
