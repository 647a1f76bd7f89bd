package dev.safeclient.informer;

import static dev.safeclient.informer.K8sJson.pod;
import static dev.safeclient.informer.K8sJson.podList;
import static dev.safeclient.informer.ReflectorWireTest.await;
import static dev.safeclient.model.testing.ScriptedApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.model.testing.ScriptedApiServer;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FactoryCloseTest {
  static Set<Thread> safeclientThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(
            t ->
                t.isAlive()
                    && (t.getName().startsWith("safeclient-informer")
                        || t.getName().startsWith("safeclient-timer")))
        .collect(Collectors.toSet());
  }

  @Test
  void closingTheFactoryEndsEveryThreadItStarted() throws Exception {
    Set<Thread> before = safeclientThreads();
    try (ScriptedApiServer api = new ScriptedApiServer(VirtualTimeSource.manual())) {
      api.then(json(200, podList("10", null, pod("a", "uid-a", "9"))));
      ApiClient base = new ApiClient();
      base.setBasePath(api.url());
      try (SafeClient safe =
          SafeClient.builder(base).userAgent("informer-test/1").nodeName(null).build()) {
        SafeInformerFactory factory = new SafeInformerFactory(safe);
        SharedIndexInformer<V1Pod> informer =
            factory.sharedIndexInformerFor(
                V1Pod.class,
                V1PodList.class,
                "",
                "v1",
                "pods",
                60_000,
                InformerOptions.builder().namespace("default").startJitter(Duration.ZERO).build());
        informer.addEventHandler(
            new ResourceEventHandler<>() {
              @Override
              public void onAdd(V1Pod obj) {}

              @Override
              public void onUpdate(V1Pod oldObj, V1Pod newObj) {}

              @Override
              public void onDelete(V1Pod obj, boolean unknown) {}
            });
        factory.startAllRegisteredInformers();
        await("synced", informer::hasSynced);
        Set<Thread> started = safeclientThreads();
        started.removeAll(before);
        // The reflector, the handler and the timer (resync).
        assertThat(started)
            .extracting(Thread::getName)
            .anyMatch(n -> n.startsWith("safeclient-informer-reflector"))
            .anyMatch(n -> n.startsWith("safeclient-informer-handler"))
            .anyMatch(n -> n.startsWith("safeclient-timer"));

        factory.close();

        for (Thread t : started) {
          t.join(10_000);
          assertThat(t.isAlive()).as(t.getName()).isFalse();
        }
      }
    }
  }
}
