package dev.safeclient.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cross-checks with a client nobody here wrote: client-java 27's CoreV1Api and its
 * SharedInformerFactory against KubeSim, asserting what K8S-API-FACTS ("What the official Java
 * client does") predicts.
 */
class ClientJavaCrossCheckTest {
  VirtualTimeSource clock = VirtualTimeSource.manual();
  KubeSim sim;
  SharedInformerFactory factory;

  @AfterEach
  void stop() {
    if (factory != null) {
      factory.stopAllRegisteredInformers(true);
    }
    if (sim != null) {
      sim.close();
    }
  }

  static V1Pod pod(String ns, String name) {
    return new V1Pod()
        .metadata(new V1ObjectMeta().name(name).namespace(ns))
        .spec(new V1PodSpec().addContainersItem(new V1Container().name("c").image("busybox")));
  }

  static void await(BooleanSupplier condition, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(20)).until(condition::getAsBoolean);
  }

  SharedIndexInformer<V1Pod> informer(ApiClient client, String namespace) {
    CoreV1Api api = new CoreV1Api(client);
    factory = new SharedInformerFactory(client);
    return factory.sharedIndexInformerFor(
        params ->
            api.listNamespacedPod(namespace)
                .resourceVersion(params.resourceVersion)
                .timeoutSeconds(params.timeoutSeconds)
                .watch(params.watch)
                .buildCall(null),
        V1Pod.class,
        V1PodList.class);
  }

  @Test
  void coreV1ApiVerbsRoundTrip() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").clock(clock).build();
    CoreV1Api api = new CoreV1Api(sim.apiClient());
    V1Pod created = api.createNamespacedPod("ns1", pod("ns1", "a")).execute();
    assertThat(created.getMetadata().getUid()).isNotBlank();
    assertThat(created.getMetadata().getCreationTimestamp()).isNotNull();
    V1Pod read = api.readNamespacedPod("a", "ns1").execute();
    assertThat(read.getMetadata().getResourceVersion())
        .isEqualTo(created.getMetadata().getResourceVersion());
    read.getMetadata().putLabelsItem("x", "y");
    V1Pod updated = api.replaceNamespacedPod("a", "ns1", read).execute();
    assertThat(updated.getMetadata().getLabels()).containsEntry("x", "y");
    // Replaying the stale object is a 409 Conflict.
    assertThatThrownBy(() -> api.replaceNamespacedPod("a", "ns1", read).execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    V1PodList list = api.listPodForAllNamespaces().execute();
    assertThat(list.getItems()).extracting(p -> p.getMetadata().getName()).containsExactly("a");
    assertThat(list.getMetadata().getResourceVersion())
        .isEqualTo(updated.getMetadata().getResourceVersion());
    V1Pod deleted = api.deleteNamespacedPod("a", "ns1").execute();
    assertThat(deleted.getMetadata().getName()).isEqualTo("a");
    assertThatThrownBy(() -> api.readNamespacedPod("a", "ns1").execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    assertThat(sim.stats().requests("update", "pods")).isEqualTo(2);
  }

  // "The informer lists with RV "0" first and never sends limit. With the watch cache disabled,
  // that is a full unpaged etcd read."
  @Test
  void theInformerSyncsWithAnRv0ListFromTheCacheOrAFullEtcdReadWithoutIt() throws Exception {
    for (boolean cache : new boolean[] {true, false}) {
      KubeSim.Builder b = KubeSim.builder().namespaces("ns1").clock(clock);
      if (!cache) {
        b.watchCacheDisabled("pods");
      }
      sim = b.build();
      for (int i = 0; i < 30; i++) {
        sim.create("v1", "pods", Wire.pod("ns1", "p" + i, null, null));
      }
      SharedIndexInformer<V1Pod> inf = informer(sim.apiClient(), "ns1");
      factory.startAllRegisteredInformers();
      await(inf::hasSynced, "sync");
      assertThat(inf.getIndexer().list()).hasSize(30);
      await(() -> sim.stats().watchesOpen() == 1, "the watch");
      KubeSimStats s = sim.stats();
      assertThat(s.requests("list", "pods")).isEqualTo(1);
      if (cache) {
        assertThat(s.objectsReadFromStorage()).isZero();
        assertThat(s.objectsServedFromCache()).isEqualTo(30);
      } else {
        assertThat(s.objectsReadFromStorage()).isEqualTo(30);
      }
      factory.stopAllRegisteredInformers(true);
      factory = null;
      sim.close();
    }
    sim = null;
  }

  @Test
  void theInformerSeesCreateUpdateAndDeleteEvents() throws Exception {
    sim = KubeSim.builder().namespaces("ns1").clock(clock).build();
    SharedIndexInformer<V1Pod> inf = informer(sim.apiClient(), "ns1");
    List<String> events = new CopyOnWriteArrayList<>();
    inf.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod obj) {
            events.add("add " + obj.getMetadata().getName());
          }

          @Override
          public void onUpdate(V1Pod oldObj, V1Pod newObj) {
            events.add(
                "update "
                    + newObj.getMetadata().getName()
                    + " "
                    + newObj.getMetadata().getLabels());
          }

          @Override
          public void onDelete(V1Pod obj, boolean deletedFinalStateUnknown) {
            events.add("delete " + obj.getMetadata().getName());
          }
        });
    factory.startAllRegisteredInformers();
    await(inf::hasSynced, "sync");
    await(() -> sim.stats().watchesOpen() == 1, "the watch");
    CoreV1Api api = new CoreV1Api(sim.apiClient());
    V1Pod p = api.createNamespacedPod("ns1", pod("ns1", "a")).execute();
    p.getMetadata().putLabelsItem("v", "2");
    api.replaceNamespacedPod("a", "ns1", p).execute();
    api.deleteNamespacedPod("a", "ns1").execute();
    await(() -> events.size() == 3, "3 events, got " + events);
    assertThat(events).containsExactly("add a", "update a {v=2}", "delete a");
  }

  // "An ERROR event with a 410 Status ... Then relist." The watch ends; client-java re-watches
  // from its last RV, which the event window has dropped: an ERROR 410 event, then a relist.
  @Test
  void theInformerRelistsAfterA410() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .clock(clock)
            .eventWindow(Duration.ofSeconds(75))
            .build();
    sim.create("v1", "pods", Wire.pod("ns1", "a", null, null));
    SharedIndexInformer<V1Pod> inf = informer(sim.apiClient(), "ns1");
    factory.startAllRegisteredInformers();
    await(inf::hasSynced, "sync");
    await(() -> sim.stats().watchesOpen() == 1, "the watch");
    // Writes the informer does not watch (another namespace) move the pods' event window on.
    sim.create("v1", "pods", Wire.pod("ns2", "x", null, null));
    clock.advance(Duration.ofSeconds(80));
    sim.create("v1", "pods", Wire.pod("ns2", "y", null, null));
    sim.closeWatches();
    await(() -> sim.stats().requests("list", "pods") == 2, "a relist");
    await(() -> sim.stats().watchesOpen() == 1, "a new watch");
    assertThat(sim.stats().requests("watch", "pods"))
        .isGreaterThanOrEqualTo(3); // 1st, the 410, the new one
    assertThat(inf.getIndexer().list())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("a");
  }

  // "A watch stream that ends empty is re-opened at once, in a hot loop."
  @Test
  void clientJavasEmptyStreamHotLoopShowsInStats() throws Exception {
    sim =
        KubeSim.builder()
            .namespaces("ns1")
            .clock(clock)
            .faults(
                FaultScript.builder()
                    .add(
                        FaultRule.during(Duration.ZERO, Duration.ofHours(1))
                            .verb("watch")
                            .inject(Fault.emptyWatch()))
                    .build())
            .build();
    SharedIndexInformer<V1Pod> inf = informer(sim.apiClient(), "ns1");
    factory.startAllRegisteredInformers();
    await(inf::hasSynced, "sync");
    // A client that waited even the fixed 1 s between attempts would need 200 s for this; the
    // hot loop gets there in well under the 20 s the wait allows, even on a loaded machine.
    await(() -> sim.stats().requests("watch", "pods") >= 200, "200 empty watches");
    factory.stopAllRegisteredInformers(true);
    factory = null;
    KubeSimStats s = sim.stats();
    assertThat(s.requests("list", "pods")).isEqualTo(1); // it never relists: it just re-watches
    assertThat(s.peakRequestsPerSecond()).isGreaterThan(10);
  }
}
