package dev.safeclient.core;

import java.io.IOException;

/**
 * The common type of every failure safeclient itself raises on a request: a STRICT rejection
 * ({@link UnsafeRequestException}), a budget or the breaker that would not let it go ({@link
 * BudgetExhaustedException}, {@link ServerOverloadedException}), a list it could not page ({@link
 * ListPagingException}), Protobuf it could not decode ({@link ProtobufDecodeException}) and
 * credentials it can no longer have ({@link CredentialsUnavailableException}).
 *
 * <p>An {@link IOException}, because these are thrown inside OkHttp's interceptor chain: callers of
 * the generated APIs receive them as the cause of an {@code ApiException}. The one exception that
 * is not a subtype is {@link WrongKindException}: client-java's callers catch {@code ApiException}
 * for an answer the server gave, and a wrong kind is such an answer.
 */
public abstract class SafeClientException extends IOException {
  protected SafeClientException(String message) {
    super(message);
  }

  protected SafeClientException(String message, Throwable cause) {
    super(message, cause);
  }
}
