package dev.safeclient.core.rules;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.request.CallOrigin;
import dev.safeclient.core.request.KubeRequest;

/**
 * SC101: a LIST from {@code apiClient()} with resourceVersion unset and no {@code limit}/{@code
 * continue}. Up to Kubernetes 1.30 that is a consistent read of every stored object of the resource
 * from etcd, and selectors do not reduce it. ENFORCE keeps the consistent meaning but moves the
 * read to the watch cache (see {@code ListRewriteInterceptor}); STRICT rejects it.
 */
public final class ConsistentListRule implements RequestRule {
  public static final String ID = "SC101";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public boolean rejectsInStrict() {
    return true;
  }

  /**
   * Only the safe default view: {@code consistentApiClient()} asked for consistency (SC102 pages
   * it) and the library's own calls chose their query on purpose.
   */
  public boolean applies(KubeRequest k) {
    return k.origin() == CallOrigin.USER && ListOptions.isPlainConsistentList(k);
  }

  @Override
  public String check(KubeRequest k, SafetyMode mode) {
    if (!applies(k)) {
      return null;
    }
    String what =
        "LIST without resourceVersion or limit reads all stored "
            + k.groupResource()
            + " from etcd (selectors do not reduce it)";
    return switch (mode) {
      case OBSERVE -> what + "; ENFORCE would serve it from the watch cache, never older";
      case ENFORCE -> what + "; served from the watch cache instead, never older than a probe";
      case STRICT ->
          what
              + "; use an informer, consistentApiClient() for a paged consistent read,"
              + " or set resourceVersion";
    };
  }
}
