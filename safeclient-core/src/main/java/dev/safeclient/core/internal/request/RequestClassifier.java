package dev.safeclient.core.internal.request;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * Resolves an HTTP request into a {@link KubeRequest} the way the API server's {@code
 * RequestInfoFactory} does (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go), relative to the
 * client's base path so that a server behind a path prefix still classifies.
 */
public final class RequestClassifier {
  /** Subresources of a namespace object itself, not namespaced resources (as requestinfo.go). */
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  private static final Set<String> CONNECT_SUBRESOURCES =
      Set.of("exec", "attach", "portforward", "proxy");

  private final List<String> basePathSegments;

  /**
   * @param basePath the client's base path, e.g. {@code https://host:6443/prefix}; may be null.
   */
  public RequestClassifier(String basePath) {
    HttpUrl base = basePath == null ? null : HttpUrl.parse(basePath);
    this.basePathSegments =
        base == null ? List.of() : base.pathSegments().stream().filter(s -> !s.isEmpty()).toList();
  }

  public KubeRequest classify(Request request, CallOrigin origin) {
    HttpUrl url = request.url();
    String method = request.method().toUpperCase(Locale.ROOT);
    boolean upgrade = request.header("Upgrade") != null;

    List<String> parts = url.pathSegments().stream().filter(s -> !s.isEmpty()).toList();
    if (startsWith(parts, basePathSegments)) {
      parts = parts.subList(basePathSegments.size(), parts.size());
    }

    String group;
    String version;
    int i;
    if (parts.size() >= 2 && parts.get(0).equals("api")) {
      group = "";
      version = parts.get(1);
      i = 2;
    } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      version = parts.get(2);
      i = 3;
    } else {
      return nonResource(method, url, upgrade, origin);
    }
    if (i >= parts.size()) {
      return nonResource(method, url, upgrade, origin); // /api/v1, /apis/g/v: discovery
    }

    boolean legacyWatch = false;
    if (parts.get(i).equals("watch")) {
      legacyWatch = true;
      i++;
    }

    String namespace = null;
    List<String> rest = parts.subList(i, parts.size());
    if (!rest.isEmpty() && rest.get(0).equals("namespaces") && rest.size() > 1) {
      namespace = rest.get(1);
      if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
        rest = rest.subList(2, rest.size());
      }
    }
    if (rest.isEmpty()) {
      return nonResource(method, url, upgrade, origin);
    }
    String resource = rest.get(0);
    String name = rest.size() > 1 ? rest.get(1) : null;
    String subresource = rest.size() > 2 ? rest.get(2) : null;
    String subpath = rest.size() > 3 ? "/" + String.join("/", rest.subList(3, rest.size())) : null;
    if (resource.equals("namespaces") && name != null) {
      // /api/v1/namespaces/{name}[/status|finalize]: the namespace object itself.
      namespace = null;
    }

    Verb verb = verbOf(method, url, name, subresource, legacyWatch);
    return new KubeRequest(
        method,
        url,
        verb,
        group,
        version,
        resource,
        namespace,
        name,
        subresource,
        subpath,
        legacyWatch,
        upgrade,
        origin);
  }

  private static Verb verbOf(
      String method, HttpUrl url, String name, String subresource, boolean legacyWatch) {
    if (subresource != null && CONNECT_SUBRESOURCES.contains(subresource)) {
      return Verb.CONNECT;
    }
    switch (method) {
      case "GET":
      case "HEAD":
        // requestinfo.go: ?watch turns only a nameless GET into a watch.
        if (legacyWatch
            || (name == null && KubeRequest.isTrue(url.queryParameterValues("watch")))) {
          return Verb.WATCH;
        }
        return name == null ? Verb.LIST : Verb.GET;
      case "POST":
        return Verb.CREATE;
      case "PUT":
        return Verb.UPDATE;
      case "PATCH":
        return Verb.PATCH;
      case "DELETE":
        return name == null ? Verb.DELETECOLLECTION : Verb.DELETE;
      default:
        return Verb.NON_RESOURCE;
    }
  }

  private static KubeRequest nonResource(
      String method, HttpUrl url, boolean upgrade, CallOrigin origin) {
    return new KubeRequest(
        method,
        url,
        Verb.NON_RESOURCE,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        false,
        upgrade,
        origin);
  }

  private static boolean startsWith(List<String> parts, List<String> prefix) {
    return !prefix.isEmpty()
        && parts.size() >= prefix.size()
        && parts.subList(0, prefix.size()).equals(prefix);
  }
}
