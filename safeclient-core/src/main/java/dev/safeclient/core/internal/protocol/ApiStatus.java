package dev.safeclient.core.internal.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.openapi.models.V1StatusCause;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import okhttp3.MediaType;
import okhttp3.Response;

/**
 * A {@code Status} the API server answered with, read once for everyone who classifies answers: its
 * code, reason, message, the reasons of its causes, and the delay it asks for.
 *
 * <p>An HTTP answer's body is peeked, never consumed: a caller of the generated APIs still reads
 * the whole body, as client-java hands it over. At most {@link #PEEK_BYTES} are read, so a huge or
 * endless error body costs no more than that.
 */
public final class ApiStatus {
  /** A {@code Status} is a few hundred bytes; a larger body is not one, and is not read further. */
  public static final long PEEK_BYTES = 64 * 1024;

  /** The cause a lagging watch cache gives (metav1.CauseTypeResourceVersionTooLarge). */
  static final String CAUSE_RESOURCE_VERSION_TOO_LARGE = "ResourceVersionTooLarge";

  /**
   * The apiserver's own wording of a lagging cache's answer ({@code
   * storage.NewTooLargeResourceVersionError}), matched case-sensitively, as it is written.
   */
  static final String TOO_LARGE_MESSAGE = "Too large resource version";

  private final int code;
  private final String reason;
  private final String message;
  private final Set<String> causes;
  private final OptionalLong retryAfterSeconds;
  private final boolean plainText;

  private ApiStatus(
      int code,
      String reason,
      String message,
      Set<String> causes,
      OptionalLong retryAfterSeconds,
      boolean plainText) {
    this.code = code;
    this.reason = reason;
    this.message = message;
    this.causes = Set.copyOf(causes);
    this.retryAfterSeconds = retryAfterSeconds;
    this.plainText = plainText;
  }

  /**
   * An HTTP answer: its code, its {@code Retry-After} header, and for codes of 400 and above its
   * body, peeked (at most {@link #PEEK_BYTES}) and read as a JSON {@code Status} when it is one. A
   * proxy's page or a truncated body leaves code and headers to decide.
   */
  public static ApiStatus of(Response response) {
    int code = response.code();
    String reason = "";
    String message = "";
    Set<String> causes = new LinkedHashSet<>();
    if (code >= 400 && response.body() != null) {
      try {
        JsonElement parsed = JsonParser.parseString(response.peekBody(PEEK_BYTES).string());
        if (parsed.isJsonObject()) {
          JsonObject status = parsed.getAsJsonObject();
          reason = string(status, "reason");
          message = string(status, "message");
          JsonElement details = status.get("details");
          if (details != null && details.isJsonObject()) {
            JsonElement cs = details.getAsJsonObject().get("causes");
            if (cs != null && cs.isJsonArray()) {
              for (JsonElement c : cs.getAsJsonArray()) {
                if (c.isJsonObject()) {
                  causes.add(string(c.getAsJsonObject(), "reason"));
                }
              }
            }
          }
        } else if (parsed.isJsonPrimitive()) {
          message = parsed.getAsString();
        }
      } catch (IOException | RuntimeException notAStatus) {
        // Not a JSON Status (a proxy's page, a truncated or oversized body): code and headers only.
      }
    }
    return new ApiStatus(
        code, reason, message, causes, RetryAfter.seconds(response), isText(response));
  }

  /**
   * An HTTP answer judged by its code and headers alone, its body not read: for callers that read
   * the body only from some code on.
   */
  public static ApiStatus withoutBody(Response response) {
    return new ApiStatus(
        response.code(), "", "", Set.of(), RetryAfter.seconds(response), isText(response));
  }

  private static boolean isText(Response response) {
    MediaType type = response.body() == null ? null : response.body().contentType();
    return type != null && type.type().equals("text");
  }

  /**
   * An ERROR event of a watch stream: there is no header, so the delay is the Status's own {@code
   * details.retryAfterSeconds}.
   */
  public static ApiStatus of(V1Status status) {
    Set<String> causes = new LinkedHashSet<>();
    OptionalLong retryAfter = OptionalLong.empty();
    if (status.getDetails() != null) {
      if (status.getDetails().getCauses() != null) {
        for (V1StatusCause c : status.getDetails().getCauses()) {
          causes.add(c.getReason() == null ? "" : c.getReason());
        }
      }
      Integer seconds = status.getDetails().getRetryAfterSeconds();
      if (seconds != null && seconds >= 0) {
        retryAfter = OptionalLong.of(seconds);
      }
    }
    return new ApiStatus(
        status.getCode() == null ? 0 : status.getCode(),
        status.getReason() == null ? "" : status.getReason(),
        status.getMessage() == null ? "" : status.getMessage(),
        causes,
        retryAfter,
        false);
  }

  private static String string(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
  }

  public int code() {
    return code;
  }

  /** The Status's reason ({@code Expired}, {@code Timeout}, ...), or empty. */
  public String reason() {
    return reason;
  }

  /** The Status's message, or empty. */
  public String message() {
    return message;
  }

  /** The reasons of {@code details.causes}. */
  public Set<String> causes() {
    return causes;
  }

  /** The delay the server asked for: the header of an HTTP answer, the Status's of an event. */
  public OptionalLong retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** A {@code text/*} body: a proxy's or a load balancer's page, not the apiserver's Status. */
  public boolean plainText() {
    return plainText;
  }

  /**
   * The resourceVersion asked for is gone from the server's history: 410, or reason {@code Expired}
   * or {@code Gone} (apimachinery's {@code IsResourceExpired} and {@code IsGone}, which client-go's
   * reflector reads as one).
   */
  public boolean isExpired() {
    return code == 410 || "Expired".equals(reason) || "Gone".equals(reason);
  }

  /**
   * A lagging watch cache: 504 with cause {@code ResourceVersionTooLarge}, as the apiserver's own
   * {@code storage.IsTooLargeResourceVersion} decides, or with its wording in the message should a
   * proxy have dropped the details.
   */
  public boolean isResourceVersionTooLarge() {
    return code == 504
        && (causes.contains(CAUSE_RESOURCE_VERSION_TOO_LARGE)
            || message.contains(TOO_LARGE_MESSAGE));
  }

  /** An eviction blocked by a PodDisruptionBudget: 429, cause {@code DisruptionBudget}. */
  public boolean isDisruptionBudgetBlocked() {
    return code == 429 && causes.contains("DisruptionBudget");
  }

  /** The watch cache is (re)initialising after a restart: transient, not overload. */
  public boolean isStorageInitializing() {
    return code == 429 && message.toLowerCase(Locale.ROOT).contains("storage is (re)initializing");
  }

  /** Code, reason and message, the message cut at 200 characters. */
  public String brief() {
    String m =
        message.isBlank()
            ? ""
            : ": " + (message.length() > 200 ? message.substring(0, 200) + "..." : message);
    return code + (reason.isEmpty() ? "" : " " + reason) + m;
  }

  @Override
  public String toString() {
    return code
        + (reason.isEmpty() ? "" : " " + reason)
        + (message.isEmpty() ? "" : ": " + message);
  }
}
