package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.ProtoClient;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;
import java.util.Arrays;
import okhttp3.Request;
import okhttp3.Response;
import okio.BufferedSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Protobuf answers: objects, lists, error Statuses and length-framed watch streams. */
class ProtobufWireTest {
  static final String ACCEPT = "application/vnd.kubernetes.protobuf, application/json";
  KubeSim sim;

  @BeforeEach
  void start() {
    sim = KubeSim.builder().build();
    sim.create("v1", "pods", Wire.pod("ns1", "a", "node-1", "{\"app\":\"web\"}"));
    sim.create("v1", "pods", Wire.pod("ns1", "b", null, null));
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  Response call(String path, String accept) throws Exception {
    return Wire.HTTP
        .newCall(new Request.Builder().url(sim.url() + path).header("Accept", accept).build())
        .execute();
  }

  @Test
  void objectsListsAndStatusesAreProtobufWhenAskedFor() throws Exception {
    try (Response r = call("/api/v1/namespaces/ns1/pods/a", ACCEPT)) {
      assertThat(r.header("Content-Type")).isEqualTo("application/vnd.kubernetes.protobuf");
      ProtobufFixturesTest.Envelope e = ProtobufFixturesTest.unwrap(r.body().bytes());
      assertThat(e.apiVersion() + " " + e.kind()).isEqualTo("v1 Pod");
      V1.Pod pod = V1.Pod.parseFrom(e.raw());
      assertThat(pod.getMetadata().getName()).isEqualTo("a");
      assertThat(pod.getSpec().getNodeName()).isEqualTo("node-1");
      assertThat(pod.getMetadata().getLabelsMap()).containsEntry("app", "web");
      assertThat(pod.getMetadata().getCreationTimestamp().getSeconds()).isPositive();
    }
    try (Response r = call("/api/v1/pods?limit=1", ACCEPT)) {
      ProtobufFixturesTest.Envelope e = ProtobufFixturesTest.unwrap(r.body().bytes());
      assertThat(e.kind()).isEqualTo("PodList");
      V1.PodList list = V1.PodList.parseFrom(e.raw());
      assertThat(list.getItemsList())
          .extracting(p -> p.getMetadata().getName())
          .containsExactly("a");
      assertThat(list.getMetadata().getContinue()).isNotEmpty();
      assertThat(list.getMetadata().getResourceVersion())
          .isEqualTo(Long.toString(sim.resourceVersion()));
    }
    // "Error replies follow the request's Accept header."
    try (Response r = call("/api/v1/namespaces/ns1/pods/missing", ACCEPT)) {
      assertThat(r.code()).isEqualTo(404);
      byte[] body = r.body().bytes();
      assertThat(Arrays.copyOf(body, 4)).isEqualTo(ProtobufEncoding.MAGIC);
      Meta.Status s = Meta.Status.parseFrom(ProtobufFixturesTest.unwrap(body).raw());
      assertThat(s.getCode()).isEqualTo(404);
      assertThat(s.getReason()).isEqualTo("NotFound");
    }
    // JSON when JSON comes first, and for CRDs: "CRDs ... do not speak Protobuf".
    try (Response r =
        call(
            "/api/v1/namespaces/ns1/pods/a",
            "application/json, application/vnd.kubernetes.protobuf")) {
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }
    sim.register(ResourceType.namespaced("example.com", "v1", "widgets", "Widget"));
    try (Response r = call("/apis/example.com/v1/namespaces/ns1/widgets", ACCEPT)) {
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }
  }

  // A client nobody here wrote: client-java's ProtoClient decodes KubeSim's Protobuf.
  @Test
  void clientJavasProtoClientReadsIt() throws Exception {
    ProtoClient pc = new ProtoClient(sim.apiClient());
    ProtoClient.ObjectOrStatus<V1.PodList> list =
        pc.list(V1.PodList.newBuilder(), "/api/v1/namespaces/ns1/pods");
    assertThat(list.object.getItemsList())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a", "b");
    ProtoClient.ObjectOrStatus<V1.Pod> missing =
        pc.get(V1.Pod.newBuilder(), "/api/v1/namespaces/ns1/pods/missing");
    assertThat(missing.status.getCode()).isEqualTo(404);
  }

  // "Watch over Protobuf frames each event as a 4-byte big-endian length, then a raw WatchEvent
  // ... object is a RawExtension whose raw is magic + Unknown of the object."
  @Test
  void watchStreamsAreLengthFramed() throws Exception {
    long rv = sim.resourceVersion();
    try (Response w =
        call(
            "/api/v1/pods?watch=true&resourceVersion=" + (rv - 1),
            "application/vnd.kubernetes.protobuf;stream=watch")) {
      assertThat(w.header("Content-Type")).startsWith("application/vnd.kubernetes.protobuf");
      BufferedSource s = w.body().source();
      int length = s.readInt();
      Meta.WatchEvent ev = Meta.WatchEvent.parseFrom(s.readByteArray(length));
      assertThat(ev.getType()).isEqualTo("ADDED");
      ProtobufFixturesTest.Envelope e =
          ProtobufFixturesTest.unwrap(ev.getObject().getRaw().toByteArray());
      assertThat(V1.Pod.parseFrom(e.raw()).getMetadata().getName()).isEqualTo("b");
      new Wire(sim).delete("/api/v1/namespaces/ns1/pods/b");
      ev = Meta.WatchEvent.parseFrom(s.readByteArray(s.readInt()));
      assertThat(ev.getType()).isEqualTo("DELETED");
    }
  }
}
