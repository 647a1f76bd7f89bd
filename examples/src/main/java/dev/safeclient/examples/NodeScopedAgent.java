package dev.safeclient.examples;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafetyWarning;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.model.time.TimeSource;
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
    SafeClient safe =
        SafeClient.builder(base)
            .userAgent(USER_AGENT)
            .nodeName(nodeName)
            .warningListener(warnings)
            .clock(clock)
            .build();
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
