package dev.safeclient.core.rules;

import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.request.CallOrigin;
import dev.safeclient.core.request.KubeRequest;

/**
 * SC102: a consistent LIST without {@code limit}, the heaviest request there is. ENFORCE and STRICT
 * page it (see {@code ListPager}): the caller still gets one whole list, so paging changes nothing
 * it sees and is applied silently. OBSERVE warns that it went out unpaged.
 *
 * <p>It covers {@code consistentApiClient()}, and {@code apiClient()} when SC101 is only observed
 * (otherwise SC101 turns the list into a watch-cache read, or rejects it).
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

  public boolean applies(KubeRequest k) {
    if (!ListOptions.isPlainConsistentList(k)) {
      return false;
    }
    return k.origin() == CallOrigin.USER_CONSISTENT
        || (k.origin() == CallOrigin.USER
            && config.modeFor(ConsistentListRule.ID) == SafetyMode.OBSERVE);
  }

  /**
   * Warns only for {@code consistentApiClient()}: on {@code apiClient()} SC101 already reports the
   * same request.
   */
  @Override
  public String check(KubeRequest k, SafetyMode mode) {
    if (mode != SafetyMode.OBSERVE || k.origin() != CallOrigin.USER_CONSISTENT || !applies(k)) {
      return null;
    }
    return "consistent LIST without limit went out unpaged; ENFORCE would page it with limit="
        + config.listPageSize()
        + " and hand back one list";
  }
}
