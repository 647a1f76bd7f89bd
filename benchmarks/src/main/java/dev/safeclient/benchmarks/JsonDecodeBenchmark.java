package dev.safeclient.benchmarks;

import dev.safeclient.core.internal.json.TolerantJson;
import dev.safeclient.model.testdata.KubeApiTestdata;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding one fully populated Pod (the 1.37 fixture): client-java's strict JSON against
 * safeclient's tolerant one, on a body both can read and on the server's own body with fields
 * client-java does not know (client-java throws there).
 *
 * <p>Run: {@code java -cp <benchmarks classpath> org.openjdk.jmh.Main JsonDecodeBenchmark}, with
 * {@code -Dsafeclient.testdata=testdata} from the repository root.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonDecodeBenchmark {
  private final TolerantJson tolerant = new TolerantJson(null);
  private String serverPod;
  private String knownFieldsPod;

  @Setup
  public void load() throws IOException {
    Path dir = KubeApiTestdata.head();
    serverPod = Files.readString(dir.resolve("core.v1.Pod.json"));
    // The same pod without the fields client-java 27 does not know, so that both can read it.
    knownFieldsPod =
        JSON.serialize(tolerant.decode(new StringReader(serverPod), V1Pod.class, null));
  }

  @Benchmark
  public V1Pod clientJavaKnownFields() {
    return JSON.deserialize(knownFieldsPod, V1Pod.class);
  }

  @Benchmark
  public V1Pod tolerantKnownFields() throws IOException {
    return tolerant.decode(new StringReader(knownFieldsPod), V1Pod.class, null);
  }

  @Benchmark
  public V1Pod tolerantServerBody() throws IOException {
    return tolerant.decode(new StringReader(serverPod), V1Pod.class, null);
  }

  @Benchmark
  public String tolerantEncodeWithUnknownFields() throws IOException {
    return tolerant.encode(tolerant.decode(new StringReader(serverPod), V1Pod.class, null));
  }
}
