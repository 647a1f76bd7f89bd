package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.pod;
import static dev.safeclient.informer.K8sJson.podList;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Error answers to the reflector's list and watch, read as the pipeline reads them. */
class ErrorAnswerWireTest {
  private final VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
  private ScriptedApiServer api;
  private SafeInformerFactory factory;

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.stopAllRegisteredInformers();
    }
    if (api != null) {
      api.close();
    }
  }

  private SharedIndexInformer<V1Pod> pods() throws IOException {
    api = new ScriptedApiServer(clock);
    ApiClient base = new ApiClient();
    base.setBasePath(api.url());
    SafeClient safe =
        SafeClient.builder(base).userAgent("informer-test/1").clock(clock).nodeName(null).build();
    factory =
        new SafeInformerFactory(
            safe,
            clock,
            new Random(7),
            WatchStreamFormat.jsonLines(ClientInternals.of(safe).tolerantJson()));
    return factory.sharedIndexInformerFor(
        V1Pod.class,
        V1PodList.class,
        "",
        "v1",
        "pods",
        0,
        InformerOptions.builder().namespace("default").startJitter(Duration.ZERO).build());
  }

  /** A Status that never ends: a proxy streaming garbage, or a server gone wrong. */
  private static MockResponse endlessError(int code) {
    return new MockResponse.Builder()
        .code(code)
        .addHeader("Content-Type", "application/json")
        .body(
            new MockResponseBody() {
              @Override
              public long getContentLength() {
                return -1;
              }

              @Override
              public void writeTo(BufferedSink sink) throws IOException {
                sink.writeUtf8("{\"kind\":\"Status\",\"code\":" + code + ",\"message\":\"");
                byte[] chunk = "x".repeat(8192).getBytes();
                while (true) {
                  // Ends when the client closes the connection.
                  sink.write(chunk);
                  sink.flush();
                }
              }
            })
        .build();
  }

  @Test
  void anEndlessErrorBodyIsNotReadWholeAndTheListIsRetried() throws Exception {
    SharedIndexInformer<V1Pod> informer = pods();
    api.then(endlessError(500)).then(json(200, podList("10", null, pod("a", "uid-a", "9"))));

    factory.startAllRegisteredInformers();

    ScriptedApiServer.Seen first = api.take();
    ScriptedApiServer.Seen retry = api.take();
    assertThat(retry.query()).isEqualTo(first.query()).isEqualTo("limit=500&resourceVersion=0");
    // Through the backoff, as any 500: the body was judged by its first 64 KiB only.
    assertThat(retry.atNanos()).isGreaterThan(first.atNanos());
    ReflectorWireTest.await("synced", informer::hasSynced);
    assertThat(informer.getIndexer().listKeys()).containsExactly("default/a");
  }
}
