package dev.safeclient.benchmarks;

import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import dev.safeclient.testing.KubeSim;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Bytes allocated per decoded pod: the same list of pods as KubeSim answers it in Protobuf, decoded
 * by safeclient's {@link ProtobufCodec}, and in JSON, decoded by client-java's own {@code JSON}
 * (from the body as a string, as its {@code ApiClient.deserialize} reads it). Counted by the JVM
 * per thread ({@code com.sun.management.ThreadMXBean}), on this thread only: exact, and not timed.
 */
public final class DecodeAllocation {
  /** Decodes before counting: the first ones build the decoders' own tables. */
  static final int WARM_UP = 3;

  static final int ROUNDS = 5;

  private DecodeAllocation() {}

  /** Bytes allocated per pod, JSON (client-java) and Protobuf (safeclient), the fewest of a few. */
  public record PerPod(long json, long protobuf, int pods) {
    public double ratio() {
      return protobuf / (double) json;
    }
  }

  /** Lists the pods of one namespace in both encodings and decodes each a few times. */
  public static PerPod measure(KubeSim sim, ApiClient client, String namespace) throws IOException {
    String path = "/api/v1/namespaces/" + namespace + "/pods";
    byte[] pb = body(sim, client, path, ProtobufCodec.MEDIA_TYPE);
    String json = new String(body(sim, client, path, "application/json"), StandardCharsets.UTF_8);
    ProtobufCodec codec = new ProtobufCodec(null);
    int pods = 0;
    long jsonBytes = Long.MAX_VALUE;
    long pbBytes = Long.MAX_VALUE;
    for (int i = 0; i < WARM_UP + ROUNDS; i++) {
      long a = allocated();
      V1PodList fromJson = JSON.deserialize(json, V1PodList.class);
      long b = allocated();
      V1PodList fromProtobuf = codec.decode(pb, V1PodList.class);
      long c = allocated();
      if (fromJson.getItems().size() != fromProtobuf.getItems().size()) {
        throw new IllegalStateException("the two encodings hold different lists");
      }
      pods = fromJson.getItems().size();
      if (i >= WARM_UP) {
        jsonBytes = Math.min(jsonBytes, b - a);
        pbBytes = Math.min(pbBytes, c - b);
      }
    }
    if (pods == 0) {
      throw new IllegalStateException("no pods in " + namespace);
    }
    return new PerPod(jsonBytes / pods, pbBytes / pods, pods);
  }

  private static byte[] body(KubeSim sim, ApiClient client, String path, String accept)
      throws IOException {
    Request list = new Request.Builder().url(sim.url() + path).header("Accept", accept).build();
    try (Response r = client.getHttpClient().newCall(list).execute()) {
      if (!r.isSuccessful() || r.body() == null) {
        throw new IOException("list of pods answered " + r.code());
      }
      return r.body().bytes();
    }
  }

  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }
}
