package dev.safeclient.model.serving;

import dev.safeclient.model.KubeProtoSchemas;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The group/versions whose resources a kube-apiserver release serves itself, derived from that
 * release's vendored {@code generated.proto} files: every Protobuf package of {@code k8s.io/api}
 * (and the aggregator's {@code apiregistration}), one per group/version. Anything else a server
 * answers comes from a CustomResourceDefinition or an aggregated API, which SC101's probe and
 * SC102's pages must not assume to behave like the apiserver's own storage (metrics -server ignores
 * {@code limit} and sends no resourceVersion).
 *
 * <p>Left out: alpha versions (never served unless a flag turns them on), the {@code extensions}
 * group (its last resource was removed in 1.22; {@code k8s.io/api} keeps the types for old
 * clients), {@code apidiscovery} (the discovery document, not a resource), and the webhook payloads
 * {@code admission} and {@code imagepolicy}, which no server serves. The CRD API itself ({@code
 * apiextensions.k8s.io/v1}) is served by kube-apiserver's own apiextensions server, whose types are
 * not among the vendored files. A removed beta version whose types {@code k8s.io/api} still carries
 * (batch/v1beta1, policy/v1beta1, ...) is left out for the releases that no longer serve it ({@link
 * #REMOVED}).
 *
 * <p>Beta versions added since 1.24 are off by default (networking.k8s.io/v1beta1's ServiceCIDR,
 * resource.k8s.io/v1beta1, ...) but are the apiserver's own storage where a cluster turns them on;
 * they count as served. Where they are off, the path answers 404 to any request alike.
 */
public final class BuiltInApis {
  private static final Map<Integer, Set<String>> BY_MINOR = new ConcurrentHashMap<>();
  private static final Map<Integer, Set<String>> GROUPS_BY_MINOR = new ConcurrentHashMap<>();

  private static final Pattern ALPHA = Pattern.compile("v\\d+alpha\\d+");

  /**
   * Beta group/versions {@code k8s.io/api} still carries after the apiserver stopped serving them:
   * the minor release that removed them, and the one that served the group/version again with new
   * types (off by default), or 0. From each type's {@code +k8s:prerelease-lifecycle-gen:removed}
   * tag ({@code zz_generated.prerelease-lifecycle.go}) and the Kubernetes deprecation guide.
   */
  static final Map<String, int[]> REMOVED =
      Map.ofEntries(
          Map.entry("apps/v1beta1", new int[] {16, 0}),
          Map.entry("apps/v1beta2", new int[] {16, 0}),
          Map.entry("apiregistration.k8s.io/v1beta1", new int[] {22, 0}),
          Map.entry("authorization.k8s.io/v1beta1", new int[] {22, 0}),
          Map.entry("certificates.k8s.io/v1beta1", new int[] {22, 33}),
          Map.entry("coordination.k8s.io/v1beta1", new int[] {22, 33}),
          Map.entry("networking.k8s.io/v1beta1", new int[] {22, 31}),
          Map.entry("rbac.authorization.k8s.io/v1beta1", new int[] {22, 0}),
          Map.entry("scheduling.k8s.io/v1beta1", new int[] {22, 0}),
          Map.entry("autoscaling/v2beta1", new int[] {25, 0}),
          Map.entry("batch/v1beta1", new int[] {25, 0}),
          Map.entry("discovery.k8s.io/v1beta1", new int[] {25, 0}),
          Map.entry("events.k8s.io/v1beta1", new int[] {25, 0}),
          Map.entry("node.k8s.io/v1beta1", new int[] {25, 0}),
          Map.entry("policy/v1beta1", new int[] {25, 0}),
          Map.entry("autoscaling/v2beta2", new int[] {26, 0}),
          Map.entry("flowcontrol.apiserver.k8s.io/v1beta1", new int[] {26, 0}),
          Map.entry("storage.k8s.io/v1beta1", new int[] {27, 31}),
          Map.entry("flowcontrol.apiserver.k8s.io/v1beta2", new int[] {29, 0}),
          Map.entry("flowcontrol.apiserver.k8s.io/v1beta3", new int[] {32, 0}));

  private BuiltInApis() {}

  /**
   * Whether a server of this version serves {@code group/version} from its own storage; {@code
   * group} is {@code ""} for the core group.
   */
  public static boolean servesFromOwnStorage(ServerVersion server, String group, String version) {
    return groupVersions(server.minor()).contains(groupVersion(group, version));
  }

  /**
   * Whether the kube-apiserver serves {@code group} itself on a server of this version, or, when
   * the version is not known (null), on any release modelled: its 503s speak of the apiserver, not
   * of a backend, and it speaks Protobuf. A non-resource path (null group) is the apiserver's own.
   */
  public static boolean isApiServersOwnGroup(ServerVersion server, String group) {
    if (group == null) {
      return true;
    }
    if (server != null) {
      return ownGroups(server.minor()).contains(group);
    }
    for (int minor = ServerVersion.OLDEST_MINOR; minor <= ServerVersion.NEWEST_MINOR; minor++) {
      if (ownGroups(minor).contains(group)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The groups of release {@code 1.<minor>}'s {@code k8s.io/api}, alpha-only ones included: where a
   * flag turns an alpha version on, the apiserver serves it itself (its 503s, its Protobuf), and
   * where it is off, the path answers 404 whatever was asked.
   */
  private static Set<String> ownGroups(int minor) {
    return GROUPS_BY_MINOR.computeIfAbsent(
        minor,
        m -> {
          ServerVersion.ofMinor(m); // rejects a release that is not modelled
          Set<String> groups = new TreeSet<>();
          groups.add("apiextensions.k8s.io");
          for (String pkg : KubeProtoSchemas.packages("1." + m)) {
            String gv = fromPackage(pkg, true);
            if (gv != null) {
              groups.add(gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "");
            }
          }
          return Set.copyOf(groups);
        });
  }

  /** Whether a server of this version serves any version of {@code group} from its own storage. */
  public static boolean servesGroup(ServerVersion server, String group) {
    String g = group == null ? "" : group;
    return groupVersions(server.minor()).stream()
        .anyMatch(gv -> g.isEmpty() ? !gv.contains("/") : gv.startsWith(g + "/"));
  }

  /** {@code "v1"}, {@code "apps/v1"}, ... of release {@code 1.<minor>}, sorted. */
  public static Set<String> groupVersions(int minor) {
    return BY_MINOR.computeIfAbsent(minor, BuiltInApis::derive);
  }

  private static Set<String> derive(int minor) {
    ServerVersion.ofMinor(minor); // rejects a release that is not modelled
    Set<String> gvs = new TreeSet<>();
    gvs.add("apiextensions.k8s.io/v1");
    for (String pkg : KubeProtoSchemas.packages("1." + minor)) {
      String gv = fromPackage(pkg);
      if (gv != null && !removedIn(gv, minor)) {
        gvs.add(gv);
      }
    }
    return Set.copyOf(gvs);
  }

  private static boolean removedIn(String gv, int minor) {
    int[] removed = REMOVED.get(gv);
    return removed != null && minor >= removed[0] && (removed[1] == 0 || minor < removed[1]);
  }

  /** {@code k8s.io.api.rbac.v1} to {@code rbac.authorization.k8s.io/v1}; null if not served. */
  static String fromPackage(String pkg) {
    return fromPackage(pkg, false);
  }

  private static String fromPackage(String pkg, boolean alpha) {
    String api = "k8s.io.api.";
    String aggregator = "k8s.io.kube_aggregator.pkg.apis.";
    String rest;
    if (pkg.startsWith(api)) {
      rest = pkg.substring(api.length());
    } else if (pkg.startsWith(aggregator)) {
      rest = pkg.substring(aggregator.length());
    } else {
      return null; // apimachinery's meta types
    }
    int dot = rest.lastIndexOf('.');
    if (dot < 0) {
      return null;
    }
    String dir = rest.substring(0, dot);
    String version = rest.substring(dot + 1);
    if (!alpha && ALPHA.matcher(version).matches()) {
      return null;
    }
    String group = groupOf(dir);
    return group == null ? null : groupVersion(group, version);
  }

  /**
   * The API group of a {@code k8s.io/api} package directory: each package's {@code register.go}
   * names it (GroupName); the legacy groups have no domain, and three directories are named
   * otherwise than their group.
   */
  private static String groupOf(String dir) {
    return switch (dir) {
      case "core" -> "";
      case "apps", "autoscaling", "batch", "policy" -> dir;
      case "rbac" -> "rbac.authorization.k8s.io";
      case "flowcontrol" -> "flowcontrol.apiserver.k8s.io";
      case "apiserverinternal" -> "internal.apiserver.k8s.io";
      case "extensions", "apidiscovery", "admission", "imagepolicy" -> null;
      default -> dir + ".k8s.io";
    };
  }

  private static String groupVersion(String group, String version) {
    return group == null || group.isEmpty() ? version : group + "/" + version;
  }
}
