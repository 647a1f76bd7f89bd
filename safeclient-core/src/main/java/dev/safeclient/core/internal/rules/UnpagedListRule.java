package dev.safeclient.core.internal.rules;

import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.ListDecision;

/**
 * SC102: a consistent LIST without {@code limit} that the server reads from etcd (up to 1.30, an
 * old etcd, a disabled watch cache), the heaviest request there is: it holds every object in
 * apiserver memory at once. ENFORCE and STRICT page it (see {@code ListPager}): the caller still
 * gets one whole list, so paging changes nothing it sees and is applied silently. OBSERVE warns
 * that it went out unpaged. Where the server serves the list from its watch cache, paging would
 * cost more, and it passes.
 *
 * <p>It covers {@code consistentApiClient()}, and {@code apiClient()} when SC101 is only observed.
 */
public final class UnpagedListRule implements RequestRule {
  public static final String ID = "SC102";

  private final SafeClientConfig config;

  public UnpagedListRule(SafeClientConfig config) {
    this.config = config;
  }

  @Override
  public String id() {
    return ID;
  }

  /**
   * Warns only for {@code consistentApiClient()}, and only where the list is read from etcd: on
   * {@code apiClient()} SC101 already reports the same request.
   */
  @Override
  public String check(KubeRequest k, SafetyMode mode) {
    ListDecision d = k.listDecision();
    if (mode != SafetyMode.OBSERVE
        || k.origin() != CallOrigin.USER_CONSISTENT
        || d == null
        || !d.fromEtcd()) {
      return null;
    }
    return "consistent LIST without limit read from etcd on this server ("
        + d.server()
        + ") went out unpaged; ENFORCE would page it with limit="
        + config.listPageSize()
        + " and hand back one list";
  }
}
