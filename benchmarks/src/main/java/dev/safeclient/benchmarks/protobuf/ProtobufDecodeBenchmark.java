package dev.safeclient.benchmarks.protobuf;

import dev.safeclient.core.internal.protobuf.ProtobufCodec;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding a 5,000-pod LIST response into {@code V1PodList}: client-java's own JSON path (what
 * {@code ApiClient.deserialize} does: body to String, then its static Gson) against safeclient's
 * direct Protobuf decoder. Run with {@code -prof gc} for allocation per operation; the setup prints
 * the bytes of each corpus. Command: see benchmarks/results/protobuf.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// The property silences protobuf-java's pre-v22 gencode warning for the corpus writer in setup;
// it is set in this benchmark JVM only, never by the library.
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dcom.google.protobuf.use_unsafe_pre22_gencode=true"})
@Warmup(iterations = 4, time = 3)
@Measurement(iterations = 5, time = 3)
public class ProtobufDecodeBenchmark {
  @Param({"5000"})
  int pods;

  byte[] json;
  byte[] protobuf;
  ProtobufCodec codec;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    protobuf = PodListCorpus.protobuf(pods, true);
    json = PodListCorpus.json(pods, true);
    codec = new ProtobufCodec(null);
    int pbNoMf = PodListCorpus.protobuf(pods, false).length;
    int jsonNoMf = PodListCorpus.json(pods, false).length;
    System.out.printf(
        "%nwire bytes, %d pods: JSON %,d, Protobuf %,d (%.2fx); without managedFields:"
            + " JSON %,d, Protobuf %,d (%.2fx)%n",
        pods,
        json.length,
        protobuf.length,
        (double) protobuf.length / json.length,
        jsonNoMf,
        pbNoMf,
        (double) pbNoMf / jsonNoMf);
    V1PodList a = clientJavaJson();
    V1PodList b = safeclientProtobuf();
    if (a.getItems().size() != pods
        || !a.equals(b)
        || !a.equals(protobufViaJsonTree())
        || !a.equals(safeclientProtobufStream())) {
      throw new IllegalStateException("the two paths decode different lists");
    }
  }

  @Benchmark
  public V1PodList clientJavaJson() {
    return JSON.deserialize(new String(json, StandardCharsets.UTF_8), V1PodList.class);
  }

  @Benchmark
  public V1PodList safeclientProtobuf() throws Exception {
    return codec.decode(protobuf, V1PodList.class);
  }

  /**
   * What {@code SafeApiClient.deserialize} does for a Protobuf LIST body: the same decoder, read
   * from the body as a stream (8 KiB at a time) instead of from one array of the whole body.
   */
  @Benchmark
  public V1PodList safeclientProtobufStream() throws Exception {
    return codec.decode(new ByteArrayInputStream(protobuf), V1PodList.class);
  }

  /**
   * What a {@code GenericKubernetesApi} read costs over Protobuf: the body becomes a JSON tree,
   * which client-java's static Gson binds to the model.
   */
  @Benchmark
  public V1PodList protobufViaJsonTree() throws Exception {
    return JSON.getGson().fromJson(codec.toJsonTree(protobuf), V1PodList.class);
  }
}
