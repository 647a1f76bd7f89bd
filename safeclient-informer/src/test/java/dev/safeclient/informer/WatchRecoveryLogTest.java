package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.bookmark;
import static dev.safeclient.informer.K8sJson.podList;
import static dev.safeclient.informer.ReflectorWireTest.await;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.informer.internal.SafeSharedIndexInformer;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The recovery line is logged when the outage is over, that is at the first event or bookmark of a
 * watch that has outlived a short one, not when that watch ends 5-10 minutes later.
 */
class WatchRecoveryLogTest {
  private final VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofHours(1));
  private final CountDownLatch secondBookmark = new CountDownLatch(1);
  private final CountDownLatch end = new CountDownLatch(1);
  private ScriptedApiServer api;
  private SafeInformerFactory factory;

  @AfterEach
  void tearDown() {
    end.countDown();
    secondBookmark.countDown();
    if (factory != null) {
      factory.stopAllRegisteredInformers();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void aResumedWatchEndsTheOutageAtItsFirstBookmarkPastOneSecond() throws Exception {
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
    api.then(json(200, podList("10", null)));
    api.then(json(500, "{\"kind\":\"Status\",\"code\":500,\"message\":\"etcd unavailable\"}"));
    api.then(r -> twoBookmarks());
    SafeSharedIndexInformer<V1Pod> informer =
        (SafeSharedIndexInformer<V1Pod>)
            factory.sharedIndexInformerFor(
                V1Pod.class,
                V1PodList.class,
                "",
                "v1",
                "pods",
                0,
                InformerOptions.builder().namespace("default").startJitter(Duration.ZERO).build());
    factory.startAllRegisteredInformers();

    assertThat(api.take().param("watch")).isNull();
    assertThat(api.take().param("watch")).isEqualTo("true"); // answered 500
    ScriptedApiServer.Seen resumed = api.take();
    assertThat(resumed.param("resourceVersion")).isEqualTo("10");
    await("the first bookmark", () -> "11".equals(informer.lastSyncResourceVersion()));
    assertThat(informer.reflector().failuresInRow())
        .as("a bookmark in a watch's first second does not end the outage")
        .isEqualTo(1);

    clock.advance(Duration.ofSeconds(2));
    secondBookmark.countDown();
    await("the second bookmark", () -> "12".equals(informer.lastSyncResourceVersion()));
    await("recovered", () -> informer.reflector().failuresInRow() == 0);
    assertThat(factory.health(informer).orElseThrow().watchConnected())
        .as("logged while the resumed watch is still open")
        .isTrue();
  }

  /** A healthy watch: a bookmark at once, another when the test says, then open and quiet. */
  private MockResponse twoBookmarks() {
    return new MockResponse.Builder()
        .code(200)
        .setHeader("Content-Type", "application/json")
        .body(
            new MockResponseBody() {
              @Override
              public long getContentLength() {
                return -1;
              }

              @Override
              public void writeTo(BufferedSink sink) throws IOException {
                sink.writeUtf8(bookmark("11"));
                sink.flush();
                try {
                  secondBookmark.await();
                  sink.writeUtf8(bookmark("12"));
                  sink.flush();
                  end.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            })
        .build();
  }
}
