package dev.safeclient.informer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.openapi.models.V1StatusCause;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A failed list or watch, as the server answered it: an HTTP error, or an ERROR event inside a
 * watch stream. The reflector picks its recovery from {@link #expired()}, {@link #tooLarge()} and
 * {@link #retryAfter()}.
 */
final class ApiStatusException extends IOException {
  private final int code;
  private final String reason;
  private final boolean tooLarge;
  private final Duration retryAfter;

  private ApiStatusException(
      String message, int code, String reason, boolean tooLarge, Duration retryAfter) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.tooLarge = tooLarge;
    this.retryAfter = retryAfter;
  }

  /** From an HTTP answer: its code, headers and (JSON Status) body. */
  static ApiStatusException fromHttp(
      String what, int code, Map<String, List<String>> headers, String body) {
    String reason = null;
    String message = null;
    boolean causeTooLarge = false;
    try {
      JsonElement root = body == null || body.isBlank() ? null : JsonParser.parseString(body);
      if (root != null && root.isJsonObject()) {
        JsonObject o = root.getAsJsonObject();
        reason = string(o.get("reason"));
        message = string(o.get("message"));
        JsonElement details = o.get("details");
        if (details != null && details.isJsonObject()) {
          JsonElement causes = details.getAsJsonObject().get("causes");
          if (causes != null && causes.isJsonArray()) {
            for (JsonElement c : causes.getAsJsonArray()) {
              if (c.isJsonObject()
                  && "ResourceVersionTooLarge".equals(string(c.getAsJsonObject().get("reason")))) {
                causeTooLarge = true;
              }
            }
          }
        }
      }
    } catch (RuntimeException notJson) {
      // A proxy's HTML error page: the code alone decides.
    }
    return new ApiStatusException(
        what + " answered " + code + (reason == null ? "" : " " + reason) + brief(message),
        code,
        reason,
        code == 504 && (causeTooLarge || contains(message, "Too large resource version")),
        retryAfter(headers));
  }

  /** From an ERROR event of a watch stream. */
  static ApiStatusException fromStatus(String what, V1Status status) {
    int code = status.getCode() == null ? 0 : status.getCode();
    boolean causeTooLarge = false;
    if (status.getDetails() != null && status.getDetails().getCauses() != null) {
      for (V1StatusCause c : status.getDetails().getCauses()) {
        causeTooLarge |= "ResourceVersionTooLarge".equals(c.getReason());
      }
    }
    Duration retryAfter =
        status.getDetails() != null && status.getDetails().getRetryAfterSeconds() != null
            ? Duration.ofSeconds(status.getDetails().getRetryAfterSeconds())
            : null;
    return new ApiStatusException(
        what
            + " got an ERROR event "
            + code
            + " "
            + status.getReason()
            + brief(status.getMessage()),
        code,
        status.getReason(),
        code == 504
            && (causeTooLarge || contains(status.getMessage(), "Too large resource version")),
        retryAfter);
  }

  int code() {
    return code;
  }

  /** 410 Gone / Expired: the resourceVersion asked for is no longer in the server's history. */
  boolean expired() {
    return code == 410 || "Expired".equals(reason) || "Gone".equals(reason);
  }

  /** 504 with cause ResourceVersionTooLarge: this server's cache is behind the asked RV. */
  boolean tooLarge() {
    return tooLarge;
  }

  /** The server's Retry-After, if it sent one. */
  Duration retryAfter() {
    return retryAfter;
  }

  private static Duration retryAfter(Map<String, List<String>> headers) {
    if (headers == null) {
      return null;
    }
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if ("Retry-After".equalsIgnoreCase(e.getKey()) && !e.getValue().isEmpty()) {
        try {
          long seconds = Long.parseLong(e.getValue().get(0).trim());
          return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
        } catch (NumberFormatException httpDate) {
          // The API server always sends seconds; an HTTP-date leaves the backoff in charge.
          return null;
        }
      }
    }
    return null;
  }

  private static String string(JsonElement e) {
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }

  private static boolean contains(String s, String part) {
    return s != null && s.contains(part);
  }

  private static String brief(String message) {
    if (message == null || message.isBlank()) {
      return "";
    }
    return ": " + (message.length() > 200 ? message.substring(0, 200) + "..." : message);
  }
}
