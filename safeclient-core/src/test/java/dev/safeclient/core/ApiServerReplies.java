package dev.safeclient.core;

import io.kubernetes.client.openapi.ApiClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;

/** What a Kubernetes API server answers, as MockWebServer replies, for pipeline tests. */
public final class ApiServerReplies {
  public static final String TOKEN = "s3cret-token-do-not-log";

  private ApiServerReplies() {}

  /** An official client pointed at the mock, with a bearer token. */
  public static ApiClient baseClient(MockWebServer server) {
    ApiClient base = new ApiClient();
    base.setBasePath(server.url("/").toString().replaceAll("/$", ""));
    base.setApiKeyPrefix("Bearer");
    base.setApiKey(TOKEN);
    return base;
  }

  /** A builder over the mock with a user agent, so SC108 stays quiet unless a test wants it. */
  public static SafeClient.Builder safeClient(
      MockWebServer server, SafetyMode mode, List<SafetyWarning> warnings) {
    // A 1.30 server, where consistent lists are read from etcd and SC101/SC102 act; the mock does
    // not answer /version. Tests of the per-version decision choose their own.
    return SafeClient.builder(baseClient(server))
        .serverVersion("1.30")
        .mode(mode)
        .userAgent("pipeline-test/1.0")
        .warningListener(exceptSc103(warnings));
  }

  /**
   * Collects every warning but SC103's: in OBSERVE, SC103 warns on each built-in read, which tests
   * of other rules would otherwise have to list. SC103 has its own tests.
   */
  public static java.util.function.Consumer<SafetyWarning> exceptSc103(
      List<SafetyWarning> warnings) {
    return w -> {
      if (!w.ruleId().equals("SC103")) {
        warnings.add(w);
      }
    };
  }

  public static List<SafetyWarning> warnings() {
    return new CopyOnWriteArrayList<>();
  }

  /** A PodList page: resourceVersion, continue token (null on the last page), pod names. */
  public static MockResponse podList(String resourceVersion, String continueToken, String... pods) {
    return json(200, podListJson(resourceVersion, continueToken, pods));
  }

  public static String podListJson(String resourceVersion, String continueToken, String... pods) {
    List<String> items = new ArrayList<>();
    for (String p : pods) {
      items.add(
          "{\"metadata\":{\"name\":\""
              + p
              + "\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
    }
    String meta = "\"resourceVersion\":\"" + resourceVersion + "\"";
    if (continueToken != null) {
      meta += ",\"continue\":\"" + continueToken + "\",\"remainingItemCount\":7";
    }
    return "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
        + meta
        + "},\"items\":["
        + String.join(",", items)
        + "]}";
  }

  public static MockResponse pod(String name) {
    return json(
        200,
        "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\""
            + name
            + "\",\"namespace\":\"default\"}}");
  }

  /** A Status error body, with an optional cause reason in details.causes. */
  public static MockResponse status(int code, String reason, String message, String cause) {
    String details =
        cause == null
            ? ""
            : ",\"details\":{\"causes\":[{\"reason\":\""
                + cause
                + "\",\"message\":\"Too large resource version\"}],\"retryAfterSeconds\":1}";
    return json(
        code,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":\""
            + message
            + "\",\"reason\":\""
            + reason
            + "\""
            + details
            + ",\"code\":"
            + code
            + "}");
  }

  public static MockResponse json(int code, String body) {
    return json(code, body, b -> {});
  }

  public static MockResponse json(int code, String body, Consumer<MockResponse.Builder> extra) {
    MockResponse.Builder b =
        new MockResponse.Builder()
            .code(code)
            .addHeader("Content-Type", "application/json")
            .body(body);
    extra.accept(b);
    return b.build();
  }
}
