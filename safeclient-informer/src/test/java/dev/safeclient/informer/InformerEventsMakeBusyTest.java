package dev.safeclient.informer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.model.time.VirtualTimeSource;
import dev.safeclient.testing.KubeSim;
import dev.safeclient.testing.RequestLogEntry;
import dev.safeclient.testing.ResourceType;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On 1.30 a consistent list is read from etcd, and SC101 reads it from the watch cache instead only
 * for a resource this process saw change. A {@link SafeInformerFactory} informer's watch events are
 * such a sighting: after one, the caller's list of that resource is probed and read not-older-than
 * from the cache; with the informer synced but no event since, it goes out as is.
 */
class InformerEventsMakeBusyTest {
  private static final ResourceType PODS = ResourceType.namespaced("", "v1", "pods", "Pod");
  private KubeSim sim;
  private SafeInformerFactory factory;

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  private static String pod(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\"ns-0\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
        + "\"busybox\"}]}}";
  }

  /** The caller's own pod list, after the informer synced; returns the requests it made. */
  private List<String> callersList(boolean eventFirst) throws Exception {
    sim = KubeSim.builder().serverVersion("1.30").clock(VirtualTimeSource.manual()).build();
    for (int i = 0; i < 20; i++) {
      sim.create(PODS, pod("p-" + i));
    }
    VirtualTimeSource clock = VirtualTimeSource.autoAdvancingFor(Duration.ofDays(1));
    SafeClient safe =
        SafeClient.builder(sim.apiClient())
            .userAgent("informer-test/1")
            .clock(clock)
            .mode(SafetyMode.ENFORCE)
            .nodeName(null)
            .serverVersion("1.30")
            .build();
    factory = new SafeInformerFactory(safe);
    SharedIndexInformer<V1Pod> pods =
        factory.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder().startJitter(Duration.ZERO).build());
    factory.startAllRegisteredInformers();
    ReflectorWireTest.await(
        "synced and watching", () -> pods.hasSynced() && sim.stats().watchesOpen() == 1);
    if (eventFirst) {
      sim.create(PODS, pod("made-by-someone-else"));
      ReflectorWireTest.await(
          "the informer saw the ADDED event",
          () -> pods.getIndexer().getByKey("ns-0/made-by-someone-else") != null);
    }
    long from = sim.requestLog().get(sim.requestLog().size() - 1).sequence();

    new CoreV1Api(safe.apiClient()).listNamespacedPod("ns-0").execute();

    return sim.requestLog().stream()
        .filter(e -> e.sequence() > from)
        .map(RequestLogEntry::requestLine)
        .filter(l -> !l.contains("watch="))
        .toList();
  }

  @Test
  void afterTheInformerSawAnEventTheCallersListIsReadFromTheWatchCache() throws Exception {
    List<String> requests = callersList(true);

    assertThat(requests).hasSize(2);
    assertThat(requests.get(0)).isEqualTo("GET /api/v1/namespaces/ns-0/pods?limit=1");
    assertThat(requests.get(1))
        .matches(
            "GET /api/v1/namespaces/ns-0/pods\\?resourceVersion=\\d+"
                + "&resourceVersionMatch=NotOlderThan");
  }

  @Test
  void withoutAnEventSinceTheInformersListTheCallersListGoesOutAsIs() throws Exception {
    List<String> requests = callersList(false);

    assertThat(requests).containsExactly("GET /api/v1/namespaces/ns-0/pods");
  }
}
