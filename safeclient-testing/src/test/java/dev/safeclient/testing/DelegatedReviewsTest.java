package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TokenReview and SubjectAccessReview on the wire, as a relay (or any webhook-authenticated server)
 * calls them: audiences bound to tokens, the caller's own right to create reviews, and the same
 * authorizer (node authorizer with its selector rule, then the rules) behind the SAR as behind
 * KubeSim's own requests.
 */
class DelegatedReviewsTest {
  static final String RELAY = "https://relay.example";
  static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
  static final String SARS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

  KubeSim sim;
  final OkHttpClient http = new OkHttpClient();

  @BeforeEach
  void start() {
    sim =
        KubeSim.builder()
            .serverVersion("1.32")
            .nodeAuthorizer(true)
            .user("relay-sa", "system:serviceaccount:relay:relay")
            .authDelegator("system:serviceaccount:relay:relay")
            .user("agent-n1", "system:node:n1")
            .tokenAudiences("agent-n1", RELAY)
            .user("kubelet-n1", "system:node:n1")
            .user("ops", "alice")
            .allow("alice", "get,list,watch", "deployments.apps")
            .build();
    sim.create("v1", "pods", Wire.pod("ns1", "a", "n1", null));
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  private Answer post(String token, String path, String body) throws IOException {
    try (Response r =
        http.newCall(
                new Request.Builder()
                    .url(sim.url() + path)
                    .header("Authorization", "Bearer " + token)
                    .post(RequestBody.create(body, MediaType.get("application/json")))
                    .build())
            .execute()) {
      return new Answer(r.code(), JsonParser.parseString(r.body().string()).getAsJsonObject());
    }
  }

  record Answer(int code, JsonObject json) {
    JsonObject status() {
      return json.getAsJsonObject("status");
    }
  }

  private static String tokenReview(String token, String audiences) {
    return "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\""
        + token
        + "\""
        + (audiences == null ? "" : ",\"audiences\":[\"" + audiences + "\"]")
        + "}}";
  }

  private static String sar(String user, String verb, String fieldSelector) {
    return "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{"
        + "\"user\":\""
        + user
        + "\",\"groups\":[\"system:nodes\",\"system:authenticated\"],"
        + "\"resourceAttributes\":{\"verb\":\""
        + verb
        + "\",\"version\":\"v1\",\"resource\":\"pods\""
        + (fieldSelector == null ? "" : ",\"fieldSelector\":" + fieldSelector)
        + "}}}";
  }

  @Test
  void aTokenBoundToTheRelaysAudienceAuthenticatesOnlyForIt() throws Exception {
    Answer a = post("relay-sa", TOKEN_REVIEWS, tokenReview("agent-n1", RELAY));
    assertThat(a.code()).isEqualTo(201);
    assertThat(a.json().get("kind").getAsString()).isEqualTo("TokenReview");
    JsonObject st = a.status();
    assertThat(st.get("authenticated").getAsBoolean()).isTrue();
    assertThat(st.getAsJsonObject("user").get("username").getAsString())
        .isEqualTo("system:node:n1");
    assertThat(st.getAsJsonObject("user").getAsJsonArray("groups").toString())
        .isEqualTo("[\"system:nodes\",\"system:authenticated\"]");
    assertThat(st.getAsJsonArray("audiences").toString()).isEqualTo("[\"" + RELAY + "\"]");

    // Without spec.audiences the review asks for the API server's own audience: refused.
    Answer own = post("relay-sa", TOKEN_REVIEWS, tokenReview("agent-n1", null));
    assertThat(own.code()).isEqualTo(201);
    assertThat(own.status().has("authenticated")).isFalse();
    assertThat(own.status().getAsJsonObject("user").size()).isZero();
    assertThat(own.status().get("error").getAsString())
        .isEqualTo(
            "[invalid bearer token, token audiences [\""
                + RELAY
                + "\"] is invalid for the target"
                + " audiences [\""
                + KubeSim.API_AUDIENCE
                + "\"]]");
    // Nor does it authenticate to KubeSim itself.
    try (Response r =
        http.newCall(
                new Request.Builder()
                    .url(sim.url() + "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1")
                    .header("Authorization", "Bearer agent-n1")
                    .build())
            .execute()) {
      assertThat(r.code()).isEqualTo(403);
    }
  }

  @Test
  void anApiServerTokenIsRefusedForTheRelaysAudienceAndUnknownTokensAreRefused() throws Exception {
    Answer api = post("relay-sa", TOKEN_REVIEWS, tokenReview("kubelet-n1", RELAY));
    assertThat(api.status().has("authenticated")).isFalse();
    Answer defaulted = post("relay-sa", TOKEN_REVIEWS, tokenReview("kubelet-n1", null));
    assertThat(defaulted.status().get("authenticated").getAsBoolean()).isTrue();
    assertThat(defaulted.status().getAsJsonArray("audiences").get(0).getAsString())
        .isEqualTo(KubeSim.API_AUDIENCE);

    Answer unknown = post("relay-sa", TOKEN_REVIEWS, tokenReview("no-such-token", RELAY));
    assertThat(unknown.status().has("authenticated")).isFalse();
    assertThat(unknown.status().get("error").getAsString()).isEqualTo("invalid bearer token");

    Answer empty = post("relay-sa", TOKEN_REVIEWS, tokenReview("", RELAY));
    assertThat(empty.code()).isEqualTo(400);
    assertThat(empty.json().get("message").getAsString())
        .isEqualTo("token is required for TokenReview in authentication");
  }

  @Test
  void theCallerMustBeAllowedToCreateReviews() throws Exception {
    Answer a = post("ops", TOKEN_REVIEWS, tokenReview("agent-n1", RELAY));
    assertThat(a.code()).isEqualTo(403);
    assertThat(a.json().get("message").getAsString())
        .isEqualTo(
            "tokenreviews.authentication.k8s.io is forbidden: User \"alice\" cannot create"
                + " resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster"
                + " scope");
    Answer s = post("ops", SARS, sar("system:node:n1", "list", null));
    assertThat(s.code()).isEqualTo(403);
    assertThat(sim.stats().tokenReviews()).isEqualTo(1);
    assertThat(sim.stats().subjectAccessReviews()).isEqualTo(1);
  }

  @Test
  void theReviewAnswersWithTheNodeAuthorizersSelectorRule() throws Exception {
    Answer own =
        post(
            "relay-sa",
            SARS,
            sar("system:node:n1", "list", "{\"rawSelector\":\"spec.nodeName=n1\"}"));
    assertThat(own.code()).isEqualTo(201);
    assertThat(own.status().get("allowed").getAsBoolean()).isTrue();
    assertThat(own.status().has("denied")).isFalse();

    Answer required =
        post(
            "relay-sa",
            SARS,
            sar(
                "system:node:n1",
                "watch",
                "{\"requirements\":[{\"key\":\"spec.nodeName\",\"operator\":\"In\",\"values\":[\"n1\"]}]}"));
    assertThat(required.status().get("allowed").getAsBoolean()).isTrue();

    for (String selector : new String[] {"{\"rawSelector\":\"spec.nodeName=n2\"}", null}) {
      Answer other = post("relay-sa", SARS, sar("system:node:n1", "list", selector));
      assertThat(other.status().get("allowed").getAsBoolean()).isFalse();
      assertThat(other.status().has("denied")).isFalse(); // no opinion, not a denial
      assertThat(other.status().get("reason").getAsString())
          .isEqualTo("can only list/watch pods with spec.nodeName field selector");
    }

    // A named pod, got or listed by name: the graph, only a pod bound to the node.
    for (String verb : new String[] {"get", "list"}) {
      for (String name : new String[] {"a", "b", "missing"}) {
        Answer named =
            post(
                "relay-sa",
                SARS,
                "{\"spec\":{\"user\":\"system:node:n1\",\"groups\":[\"system:nodes\","
                    + "\"system:authenticated\"],\"resourceAttributes\":{\"verb\":\""
                    + verb
                    + "\",\"version\":\"v1\",\"resource\":\"pods\",\"namespace\":\"ns1\","
                    + "\"name\":\""
                    + name
                    + "\"}}}");
        assertThat(named.status().get("allowed").getAsBoolean()).isEqualTo(name.equals("a"));
        if (!name.equals("a")) {
          assertThat(named.status().get("reason").getAsString())
              .isEqualTo("no relationship found between node 'n1' and this object");
        }
      }
    }

    Answer rbac =
        post(
            "relay-sa",
            SARS,
            "{\"spec\":{\"user\":\"alice\",\"groups\":[\"system:authenticated\"],"
                + "\"resourceAttributes\":{\"verb\":\"list\",\"group\":\"apps\","
                + "\"version\":\"v1\",\"resource\":\"deployments\",\"namespace\":\"ns1\"}}}");
    assertThat(rbac.status().get("allowed").getAsBoolean()).isTrue();

    Answer noUser =
        post(
            "relay-sa",
            SARS,
            "{\"spec\":{\"resourceAttributes\":{\"verb\":\"list\",\"resource\":\"pods\"}}}");
    assertThat(noUser.code()).isEqualTo(422);
    assertThat(noUser.json().get("message").getAsString())
        .isEqualTo(
            "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value:"
                + " \"\": at least one of user or group must be specified");
    assertThat(sim.stats().subjectAccessReviews()).isEqualTo(12);
  }
}
