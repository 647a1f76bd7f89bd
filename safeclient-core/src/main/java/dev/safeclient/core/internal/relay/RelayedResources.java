package dev.safeclient.core.internal.relay;

import dev.safeclient.core.internal.request.KubeRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The resources a relay serves, as {@code group/version/plural}, and which requests it may answer:
 * GET, LIST and WATCH of the resource itself. Never a subresource ({@code pods/log}, {@code
 * pods/status}): the relay serves objects from its cache, and a subresource is another answer.
 */
final class RelayedResources {
  private final Set<String> keys;

  RelayedResources(List<String> groupVersionPlurals) {
    Set<String> k = new HashSet<>();
    for (String r : groupVersionPlurals) {
      String[] parts = r.split("/");
      k.add(parts.length == 2 ? key("", parts[0], parts[1]) : key(parts[0], parts[1], parts[2]));
    }
    this.keys = Set.copyOf(k);
  }

  boolean routes(KubeRequest request) {
    return request.verb().isSafeRead()
        && request.subresource() == null
        && request.resource() != null
        && keys.contains(
            key(
                request.group() == null ? "" : request.group(),
                request.version(),
                request.resource()));
  }

  private static String key(String group, String version, String resource) {
    return group + "/" + version + "/" + resource;
  }
}
