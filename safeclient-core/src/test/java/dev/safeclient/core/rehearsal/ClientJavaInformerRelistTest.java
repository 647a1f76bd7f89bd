package dev.safeclient.core.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import okhttp3.HttpUrl;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * client-java's own {@link SharedInformerFactory} on {@code safe.apiClient()}: after an in-stream
 * ERROR 410 it relists with {@code resourceVersion=""}. On 1.30, for a busy resource, SC101
 * rewrites that list; the rewrite must replace the empty parameter, never add a second one.
 */
class ClientJavaInformerRelistTest {
  private final VirtualTimeSource simClock = VirtualTimeSource.manual();
  // A frozen pacing clock: the pods stay "just changed" for SC101 while the informer relists.
  private final VirtualTimeSource pacing = VirtualTimeSource.autoAdvancing();
  private KubeSim sim;
  private SharedInformerFactory factory;

  @AfterEach
  void stop() {
    if (factory != null) {
      factory.stopAllRegisteredInformers(true);
    }
    if (sim != null) {
      sim.close();
    }
  }

  private static String pod(String ns, String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\""
        + ns
        + "\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
  }

  private static void await(BooleanSupplier condition, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(30)).until(condition::getAsBoolean);
  }

  @Test
  void theEmptyRvRelistAfterAnInStream410SucceedsThroughTheRewrite() throws Exception {
    sim =
        KubeSim.builder()
            .serverVersion("1.30")
            .clock(simClock)
            .eventWindow(Duration.ofSeconds(75))
            .build();
    sim.create("v1", "pods", pod("ns1", "a"));
    SafeClient safe =
        SafeClient.builder(sim.apiClient())
            .mode(SafetyMode.ENFORCE)
            .userAgent("relist-test/1.0")
            .clock(pacing)
            .build();
    CoreV1Api api = new CoreV1Api(safe.apiClient());
    factory = new SharedInformerFactory(safe.apiClient());
    SharedIndexInformer<V1Pod> inf =
        factory.sharedIndexInformerFor(
            params ->
                api.listNamespacedPod("ns1")
                    .resourceVersion(params.resourceVersion)
                    .timeoutSeconds(params.timeoutSeconds)
                    .watch(params.watch)
                    .buildCall(null),
            V1Pod.class,
            V1PodList.class);
    factory.startAllRegisteredInformers();
    await(inf::hasSynced, "sync");
    await(() -> sim.stats().watchesOpen() == 1, "the watch");

    // Writes the informer does not watch move the pods' event window past its RV; the re-watch
    // gets an ERROR 410 and client-java relists with resourceVersion="".
    sim.create("v1", "pods", pod("ns2", "x"));
    simClock.advance(Duration.ofSeconds(80));
    sim.create("v1", "pods", pod("ns2", "y"));
    ClientInternals.of(safe).resourceActivity().changed("pods");
    sim.closeWatches();

    await(() -> sim.stats().requests("list", "pods") >= 3, "a relist (probe and read)");
    sim.create("v1", "pods", pod("ns1", "b"));
    await(
        () -> inf.getIndexer().list().stream().anyMatch(p -> "b".equals(p.getMetadata().getName())),
        "pod b in the informer");
    assertThat(inf.getIndexer().list())
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("a", "b");
    boolean rewritten = false;
    for (RequestLogEntry e : sim.requestLog()) {
      String line = e.requestLine();
      HttpUrl url = HttpUrl.parse("http://sim" + line.substring(line.indexOf(' ') + 1));
      for (String name : url.queryParameterNames()) {
        assertThat(url.queryParameterValues(name)).as(line).hasSize(1);
      }
      assertThat(e.code()).as(line).isLessThan(400);
      rewritten |= "NotOlderThan".equals(url.queryParameter("resourceVersionMatch"));
    }
    assertThat(rewritten).as("SC101 rewrote the empty-RV relist: %s", sim.requestLog()).isTrue();
  }
}
