package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Authorization per identity (bearer token): RBAC-like rules and the node authorizer's selector
 * rule (nodeAuthorizer.authorizePod; AuthorizeNodeWithSelectors from 1.32), answered with the real
 * 403 Forbidden Status.
 */
class AuthorizationTest {
  KubeSim sim;
  final OkHttpClient http = new OkHttpClient();

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private Response get(String token, String pathAndQuery) throws Exception {
    return http.newCall(
            new Request.Builder()
                .url(sim.url() + pathAndQuery)
                .header("Authorization", "Bearer " + token)
                .build())
        .execute();
  }

  private KubeSim start(String version) {
    sim =
        KubeSim.builder()
            .serverVersion(version)
            .nodeAuthorizer(true)
            .user("kubelet-n1", "system:node:n1")
            .user("ops", "alice")
            .allow("alice", "get,list,watch", "deployments.apps")
            .build();
    sim.create("v1", "pods", Wire.pod("ns1", "a", "n1", null));
    sim.create("v1", "pods", Wire.pod("ns1", "b", "n2", null));
    return sim;
  }

  @Test
  void aNodeIdentityListsOnlyItsOwnNodesPodsOn132() throws Exception {
    start("1.32");
    try (Response r = get("kubelet-n1", "/api/v1/pods")) {
      assertThat(r.code()).isEqualTo(403);
      JsonObject s = JsonParser.parseString(r.body().string()).getAsJsonObject();
      assertThat(s.get("kind").getAsString()).isEqualTo("Status");
      assertThat(s.get("reason").getAsString()).isEqualTo("Forbidden");
      assertThat(s.get("code").getAsInt()).isEqualTo(403);
      assertThat(s.get("message").getAsString())
          .isEqualTo(
              "pods is forbidden: User \"system:node:n1\" cannot list resource \"pods\" in API"
                  + " group \"\" at the cluster scope: can only list/watch pods with"
                  + " spec.nodeName field selector");
      assertThat(s.getAsJsonObject("details").get("kind").getAsString()).isEqualTo("pods");
    }
    try (Response r = get("kubelet-n1", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn2")) {
      assertThat(r.code()).isEqualTo(403);
    }
    try (Response r = get("kubelet-n1", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1")) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).contains("\"name\":\"a\"").doesNotContain("\"name\":\"b\"");
    }
    try (Response r =
        get(
            "kubelet-n1",
            "/api/v1/pods?watch=true&timeoutSeconds=1&fieldSelector=spec.nodeName%3Dn1")) {
      assertThat(r.code()).isEqualTo(200);
    }
    try (Response r = get("kubelet-n1", "/api/v1/pods?watch=true&timeoutSeconds=1")) {
      assertThat(r.code()).isEqualTo(403);
    }
    // A single pod through the graph (podOnNode): only one bound to the node.
    try (Response r = get("kubelet-n1", "/api/v1/namespaces/ns1/pods/b")) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(
              JsonParser.parseString(r.body().string())
                  .getAsJsonObject()
                  .get("message")
                  .getAsString())
          .isEqualTo(
              "pods \"b\" is forbidden: User \"system:node:n1\" cannot get resource \"pods\" in API"
                  + " group \"\" in the namespace \"ns1\": no relationship found between node 'n1'"
                  + " and this object");
    }
    try (Response r =
        get("kubelet-n1", "/api/v1/namespaces/ns1/pods?fieldSelector=metadata.name%3Db")) {
      assertThat(r.code()).isEqualTo(403);
    }
    try (Response r = get("kubelet-n1", "/api/v1/namespaces/ns1/pods/a")) {
      assertThat(r.code()).isEqualTo(200);
    }
    try (Response r =
        get("kubelet-n1", "/api/v1/namespaces/ns1/pods?fieldSelector=metadata.name%3Da")) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).contains("\"name\":\"a\"");
    }
    // The forbidden list was admitted by APF first (WithAuthorization runs inside it).
    RequestLogEntry denied = sim.requestLog().get(0);
    assertThat(denied.code()).isEqualTo(403);
    assertThat(denied.identity()).isEqualTo("system:node:n1");
    assertThat(denied.seats()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void beforeAuthorizeNodeWithSelectorsAKubeletReadsEveryPod() throws Exception {
    start("1.31");
    try (Response r = get("kubelet-n1", "/api/v1/pods")) {
      assertThat(r.code()).isEqualTo(200);
    }
  }

  @Test
  void rbacLikeRulesByVerbAndResource() throws Exception {
    start("1.34");
    try (Response r = get("ops", "/apis/apps/v1/namespaces/ns1/deployments")) {
      assertThat(r.code()).isEqualTo(200);
    }
    try (Response r = get("ops", "/api/v1/namespaces/ns1/pods")) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.body().string())
          .contains(
              "pods is forbidden: User \\\"alice\\\" cannot list resource \\\"pods\\\" in API"
                  + " group \\\"\\\" in the namespace \\\"ns1\\\"");
    }
    try (Response r = get("nobody", "/apis/apps/v1/namespaces/ns1/deployments")) {
      assertThat(r.code()).isEqualTo(403);
    }
  }
}
