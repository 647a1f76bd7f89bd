package dev.safeclient.core.internal.protocol;

import java.util.List;
import java.util.OptionalLong;
import okhttp3.Response;

/**
 * The {@code Retry-After} header as the API server writes it: whole seconds, copied from the
 * Status's {@code details.retryAfterSeconds} (apiserver's {@code responsewriters.ErrorNegotiated}).
 */
public final class RetryAfter {
  public static final String HEADER = "Retry-After";

  private RetryAfter() {}

  /**
   * The delay the answer asks for, in seconds. The first value when the header repeats, as Go's
   * {@code Header.Get} reads it in client-go. Delay-seconds only, as client-go reads it: an
   * HTTP-date or a negative number is no delay at all, and leaves the backoff in charge.
   */
  public static OptionalLong seconds(Response response) {
    List<String> values = response.headers(HEADER);
    return values.isEmpty() ? OptionalLong.empty() : parse(values.get(0));
  }

  /** One header value; see {@link #seconds(Response)}. */
  public static OptionalLong parse(String value) {
    if (value == null) {
      return OptionalLong.empty();
    }
    try {
      long s = Long.parseLong(value.trim());
      return s < 0 ? OptionalLong.empty() : OptionalLong.of(s);
    } catch (NumberFormatException httpDate) {
      return OptionalLong.empty();
    }
  }
}
