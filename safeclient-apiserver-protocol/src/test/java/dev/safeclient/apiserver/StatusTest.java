package dev.safeclient.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The Status bodies and headers of the apiserver's error constructors. */
class StatusTest {
  private static JsonObject body(Status s) {
    return JsonParser.parseString(new String(s.toJsonBytes(), StandardCharsets.UTF_8))
        .getAsJsonObject();
  }

  @Test
  void tooLargeResourceVersionIs504WithItsCauseAndRetryAfter() {
    Status s = Status.tooLargeResourceVersion(120, 100);
    assertThat(s.code()).isEqualTo(504);
    assertThat(s.headers()).containsEntry("Retry-After", "1");
    assertThat(body(s).toString())
        .isEqualTo(
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\"Too large resource version: 120, current: 100\","
                + "\"reason\":\"Timeout\",\"details\":{\"causes\":[{\"reason\":"
                + "\"ResourceVersionTooLarge\",\"message\":\"Too large resource version\"}],"
                + "\"retryAfterSeconds\":1},\"code\":504}");
  }

  @Test
  void expiredFormsOfListAndContinue() {
    Status list = Status.expiredList();
    assertThat(list.code()).isEqualTo(410);
    assertThat(list.reason()).isEqualTo("Expired");
    assertThat(list.message()).isEqualTo("The resourceVersion for the provided list is too old.");
    String fresh = ContinueToken.after(ContinueToken.INCONSISTENT, "ns/a").encode();
    Status cont = Status.expiredContinue(fresh);
    assertThat(cont.code()).isEqualTo(410);
    assertThat(body(cont).getAsJsonObject("metadata").get("continue").getAsString())
        .isEqualTo(fresh);
    assertThat(cont.message()).startsWith("The provided continue parameter is too old");
    assertThat(Status.tooOldResourceVersion(5, 90).message())
        .isEqualTo("too old resource version: 5 (90)");
  }

  @Test
  void tooManyRequestsCarriesRetryAfterInHeaderAndDetails() {
    Status s = Status.tooManyRequests("storage is (re)initializing", 7);
    assertThat(s.code()).isEqualTo(429);
    assertThat(s.headers()).containsEntry("Retry-After", "7");
    assertThat(body(s).getAsJsonObject("details").get("retryAfterSeconds").getAsInt()).isEqualTo(7);
  }

  @Test
  void notFoundNamesTheQualifiedResource() {
    assertThat(Status.notFound("apps", "deployments", "web").message())
        .isEqualTo("deployments.apps \"web\" not found");
    JsonObject d = body(Status.notFound("", "pods", "p")).getAsJsonObject("details");
    assertThat(d.get("kind").getAsString()).isEqualTo("pods");
    assertThat(d.has("group")).isFalse();
    assertThat(Status.resourceNotFound().message())
        .isEqualTo("the server could not find the requested resource");
    // NewGenericServerResponse always sets its details, empty here: a real server's "details":{}.
    assertThat(Status.resourceNotFound().toJson().get("details").toString()).isEqualTo("{}");
  }

  @Test
  void theOtherCodes() {
    assertThat(Status.badRequest("x").reason()).isEqualTo("BadRequest");
    assertThat(Status.methodNotAllowed().code()).isEqualTo(405);
    assertThat(Status.internalError("boom").message()).isEqualTo("Internal error occurred: boom");
    assertThat(Status.serviceUnavailable("not ready").code()).isEqualTo(503);
    assertThat(Status.unauthorized().code()).isEqualTo(401);
    assertThat(Status.of(200, null, null, null).toJson().get("status").getAsString())
        .isEqualTo("Success");
  }

  @Test
  void forbiddenIsWordedAsTheAuthorizationFilterWordsIt() {
    RequestInfo r =
        RequestInfo.parse("GET", "/api/v1/namespaces/ns1/pods", Query.parse("watch=true"));
    Status s = Status.forbidden(r, "system:node:n1", "no relationship found");
    assertThat(s.code()).isEqualTo(403);
    assertThat(s.message())
        .isEqualTo(
            "pods is forbidden: User \"system:node:n1\" cannot watch resource \"pods\" in API group"
                + " \"\" in the namespace \"ns1\": no relationship found");
    RequestInfo scale =
        RequestInfo.parse("GET", "/apis/apps/v1/deployments/web/scale", Query.parse(""));
    assertThat(Status.forbidden(scale, "u", "").message())
        .isEqualTo(
            "deployments.apps \"web\" is forbidden: User \"u\" cannot get resource"
                + " \"deployments/scale\" in API group \"apps\" at the cluster scope");
  }

  @Test
  void forbiddenOfAPathOrADecodedNameQuotesAndSanitizesAsTheFilter() {
    RequestInfo path = RequestInfo.parse("GET", "/logs/a%3Cb", Query.parse(""));
    Status s = Status.forbidden(path, "u", "");
    assertThat(s.code()).isEqualTo(403);
    assertThat(s.message()).isEqualTo("forbidden: User \"u\" cannot get path \"/logs/a&lt;b\"");
    assertThat(s.toJson().getAsJsonObject("details").size()).isZero();
    RequestInfo odd =
        RequestInfo.parse("GET", "/api/v1/namespaces/n%22s/pods/a%22%3Cb", Query.parse(""));
    assertThat(Status.forbidden(odd, "u", "why").message())
        .isEqualTo(
            "pods \"a\\\"<b\" is forbidden: User \"u\" cannot get resource \"pods\" in API"
                + " group \"\" in the namespace \"n\\\"s\": why");
  }
}
