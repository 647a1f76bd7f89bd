package dev.safeclient.core.internal.rules;

import dev.safeclient.core.internal.warning.WarningChannel;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.util.HashMap;
import java.util.List;

/**
 * SC108: the client would send client-java's default {@code User-Agent}, so every Java component in
 * the cluster looks the same in audit logs and per-client dashboards. Fires once, at build time,
 * and then sends {@link ApplicationUserAgent} instead. A User-Agent set on the base client is kept.
 */
public final class DefaultUserAgentRule {
  public static final String ID = "SC108";
  private static final String CLIENT_JAVA_DEFAULT_PREFIX = "Kubernetes Java Client/";

  private DefaultUserAgentRule() {}

  /**
   * The User-Agent the safe client sends: {@code configured} if given; else null (keep the base
   * client's) when the base client has its own; else a per-application one, warning SC108 once.
   */
  public static String effectiveUserAgent(
      ApiClient base, String configured, WarningChannel warnings) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    String baseAgent = baseUserAgent(base);
    if (baseAgent != null && !baseAgent.startsWith(CLIENT_JAVA_DEFAULT_PREFIX)) {
      return null;
    }
    String detected = ApplicationUserAgent.detect();
    warnings.warn(
        ID,
        "no userAgent(...) given: sending \""
            + detected
            + "\" instead of client-java's default; give each component its own User-Agent and"
            + " its own ServiceAccount (API Priority and Fairness matches ServiceAccounts)",
        "");
    return detected;
  }

  /** The User-Agent the base client puts on its requests (its default headers are private). */
  private static String baseUserAgent(ApiClient base) {
    try {
      return base.buildRequest(
              "http://localhost",
              "/",
              "GET",
              List.of(),
              List.of(),
              null,
              new HashMap<>(),
              new HashMap<>(),
              new HashMap<>(),
              new String[0],
              null)
          .header("User-Agent");
    } catch (ApiException | RuntimeException e) {
      return null;
    }
  }
}
