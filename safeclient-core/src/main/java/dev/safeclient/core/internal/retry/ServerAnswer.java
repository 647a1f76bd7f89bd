package dev.safeclient.core.internal.retry;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.model.serving.BuiltInApis;
import dev.safeclient.model.serving.ServerVersion;
import java.io.IOException;
import java.util.HashSet;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import okhttp3.MediaType;
import okhttp3.Response;

/**
 * What an error answer from the API server means for retries and the breaker: its Retry-After, its
 * APF flow headers, and the {@code Status} reason and causes that tell overload from a blocked
 * eviction, an initialising cache or a lagging cache. Reads at most {@link #PEEK_BYTES} of the
 * body, without consuming it, and only for codes ≥ 429.
 */
public final class ServerAnswer {
  /** A {@code Status} is a few hundred bytes; a larger body is not one. */
  static final long PEEK_BYTES = 64 * 1024;

  public static final String FLOW_SCHEMA_HEADER = "X-Kubernetes-PF-FlowSchema-UID";
  public static final String PRIORITY_LEVEL_HEADER = "X-Kubernetes-PF-PriorityLevel-UID";

  private final int code;
  private final OptionalLong retryAfterSeconds;
  private final String flowSchemaUid;
  private final String priorityLevelUid;
  private final String reason;
  private final String message;
  private final Set<String> causes;
  private final boolean plainText;

  private ServerAnswer(
      int code,
      OptionalLong retryAfterSeconds,
      String flowSchemaUid,
      String priorityLevelUid,
      String reason,
      String message,
      Set<String> causes,
      boolean plainText) {
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.flowSchemaUid = flowSchemaUid;
    this.priorityLevelUid = priorityLevelUid;
    this.reason = reason;
    this.message = message;
    this.causes = causes;
    this.plainText = plainText;
  }

  public static ServerAnswer of(Response response) {
    int code = response.code();
    String reason = "";
    String message = "";
    Set<String> causes = new HashSet<>();
    boolean plainText = false;
    if (code >= 429) {
      MediaType type = response.body().contentType();
      plainText = type != null && type.type().equals("text");
      try {
        String body = response.peekBody(PEEK_BYTES).string();
        JsonElement parsed = JsonParser.parseString(body);
        if (parsed.isJsonObject()) {
          JsonObject status = parsed.getAsJsonObject();
          reason = string(status, "reason");
          message = string(status, "message");
          JsonElement details = status.get("details");
          if (details != null && details.isJsonObject()) {
            JsonElement cs = details.getAsJsonObject().get("causes");
            if (cs != null && cs.isJsonArray()) {
              for (JsonElement c : (JsonArray) cs) {
                if (c.isJsonObject()) {
                  causes.add(string(c.getAsJsonObject(), "reason"));
                }
              }
            }
          }
        } else if (parsed.isJsonPrimitive()) {
          message = parsed.getAsString();
        }
      } catch (IOException | RuntimeException e) {
        // Not a JSON Status (a proxy's page, a truncated body): judged by code and headers only.
      }
    }
    return new ServerAnswer(
        code,
        retryAfter(response.header("Retry-After")),
        response.header(FLOW_SCHEMA_HEADER),
        response.header(PRIORITY_LEVEL_HEADER),
        reason,
        message,
        causes,
        plainText);
  }

  /** Delay-seconds form only, as client-go reads it; an HTTP-date is ignored. */
  static OptionalLong retryAfter(String header) {
    if (header == null) {
      return OptionalLong.empty();
    }
    try {
      long s = Long.parseLong(header.trim());
      return s < 0 ? OptionalLong.empty() : OptionalLong.of(s);
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static String string(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : "";
  }

  public int code() {
    return code;
  }

  public OptionalLong retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public String flowSchemaUid() {
    return flowSchemaUid;
  }

  public String priorityLevelUid() {
    return priorityLevelUid;
  }

  public boolean hasFlowHeaders() {
    return flowSchemaUid != null || priorityLevelUid != null;
  }

  /** An eviction blocked by a PodDisruptionBudget: 429, cause {@code DisruptionBudget}. */
  public boolean isDisruptionBudgetBlocked() {
    return code == 429 && causes.contains("DisruptionBudget");
  }

  /** The watch cache is (re)initialising after a restart: transient, not overload. */
  public boolean isStorageInitializing() {
    return code == 429 && message.toLowerCase(Locale.ROOT).contains("storage is (re)initializing");
  }

  /** SC101's lagging cache: 504 with cause {@code ResourceVersionTooLarge}; SC101 handles it. */
  public boolean isResourceVersionTooLarge() {
    return code == 504
        && (causes.contains("ResourceVersionTooLarge")
            || message.toLowerCase(Locale.ROOT).contains("too large resource version"));
  }

  /** A 429 from API Priority and Fairness or the max-in-flight filter: not executed. */
  public boolean isThrottled() {
    return code == 429 && !isDisruptionBudgetBlocked() && !isStorageInitializing();
  }

  /**
   * Whether this answer says the API server itself is overloaded: an APF 429 (with its flow
   * headers), a 503 from a built-in group, or a timeout 504. Admission-webhook 500s, aggregated-API
   * 503s, initialising caches and lagging caches say nothing about load.
   */
  public boolean isOverload(ServerVersion server, String group) {
    if (code == 429) {
      return isThrottled() && hasFlowHeaders();
    }
    if (code == 503) {
      return !plainText && BuiltInApis.isApiServersOwnGroup(server, group);
    }
    if (code == 504) {
      return !isResourceVersionTooLarge();
    }
    return false;
  }

  @Override
  public String toString() {
    return code
        + (reason.isEmpty() ? "" : " " + reason)
        + (message.isEmpty() ? "" : ": " + message);
  }
}
