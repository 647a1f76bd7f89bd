package dev.safeclient.informer.internal;

import dev.safeclient.core.internal.protocol.ApiStatus;
import io.kubernetes.client.openapi.models.V1Status;
import java.io.IOException;
import java.time.Duration;
import okhttp3.Response;

/**
 * A failed list or watch, as the server answered it: an HTTP error, or an ERROR event inside a
 * watch stream. The reflector picks its recovery from the {@link ApiStatus}: {@link #expired()},
 * {@link #tooLarge()} and {@link #retryAfter()}.
 */
final class ApiStatusException extends IOException {
  private final transient ApiStatus status;

  private ApiStatusException(String message, ApiStatus status) {
    super(message);
    this.status = status;
  }

  /** From an HTTP answer: its code, headers and (JSON Status) body, read up to a cap. */
  static ApiStatusException fromHttp(String what, Response response) {
    ApiStatus status = ApiStatus.of(response);
    return new ApiStatusException(what + " answered " + status.brief(), status);
  }

  /** From an ERROR event of a watch stream. */
  static ApiStatusException fromStatus(String what, V1Status event) {
    ApiStatus status = ApiStatus.of(event);
    return new ApiStatusException(what + " got an ERROR event " + status.brief(), status);
  }

  int code() {
    return status.code();
  }

  /** 410 Gone / Expired: the resourceVersion asked for is no longer in the server's history. */
  boolean expired() {
    return status.isExpired();
  }

  /** 504 with cause ResourceVersionTooLarge: this server's cache is behind the asked RV. */
  boolean tooLarge() {
    return status.isResourceVersionTooLarge();
  }

  /** The server's Retry-After, if it sent one. */
  Duration retryAfter() {
    return status.retryAfterSeconds().isPresent()
        ? Duration.ofSeconds(status.retryAfterSeconds().getAsLong())
        : null;
  }
}
