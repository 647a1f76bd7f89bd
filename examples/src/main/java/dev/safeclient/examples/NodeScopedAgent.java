package dev.safeclient.examples;

import dev.safeclient.core.RelayRoute;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The node agent written the safe way: a shared informer on its own node's pods ({@code
 * spec.nodeName} field selector, served from the watch cache's node index), with start jitter (the
 * default when the node name is known) and bookmarks. It lists once and then only watches.
 */
final class NodeScopedAgent implements AutoCloseable {
  static final String USER_AGENT = "fleet-node-agent/1.0";

  private final SafeInformerFactory factory;
  private final SharedIndexInformer<V1Pod> pods;

  /**
   * @param clock the rehearsal's one timeline (KubeSim's too), for the client and its informers;
   *     shared by all agents of one JVM: one timer thread instead of one per agent
   */
  NodeScopedAgent(
      ApiClient base, String nodeName, TimeSource clock, Consumer<SafetyWarning> warnings) {
    this(base, nodeName, clock, warnings, null, pod -> {});
  }

  /**
   * @param relay where the agent reads its pods from instead of the API server; null: direct
   * @param updated each pod update the agent's handler sees
   */
  NodeScopedAgent(
      ApiClient base,
      String nodeName,
      TimeSource clock,
      Consumer<SafetyWarning> warnings,
      RelayRoute relay,
      Consumer<V1Pod> updated) {
    SafeClient.Builder client =
        SafeClient.builder(base)
            .userAgent(USER_AGENT)
            .nodeName(nodeName)
            .warningListener(warnings)
            .clock(clock);
    if (relay != null) {
      client.relay(relay);
    }
    SafeClient safe = client.build();
    this.factory = new SafeInformerFactory(safe, clock);
    this.pods =
        factory.sharedIndexInformerFor(
            V1Pod.class,
            V1PodList.class,
            "",
            "v1",
            "pods",
            0,
            InformerOptions.builder().fieldSelector("spec.nodeName=" + nodeName).build());
    pods.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod pod) {}

          @Override
          public void onUpdate(V1Pod old, V1Pod pod) {
            updated.accept(pod);
          }

          @Override
          public void onDelete(V1Pod pod, boolean finalStateUnknown) {}
        });
    factory.startAllRegisteredInformers();
  }

  boolean synced() {
    return pods.hasSynced();
  }

  /** The pods this agent sees on its node. */
  List<V1Pod> pods() {
    return pods.getIndexer().list();
  }

  @Override
  public void close() {
    factory.stopAllRegisteredInformers();
  }
}
