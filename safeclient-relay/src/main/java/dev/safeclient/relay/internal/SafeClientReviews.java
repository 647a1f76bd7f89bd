package dev.safeclient.relay.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.core.SafeClient;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * TokenReview and SubjectAccessReview through the relay's own {@link SafeClient}, with its budgets
 * and credentials (the relay's ServiceAccount, which needs {@code system:auth-delegator}). Neither
 * the token nor a review's body ever goes into an exception message: only the status code.
 */
public final class SafeClientReviews implements Reviews {
  static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  static final String SUBJECT_ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

  /**
   * How long one review may take, all of it (connecting, retries, the answer): the delegating
   * authenticator's and authorizer's default client timeout (TokenRequestTimeout, ClientTimeout: 10
   * s). A hung API server holds a request's thread this long at most, and the requests waiting on
   * the same cache entry with it; then the review fails, uncached.
   */
  static final Duration REVIEW_TIMEOUT = Duration.ofSeconds(10);

  private final ApiClient client;

  /** The client's own, interceptors and connection pool shared, with the review's deadline. */
  private final OkHttpClient http;

  public SafeClientReviews(SafeClient safe) {
    this(safe, REVIEW_TIMEOUT);
  }

  SafeClientReviews(SafeClient safe, Duration timeout) {
    this.client = safe.apiClient();
    this.http = client.getHttpClient().newBuilder().callTimeout(timeout).build();
  }

  @Override
  public Optional<Identity> tokenReview(String token, String audience) throws IOException {
    JsonObject spec = new JsonObject();
    spec.addProperty("token", token);
    JsonArray auds = new JsonArray();
    auds.add(audience);
    spec.add("audiences", auds);
    JsonObject answer =
        post(TOKEN_REVIEWS, review("authentication.k8s.io/v1", "TokenReview", spec));
    try {
      return identity(answer, audience);
    } catch (RuntimeException e) {
      throw malformed(TOKEN_REVIEWS, e);
    }
  }

  /**
   * An answer whose fields have the wrong JSON types (an object where a boolean or a string
   * belongs): a failed review, like one that is not JSON. Named by the exception's class only: the
   * answer's values (user names, groups) stay out of the log.
   */
  private static IOException malformed(String path, RuntimeException e) {
    return new IOException(
        "upstream answer to " + path + " is malformed: " + e.getClass().getSimpleName());
  }

  /**
   * The user a TokenReview answer authenticated, only if it names {@code audience} among its {@code
   * status.audiences}: an authenticated answer without them means the token is valid for the API
   * server's audience (TokenReviewStatus), which is the token a relay must never accept.
   */
  static Optional<Identity> identity(JsonObject review, String audience) {
    JsonObject status = object(review, "status");
    if (!status.has("authenticated") || !status.get("authenticated").getAsBoolean()) {
      return Optional.empty();
    }
    if (!strings(status, "audiences").contains(audience)) {
      return Optional.empty();
    }
    JsonObject user = object(status, "user");
    Map<String, List<String>> extra = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : object(user, "extra").entrySet()) {
      extra.put(e.getKey(), strings(object(user, "extra"), e.getKey()));
    }
    String name = string(user, "username");
    if (name.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Identity(name, string(user, "uid"), strings(user, "groups"), extra));
  }

  @Override
  public Decision subjectAccessReview(Identity who, RequestInfo request) throws IOException {
    JsonObject spec = new JsonObject();
    spec.addProperty("user", who.user());
    if (!who.uid().isEmpty()) {
      spec.addProperty("uid", who.uid());
    }
    spec.add("groups", array(who.groups()));
    if (!who.extra().isEmpty()) {
      JsonObject extra = new JsonObject();
      who.extra().forEach((k, v) -> extra.add(k, array(v)));
      spec.add("extra", extra);
    }
    if (request.isResourceRequest()) {
      spec.add("resourceAttributes", resourceAttributes(request));
    } else {
      JsonObject n = new JsonObject();
      n.addProperty("path", request.path());
      n.addProperty("verb", request.verbName());
      spec.add("nonResourceAttributes", n);
    }
    JsonObject status =
        object(
            post(
                SUBJECT_ACCESS_REVIEWS,
                review("authorization.k8s.io/v1", "SubjectAccessReview", spec)),
            "status");
    try {
      boolean allowed =
          status.has("allowed")
              && status.get("allowed").getAsBoolean()
              && !(status.has("denied") && status.get("denied").getAsBoolean());
      return new Decision(allowed, string(status, "reason"));
    } catch (RuntimeException e) {
      throw malformed(SUBJECT_ACCESS_REVIEWS, e);
    }
  }

  /**
   * The request as authorizer attributes, its selectors as RequestInfo passes them to the
   * authorizer (1.31+ {@code fieldSelector} and {@code labelSelector}, {@code rawSelector} form:
   * the API server parses them as it would the request's own).
   */
  static JsonObject resourceAttributes(RequestInfo r) {
    JsonObject a = new JsonObject();
    if (!r.namespace().isEmpty()) {
      a.addProperty("namespace", r.namespace());
    }
    a.addProperty("verb", r.verbName());
    a.addProperty("group", r.apiGroup());
    a.addProperty("version", r.apiVersion());
    a.addProperty("resource", r.resource());
    if (!r.subresource().isEmpty()) {
      a.addProperty("subresource", r.subresource());
    }
    if (!r.name().isEmpty()) {
      a.addProperty("name", r.name());
    }
    if (!r.fieldSelector().isEmpty()) {
      JsonObject f = new JsonObject();
      f.addProperty("rawSelector", r.fieldSelector());
      a.add("fieldSelector", f);
    }
    if (!r.labelSelector().isEmpty()) {
      JsonObject l = new JsonObject();
      l.addProperty("rawSelector", r.labelSelector());
      a.add("labelSelector", l);
    }
    return a;
  }

  private static JsonObject review(String apiVersion, String kind, JsonObject spec) {
    JsonObject o = new JsonObject();
    o.addProperty("apiVersion", apiVersion);
    o.addProperty("kind", kind);
    o.add("spec", spec);
    return o;
  }

  private JsonObject post(String path, JsonObject body) throws IOException {
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", "application/json");
    headers.put("Content-Type", "application/json");
    Call call;
    try {
      call =
          client.buildCall(
              null,
              path,
              "POST",
              new ArrayList<>(),
              new ArrayList<>(),
              body.toString().getBytes(StandardCharsets.UTF_8),
              headers,
              new HashMap<>(),
              new HashMap<>(),
              new String[] {"BearerToken"},
              null);
    } catch (ApiException e) {
      throw new IOException("could not build the upstream review", e);
    }
    try (Response response = http.newCall(call.request()).execute()) {
      if (!response.isSuccessful()) {
        throw new IOException("upstream answered " + response.code() + " to " + path);
      }
      ResponseBody b = response.body();
      try {
        JsonElement e = JsonParser.parseString(b == null ? "" : b.string());
        if (!e.isJsonObject()) {
          throw new IOException("upstream answer to " + path + " is not an object");
        }
        return e.getAsJsonObject();
      } catch (JsonParseException e) {
        throw new IOException("upstream answer to " + path + " is not JSON"); // no body: a token
      }
    }
  }

  private static JsonObject object(JsonObject o, String name) {
    return o.has(name) && o.get(name).isJsonObject() ? o.getAsJsonObject(name) : new JsonObject();
  }

  private static String string(JsonObject o, String name) {
    return o.has(name) && o.get(name).isJsonPrimitive() ? o.get(name).getAsString() : "";
  }

  private static List<String> strings(JsonObject o, String name) {
    List<String> out = new ArrayList<>();
    if (o.has(name) && o.get(name).isJsonArray()) {
      for (JsonElement e : o.getAsJsonArray(name)) {
        out.add(e.getAsString());
      }
    }
    return out;
  }

  private static JsonArray array(List<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }
}
