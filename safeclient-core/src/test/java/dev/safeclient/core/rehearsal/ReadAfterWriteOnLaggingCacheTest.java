package dev.safeclient.core.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SC101's reason to exist, against a 2-apiserver KubeSim whose second watch cache lags: a client
 * that writes through one apiserver and lists through the other must still see its write. A plain
 * {@code resourceVersion=0} list there goes back in time; the safe client's probe-then-NotOlderThan
 * read does not.
 */
class ReadAfterWriteOnLaggingCacheTest {
  private final VirtualTimeSource clock = VirtualTimeSource.manual();
  private KubeSim sim;

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  /** A client whose every request goes to one simulated apiserver. */
  private ApiClient pinnedTo(int apiserver) {
    ApiClient c = new ApiClient();
    c.setBasePath(sim.url());
    c.addDefaultHeader("X-KubeSim-Apiserver", Integer.toString(apiserver));
    return c;
  }

  private void createThroughApiserver0(String name) throws Exception {
    new CoreV1Api(pinnedTo(0))
        .createNamespacedPod(
            "ns1",
            new V1Pod()
                .apiVersion("v1")
                .kind("Pod")
                .metadata(new V1ObjectMeta().name(name).namespace("ns1"))
                .spec(new V1PodSpec().containers(List.of(new V1Container().name("c").image("i")))))
        .execute();
  }

  private static List<String> names(io.kubernetes.client.openapi.models.V1PodList list) {
    return list.getItems().stream().map(p -> p.getMetadata().getName()).toList();
  }

  @Test
  void aPlainRv0ListMissesTheWriteButTheSafeListSeesIt() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .apiservers(2)
            .clock(clock)
            .cacheLag(1, Duration.ofSeconds(30))
            .cacheWait(Duration.ofMillis(100))
            .build();
    createThroughApiserver0("fresh");

    // The stale-tolerant form others default to: served by apiserver 1's lagging cache.
    List<String> plainRv0 =
        names(new CoreV1Api(pinnedTo(1)).listPodForAllNamespaces().resourceVersion("0").execute());
    assertThat(plainRv0).as("RV=0 on a lagging cache goes back in time").doesNotContain("fresh");

    // The same caller's intent ("list pods", RV unset) through the safe client, ENFORCE: probe,
    // NotOlderThan on the lagging cache answers 504 ResourceVersionTooLarge, then a consistent
    // read.
    SafeClient safe =
        SafeClient.builder(pinnedTo(1))
            .mode(SafetyMode.ENFORCE)
            .userAgent("read-after-write/1")
            .build();
    List<String> safeList =
        names(new CoreV1Api(safe.apiClient()).listPodForAllNamespaces().execute());

    assertThat(safeList).containsExactly("fresh");
  }

  @Test
  void onAFreshCacheTheSafeListIsServedFromTheCacheNotStorage() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .apiservers(2)
            .clock(clock)
            .cacheLag(1, Duration.ofSeconds(30))
            .build();
    for (int i = 0; i < 20; i++) {
      createThroughApiserver0("p" + i);
    }
    SafeClient safe =
        SafeClient.builder(pinnedTo(0)).mode(SafetyMode.ENFORCE).userAgent("fresh/1").build();
    // Up to 1.30 SC101 rewrites only a resource this process saw change (here, just written).
    ClientInternals.of(safe).resourceActivity().changed("pods");
    sim.resetStats();

    List<String> listed =
        names(new CoreV1Api(safe.apiClient()).listPodForAllNamespaces().execute());

    assertThat(listed).hasSize(20);
    // The probe reads one key from storage (limit=1); the list itself comes from the cache.
    assertThat(sim.stats().objectsReadFromStorage()).isLessThanOrEqualTo(2);
    assertThat(sim.stats().objectsServedFromCache()).isGreaterThanOrEqualTo(20);
  }
}
