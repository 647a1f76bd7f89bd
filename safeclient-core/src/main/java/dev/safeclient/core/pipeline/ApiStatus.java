package dev.safeclient.core.pipeline;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import okhttp3.Response;

/** Reads a {@code Status} error body (JSON: the encoding link turns Protobuf errors into JSON). */
public final class ApiStatus {
  /** The cause a watch cache gives when asked for a resourceVersion it has not reached yet. */
  public static final String RESOURCE_VERSION_TOO_LARGE = "ResourceVersionTooLarge";

  /** Status bodies are small; never buffer more than this of an error to look at it. */
  private static final long MAX_STATUS_BYTES = 64 * 1024;

  private ApiStatus() {}

  /**
   * Whether the response is a 504 from a watch cache lagging behind the requested resourceVersion
   * (k8s.io/apiserver storage.NewTooLargeResourceVersionError). The body stays readable.
   */
  public static boolean isResourceVersionTooLarge(Response response) {
    return response.code() == 504 && hasReason(response, RESOURCE_VERSION_TOO_LARGE);
  }

  /**
   * Whether the Status's {@code reason}, or one of its {@code details.causes[].reason}, is this.
   */
  static boolean hasReason(Response response, String reason) {
    try {
      JsonElement e = JsonParser.parseString(response.peekBody(MAX_STATUS_BYTES).string());
      if (!e.isJsonObject()) {
        return false;
      }
      JsonObject status = e.getAsJsonObject();
      if (reason.equals(string(status, "reason"))) {
        return true;
      }
      JsonElement details = status.get("details");
      if (details == null || !details.isJsonObject()) {
        return false;
      }
      JsonElement causes = details.getAsJsonObject().get("causes");
      if (causes == null || !causes.isJsonArray()) {
        return false;
      }
      for (JsonElement cause : causes.getAsJsonArray()) {
        if (cause.isJsonObject() && reason.equals(string(cause.getAsJsonObject(), "reason"))) {
          return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return false; // not a JSON Status: not the cause we look for
    }
  }

  private static String string(JsonObject o, String field) {
    JsonElement v = o.get(field);
    return v != null && v.isJsonPrimitive() ? v.getAsString() : null;
  }
}
