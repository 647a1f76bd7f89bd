package dev.safeclient.informer;

import dev.safeclient.core.SafeClient;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.SharedIndexInformer;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A drop-in for client-java's {@code SharedInformerFactory}: the same informer, lister and handler
 * types, with a reflector that is gentle on the control plane. TODO(issue 5): implementation.
 */
public class SafeInformerFactory {
  private final SafeClient client;

  public SafeInformerFactory(SafeClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  public <T extends KubernetesObject, L extends KubernetesListObject>
      SharedIndexInformer<T> sharedIndexInformerFor(
          Class<T> type,
          Class<L> listType,
          String group,
          String version,
          String plural,
          long resyncMillis,
          InformerOptions options) {
    throw new UnsupportedOperationException("issue 5");
  }

  public void startAllRegisteredInformers() {
    throw new UnsupportedOperationException("issue 5");
  }

  public void stopAllRegisteredInformers() {
    throw new UnsupportedOperationException("issue 5");
  }

  /** The health of every registered informer. */
  public Collection<InformerHealth> health() {
    return List.of();
  }
}
