package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.safeclient.model.time.VirtualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Objects and verbs: what a real apiserver stamps and checks on writes. */
class ObjectsTest {
  VirtualTimeSource clock = VirtualTimeSource.manual();
  KubeSim sim;
  Wire wire;

  @BeforeEach
  void start() {
    sim = KubeSim.builder().namespaces("ns1").clock(clock).build();
    wire = new Wire(sim);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  @Test
  void createStampsUidCreationTimestampAndAGlobalMonotonicResourceVersion() throws Exception {
    Wire.Reply a = wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "a", null, null));
    Wire.Reply cm =
        wire.post(
            "/api/v1/namespaces/ns1/configmaps",
            "{\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"v\"}}");
    assertThat(a.code).isEqualTo(201);
    assertThat(cm.code).isEqualTo(201);
    JsonObject meta = a.json().getAsJsonObject("metadata");
    assertThat(meta.get("uid").getAsString()).matches("[0-9a-f-]{36}");
    assertThat(meta.get("creationTimestamp").getAsString()).isEqualTo("2026-01-01T00:00:00Z");
    // A 1.30 pod has no generation: podStrategy sets one only from 1.33 (StoredFormTest).
    assertThat(meta.has("generation")).isFalse();
    long rvPod = Long.parseLong(meta.get("resourceVersion").getAsString());
    long rvCm =
        Long.parseLong(cm.json().getAsJsonObject("metadata").get("resourceVersion").getAsString());
    assertThat(rvCm).isGreaterThan(rvPod); // one RV sequence across resources
    assertThat(cm.json().get("kind").getAsString()).isEqualTo("ConfigMap");
    assertThat(
            wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "a", null, null))
                .json()
                .get("reason")
                .getAsString())
        .isEqualTo("AlreadyExists");
  }

  @Test
  void generateNameGivesAFreshName() throws Exception {
    Wire.Reply r =
        wire.post(
            "/api/v1/namespaces/ns1/pods",
            "{\"metadata\":{\"generateName\":\"web-\"},\"spec\":{}}");
    assertThat(r.code).isEqualTo(201);
    assertThat(r.json().getAsJsonObject("metadata").get("name").getAsString())
        .startsWith("web-")
        .hasSize(9);
  }

  @Test
  void updateWithAStaleResourceVersionIs409() throws Exception {
    JsonObject created =
        wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "a", null, null)).json();
    String rv1 = created.getAsJsonObject("metadata").get("resourceVersion").getAsString();
    JsonObject next = created.deepCopy();
    next.getAsJsonObject("spec").addProperty("activeDeadlineSeconds", 5);
    Wire.Reply ok = wire.put("/api/v1/namespaces/ns1/pods/a", next.toString());
    assertThat(ok.code).isEqualTo(200);
    // Spec changes bump a generation only where the kind has one (StoredFormTest); a 1.30 pod
    // has none.
    assertThat(ok.json().getAsJsonObject("metadata").has("generation")).isFalse();
    assertThat(ok.json().getAsJsonObject("metadata").get("uid").getAsString())
        .isEqualTo(created.getAsJsonObject("metadata").get("uid").getAsString());
    // The same body again carries rv1, now stale.
    Wire.Reply stale = wire.put("/api/v1/namespaces/ns1/pods/a", next.toString());
    assertThat(stale.code).isEqualTo(409);
    assertThat(stale.json().get("reason").getAsString()).isEqualTo("Conflict");
    assertThat(rv1)
        .isNotEqualTo(ok.json().getAsJsonObject("metadata").get("resourceVersion").getAsString());
  }

  @Test
  void mergePatchMergesMapsAndRemovesNulls() throws Exception {
    wire.post(
        "/api/v1/namespaces/ns1/configmaps",
        "{\"metadata\":{\"name\":\"c\",\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"data\":{\"k\":\"v\"}}");
    Wire.Reply r =
        wire.mergePatch(
            "/api/v1/namespaces/ns1/configmaps/c",
            "{\"metadata\":{\"labels\":{\"b\":null,\"c\":\"3\"}},\"data\":{\"k2\":\"v2\"}}");
    assertThat(r.code).isEqualTo(200);
    assertThat(r.json().getAsJsonObject("metadata").getAsJsonObject("labels").toString())
        .isEqualTo("{\"a\":\"1\",\"c\":\"3\"}");
    assertThat(r.json().getAsJsonObject("data").keySet()).containsExactly("k", "k2");
  }

  @Test
  void deletingAScheduledPodIsGracefulUnlessGracePeriodIsZero() throws Exception {
    wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "scheduled", "node-1", null));
    wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "forced", "node-1", null));
    wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "pending", null, null));

    // A deferred delete answers 200 with the object (handlers/delete.go: 202 only with
    // orphanDependents=false).
    Wire.Reply graceful = wire.delete("/api/v1/namespaces/ns1/pods/scheduled");
    assertThat(graceful.code).isEqualTo(200);
    JsonObject meta = graceful.json().getAsJsonObject("metadata");
    assertThat(meta.get("deletionTimestamp").getAsString()).isEqualTo("2026-01-01T00:00:30Z");
    assertThat(meta.get("deletionGracePeriodSeconds").getAsLong()).isEqualTo(30);
    assertThat(wire.get("/api/v1/namespaces/ns1/pods/scheduled").code).isEqualTo(200);

    assertThat(wire.delete("/api/v1/namespaces/ns1/pods/forced", "{\"gracePeriodSeconds\":0}").code)
        .isEqualTo(200);
    assertThat(wire.get("/api/v1/namespaces/ns1/pods/forced").code).isEqualTo(404);
    assertThat(wire.delete("/api/v1/namespaces/ns1/pods/pending").code).isEqualTo(200);
    assertThat(wire.get("/api/v1/namespaces/ns1/pods/pending").code).isEqualTo(404);

    // The simulated kubelet removes the pod once the grace period has passed.
    clock.advance(Duration.ofSeconds(31));
    sim.apiserver(0).catchUp();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (wire.get("/api/v1/namespaces/ns1/pods/scheduled").code != 404
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(wire.get("/api/v1/namespaces/ns1/pods/scheduled").code).isEqualTo(404);
  }

  @Test
  void deletePreconditionOnResourceVersionIs409() throws Exception {
    wire.post("/api/v1/namespaces/ns1/configmaps", "{\"metadata\":{\"name\":\"c\"}}");
    Wire.Reply r =
        wire.delete(
            "/api/v1/namespaces/ns1/configmaps/c",
            "{\"preconditions\":{\"resourceVersion\":\"1\"}}");
    assertThat(r.code).isEqualTo(409);
  }

  @Test
  void finalizersHoldADeletedObjectUntilRemoved() throws Exception {
    wire.post(
        "/api/v1/namespaces/ns1/configmaps",
        "{\"metadata\":{\"name\":\"c\",\"finalizers\":[\"x/y\"]}}");
    // Deferred by its finalizer: 200 with the object, as handlers/delete.go answers it.
    Wire.Reply deferred = wire.delete("/api/v1/namespaces/ns1/configmaps/c");
    assertThat(deferred.code).isEqualTo(200);
    assertThat(deferred.json().get("kind").getAsString()).isEqualTo("ConfigMap");
    assertThat(
            wire.get("/api/v1/namespaces/ns1/configmaps/c")
                .json()
                .getAsJsonObject("metadata")
                .has("deletionTimestamp"))
        .isTrue();
    wire.mergePatch("/api/v1/namespaces/ns1/configmaps/c", "{\"metadata\":{\"finalizers\":null}}");
    assertThat(wire.get("/api/v1/namespaces/ns1/configmaps/c").code).isEqualTo(404);
  }

  @Test
  void deleteCollectionDeletesTheSelectedAndReadsEveryObjectUnderThePrefix() throws Exception {
    for (int i = 0; i < 10; i++) {
      sim.create(
          "v1",
          "configmaps",
          "{\"metadata\":{\"name\":\"c"
              + i
              + "\",\"namespace\":\"ns1\",\"labels\":{\"even\":\""
              + (i % 2 == 0)
              + "\"}}}");
    }
    sim.resetStats();
    Wire.Reply r = wire.delete("/api/v1/namespaces/ns1/configmaps?labelSelector=even%3Dtrue");
    assertThat(r.code).isEqualTo(200);
    assertThat(r.names()).hasSize(5);
    assertThat(sim.count(sim.resource("v1", "configmaps"))).isEqualTo(5);
    assertThat(sim.stats().objectsReadFromStorage()).isEqualTo(10);
    assertThat(sim.stats().requests("deletecollection", "configmaps")).isEqualTo(1);
  }

  @Test
  void clusterScopedAndRegisteredCustomResources() throws Exception {
    assertThat(wire.post("/api/v1/nodes", "{\"metadata\":{\"name\":\"node-1\"}}").code)
        .isEqualTo(201);
    assertThat(wire.get("/api/v1/nodes/node-1").json().getAsJsonObject("metadata").has("namespace"))
        .isFalse();
    assertThat(wire.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"team-a\"}}").code)
        .isEqualTo(201);
    assertThat(wire.get("/api/v1/namespaces/team-a").code).isEqualTo(200);

    assertThat(wire.get("/apis/example.com/v1/namespaces/ns1/widgets").code).isEqualTo(404);
    sim.register(ResourceType.namespaced("example.com", "v1", "widgets", "Widget"));
    assertThat(
            wire.post(
                    "/apis/example.com/v1/namespaces/ns1/widgets",
                    "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
                        + "\"metadata\":{\"name\":\"w\"},\"spec\":{\"size\":3}}")
                .code)
        .isEqualTo(201);
    Wire.Reply list = wire.get("/apis/example.com/v1/widgets");
    assertThat(list.json().get("kind").getAsString()).isEqualTo("WidgetList");
    assertThat(list.names()).containsExactly("w");
    assertThat(wire.get("/apis/apps/v1/namespaces/ns1/deployments").code)
        .isEqualTo(200); // built-in
  }

  @Test
  void statsCountRequestsByVerbResourceAndUserAgentAndBytes() throws Exception {
    wire.post("/api/v1/namespaces/ns1/pods", Wire.pod("ns1", "a", null, null));
    wire.get("/api/v1/namespaces/ns1/pods/a");
    wire.get("/api/v1/pods");
    KubeSimStats s = sim.stats();
    assertThat(s.requests("create", "pods")).isEqualTo(1);
    assertThat(s.requests("get", "pods")).isEqualTo(1);
    assertThat(s.requests("list", "pods")).isEqualTo(1);
    assertThat(s.requestsByUserAgent()).containsEntry("okhttp/5.4.0", 3L);
    assertThat(s.requests("list", "pods", "okhttp/5.4.0")).isEqualTo(1);
    assertThat(s.bytesSent()).isGreaterThan(100);
    assertThat(s.peakRequestsPerSecond()).isGreaterThanOrEqualTo(1);
    assertThat(s.requestsByApiserver()).containsEntry(0, 3L);
  }
}
