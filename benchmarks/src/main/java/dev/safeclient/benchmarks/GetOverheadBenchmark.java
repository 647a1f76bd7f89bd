package dev.safeclient.benchmarks;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.testing.NoDelayServerSockets;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the safety pipeline adds to one GET: plain {@code ApiClient} vs {@code SafeClient} with an
 * unlimited budget, both against the same loopback MockWebServer, in one run. Read the p0.50 rows:
 * target under 5% added median latency.
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar GetOverheadBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
public class GetOverheadBenchmark {
  static final String POD =
      "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p1\",\"namespace\":"
          + "\"default\",\"resourceVersion\":\"7\",\"labels\":{\"app\":\"web\"}},\"spec\":"
          + "{\"nodeName\":\"node-1\",\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.27\"}]},"
          + "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.7\"}}";

  MockWebServer server;
  CoreV1Api plain;
  CoreV1Api safe;

  @Setup(Level.Trial)
  public void start() throws IOException {
    server = new MockWebServer();
    server.setServerSocketFactory(new NoDelayServerSockets());
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder()
                .code(200)
                .addHeader("Content-Type", "application/json")
                .body(POD)
                .build();
          }
        });
    server.start();
    String url = server.url("/").toString().replaceAll("/$", "");
    ApiClient plainClient = new ApiClient();
    plainClient.setBasePath(url);
    plain = new CoreV1Api(plainClient);
    ApiClient base = new ApiClient();
    base.setBasePath(url);
    SafeClient client =
        SafeClient.builder(base)
            .userAgent("get-overhead-benchmark")
            // An unlimited budget: the benchmark measures the pipeline, not the pacing.
            .qps(1e9)
            .burst(Integer.MAX_VALUE / 1000)
            .listCostPerSecond(1e9)
            .maxInFlight(10_000)
            .build();
    safe = new CoreV1Api(client.apiClient());
  }

  @TearDown(Level.Trial)
  public void stop() {
    server.close();
  }

  @Benchmark
  public V1Pod plainApiClient() throws Exception {
    return plain.readNamespacedPod("p1", "default").execute();
  }

  @Benchmark
  public V1Pod safeApiClient() throws Exception {
    return safe.readNamespacedPod("p1", "default").execute();
  }
}
