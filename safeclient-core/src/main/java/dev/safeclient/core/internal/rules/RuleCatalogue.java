package dev.safeclient.core.internal.rules;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.safeclient.core.SafeClientConfig;
import java.util.Comparator;
import java.util.List;

/**
 * The catalogue: every rule id in its stable order, and the per-request lint rules built for one
 * client. SC103 (Protobuf), SC202 (429s), SC203/SC204 (decoding) live with the links that detect
 * them; SC108 fires at build time and SC201 relays server headers.
 */
public final class RuleCatalogue {
  /** Every id, in catalogue order: the order of {@code UnsafeRequestException#ruleIds()}. */
  public static final List<String> IDS =
      List.of(
          "SC101", "SC102", "SC103", "SC104", "SC105", "SC106", "SC107", "SC108", "SC109", "SC201",
          "SC202", "SC203", "SC204");

  /** Orders rule ids as the catalogue does; unknown ids last. */
  public static final Comparator<String> ORDER =
      Comparator.comparingInt(id -> IDS.indexOf(id) < 0 ? Integer.MAX_VALUE : IDS.indexOf(id));

  private RuleCatalogue() {}

  /** The lint rules, in catalogue order, for one client. */
  public static List<RequestRule> requestRules(SafeClientConfig config, Ticker ticker) {
    return List.of(
        new ConsistentListRule(config.allowStaleListReads()),
        new UnpagedListRule(config),
        new WatchWithoutBookmarksRule(),
        new WatchWithoutTimeoutRule(),
        new NodeAgentPodsRule(config.nodeName()),
        new PollingListRule(ticker),
        new UnindexedFieldSelectorRule());
  }
}
