package dev.safeclient.core.internal.rules;

import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.ListDecision;
import dev.safeclient.core.internal.server.ListDecider;

/**
 * SC101: a LIST from {@code apiClient()} with resourceVersion unset and no {@code limit}/{@code
 * continue}. Where the server reads it from etcd (up to 1.30, an old etcd, a disabled watch cache)
 * it loads every stored object of the resource, and selectors do not reduce it; from 1.31 the watch
 * cache serves it, and what it costs is bytes and seats on every call. ENFORCE rewrites it only
 * where that is cheaper on the server at hand (see {@code ListDecider}); STRICT rejects it. The
 * warning says what is true for the server at hand.
 */
public final class ConsistentListRule implements RequestRule {
  public static final String ID = "SC101";

  private final boolean allowStaleListReads;

  /**
   * @param allowStaleListReads whether ENFORCE reads at resourceVersion=0 instead
   */
  public ConsistentListRule(boolean allowStaleListReads) {
    this.allowStaleListReads = allowStaleListReads;
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public boolean rejectsInStrict() {
    return true;
  }

  /**
   * STRICT rejects the list where the server reads it from etcd, or where that is not known; where
   * the server serves it from the watch cache (1.31+ with a recent etcd) nothing cheaper exists, so
   * STRICT only warns, as ENFORCE does.
   */
  @Override
  public boolean rejectsInStrict(KubeRequest k) {
    ListDecision d = k.listDecision();
    return d == null
        || d.server().equals("unknown")
        || d.reason().equals(ListDecider.NOT_BUILT_IN)
        || d.fromEtcd();
  }

  /**
   * Only the safe default view: {@code consistentApiClient()} asked for consistency (SC102 pages it
   * where that helps) and the library's own calls chose their query on purpose.
   */
  public boolean applies(KubeRequest k) {
    return k.origin() == CallOrigin.USER && ListOptions.isPlainConsistentList(k);
  }

  @Override
  public String check(KubeRequest k, SafetyMode mode) {
    if (!applies(k)) {
      return null;
    }
    ListDecision d = k.listDecision();
    String gr = k.groupResource();
    String what;
    if (d == null || d.server().equals("unknown")) {
      what =
          "LIST without resourceVersion or limit: up to Kubernetes 1.30 it reads all stored "
              + gr
              + " from etcd (selectors do not reduce it); this server's version is not known";
    } else if (d.fromEtcd()) {
      what =
          "LIST without resourceVersion or limit reads all stored "
              + gr
              + " from etcd on this server ("
              + d.server()
              + "; selectors do not reduce it)";
    } else {
      what =
          "LIST without limit of "
              + gr
              + ": this server ("
              + d.server()
              + ") serves it from the watch cache, but every call sends every object"
              + " (bytes, up to 10 APF seats); repeated, an informer or a watch costs far less";
    }
    return switch (mode) {
      case OBSERVE ->
          d != null && d.fromEtcd()
              ? what + "; ENFORCE would serve it from the watch cache while the resource is busy"
              : what;
      case ENFORCE -> what + "; " + enforced(d);
      case STRICT ->
          rejectsInStrict(k)
              ? what
                  + "; use an informer, consistentApiClient() for a consistent read,"
                  + " or set resourceVersion"
              : what;
    };
  }

  private String enforced(ListDecision d) {
    if (d == null) {
      return "sent as it is";
    }
    return switch (d.action()) {
      case READ_FROM_CACHE -> "served from the watch cache instead, never older than a probe";
      case READ_FROM_CACHE_IF_BUSY ->
          "served from the watch cache instead if a probe's revision shows the resource busy,"
              + " else sent as it is";
      case READ_STALE -> "read at resourceVersion=0 instead (allowStaleListReads: may be stale)";
      case PAGE -> "paged";
      case PASS_THROUGH -> "sent as it is (" + d.reason() + ")";
    };
  }
}
