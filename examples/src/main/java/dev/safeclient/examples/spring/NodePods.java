package dev.safeclient.examples.spring;

import dev.safeclient.spring.DeclaredInformers;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The pods of this node, read from the informer's cache: no request reaches the API server when
 * {@code /pods} is called.
 */
@RestController
public class NodePods {
  private static final Logger log = LoggerFactory.getLogger(NodePods.class);
  private final Lister<V1Pod> pods;

  public NodePods(DeclaredInformers informers) {
    // The name given in application.yaml (safeclient.informers[0].name).
    SharedIndexInformer<V1Pod> informer = informers.informer("node-pods");
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod pod) {
            log.info("pod on this node: {}", pod.getMetadata().getName());
          }

          @Override
          public void onUpdate(V1Pod oldPod, V1Pod newPod) {}

          @Override
          public void onDelete(V1Pod pod, boolean deletedFinalStateUnknown) {
            log.info("pod left this node: {}", pod.getMetadata().getName());
          }
        });
    this.pods = new Lister<>(informer.getIndexer());
  }

  @GetMapping("/pods")
  public List<String> pods() {
    return pods.list().stream()
        .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
        .sorted()
        .toList();
  }
}
