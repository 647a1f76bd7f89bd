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
 * K8S-API-FACTS: an aggregated API (metrics-server) ignores limit and returns no resourceVersion;
 * CRDs and aggregated APIs do not speak Protobuf; the aggregator answers 503 while it is down.
 */
class AggregatedApiTest {
  static final ResourceType POD_METRICS =
      ResourceType.namespaced("metrics.k8s.io", "v1beta1", "pods", "PodMetrics");

  KubeSim sim;
  final OkHttpClient http = new OkHttpClient();

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  private Response get(String pathAndQuery) throws Exception {
    return http.newCall(
            new Request.Builder()
                .url(sim.url() + pathAndQuery)
                .header("Accept", "application/vnd.kubernetes.protobuf, application/json")
                .build())
        .execute();
  }

  @Test
  void ignoresLimitReturnsNoResourceVersionAndAnswersJsonOnly() throws Exception {
    sim = KubeSim.builder().serverVersion("1.34").aggregatedApi(POD_METRICS).build();
    for (int i = 0; i < 5; i++) {
      sim.create(
          POD_METRICS,
          "{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"p" + i + "\"},\"containers\":[]}");
    }
    sim.resetStats();
    try (Response r = get("/apis/metrics.k8s.io/v1beta1/namespaces/ns1/pods?limit=2")) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      JsonObject list = JsonParser.parseString(r.body().string()).getAsJsonObject();
      assertThat(list.getAsJsonArray("items")).hasSize(5);
      assertThat(list.getAsJsonObject("metadata").has("resourceVersion")).isFalse();
      assertThat(list.getAsJsonObject("metadata").has("continue")).isFalse();
    }
    try (Response r = get("/apis/metrics.k8s.io/v1beta1/namespaces/ns1/pods?watch=true")) {
      assertThat(r.code()).isEqualTo(405);
    }
    assertThat(sim.stats().objectsReadFromStorage()).isZero();
    assertThat(sim.requestLog().get(0).servedFrom()).isEqualTo("extension-apiserver");
    assertThat(sim.requestLog().get(0).seats()).isEqualTo(1);

    sim.aggregatedApiDown("metrics.k8s.io", true);
    try (Response r = get("/apis/metrics.k8s.io/v1beta1/namespaces/ns1/pods")) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header("Content-Type")).startsWith("text/plain");
      assertThat(r.body().string()).isEqualTo("service unavailable\n");
    }
    // Built-in resources are unaffected.
    try (Response r = get("/api/v1/namespaces/ns1/pods")) {
      assertThat(r.code()).isEqualTo(200);
    }
    sim.aggregatedApiDown("metrics.k8s.io", false);
    try (Response r = get("/apis/metrics.k8s.io/v1beta1/namespaces/ns1/pods/p1")) {
      assertThat(r.code()).isEqualTo(200);
    }
  }
}
