package dev.safeclient.apiserver;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a request asks for, from its method, path and query alone, as kube-apiserver's {@code
 * RequestInfoFactory.NewRequestInfo} resolves it: {@code /api/v1/namespaces/ns/pods/name/status} is
 * a resource request (group "", version v1, namespace ns, resource pods, name, subresource status,
 * verb from the method), {@code /healthz} or {@code /apis/apps/v1} a non-resource one.
 * Authorization decides on this, before any handler runs.
 */
public final class RequestInfo {
  /** The path prefixes of resource requests; {@code api} has no group segment. */
  private static final Set<String> API_PREFIXES = Set.of("api", "apis");

  private static final String GROUPLESS_PREFIX = "api";

  /** Verbs named by a path segment before the resource ({@code /api/v1/watch/pods}). */
  private static final Set<String> SPECIAL_VERBS = Set.of("proxy", "watch");

  /** Subresources of a namespace, not resources inside it ({@code /namespaces/ns/status}). */
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  /** The verbs whose selectors reach the authorizer (verbsWithSelectors). */
  private static final Set<String> VERBS_WITH_SELECTORS =
      Set.of("list", "watch", "deletecollection");

  private final boolean resourceRequest;
  private final String path;
  private final String verbName;
  private final String apiPrefix;
  private final String apiGroup;
  private final String apiVersion;
  private final String namespace;
  private final String resource;
  private final String subresource;
  private final String name;
  private final List<String> parts;
  private final String fieldSelector;
  private final String labelSelector;

  private RequestInfo(
      boolean resourceRequest,
      String path,
      String verbName,
      String apiPrefix,
      String apiGroup,
      String apiVersion,
      String namespace,
      String resource,
      String subresource,
      String name,
      List<String> parts,
      String fieldSelector,
      String labelSelector) {
    this.resourceRequest = resourceRequest;
    this.path = path;
    this.verbName = verbName;
    this.apiPrefix = apiPrefix;
    this.apiGroup = apiGroup;
    this.apiVersion = apiVersion;
    this.namespace = namespace;
    this.resource = resource;
    this.subresource = subresource;
    this.name = name;
    this.parts = List.copyOf(parts);
    this.fieldSelector = fieldSelector;
    this.labelSelector = labelSelector;
  }

  /**
   * Resolves a request. {@code rawPath} is the path as the request line sends it, percent-encoded:
   * it is decoded first, as Go's {@code req.URL.Path} is before RequestInfo reads it, so an encoded
   * slash ({@code %2F}) separates segments as a plain one does. A path with a special verb and
   * nothing after it ({@code /api/v1/watch}) throws a {@link StatusException}: the filter's 500
   * {@code failed to create RequestInfo}; so does an invalid escape, with net/http's 400.
   */
  public static RequestInfo parse(String method, String rawPath, Query query) {
    String path = decodePath(rawPath);
    List<String> current = splitPath(path);
    String nonResourceVerb = method.toLowerCase(Locale.ROOT);
    if (current.size() < 3 || !API_PREFIXES.contains(current.get(0))) {
      return nonResource(path, nonResourceVerb);
    }
    String prefix = current.get(0);
    current = current.subList(1, current.size());
    String group = "";
    if (!prefix.equals(GROUPLESS_PREFIX)) {
      if (current.size() < 3) {
        // /apis/{group}/{version}: discovery, not a resource.
        return nonResource(path, nonResourceVerb);
      }
      group = current.get(0);
      current = current.subList(1, current.size());
    }
    String version = current.get(0);
    current = current.subList(1, current.size());
    String verb;
    boolean verbViaPathPrefix = SPECIAL_VERBS.contains(current.get(0));
    if (verbViaPathPrefix) {
      if (current.size() < 2) {
        throw new StatusException(
            Status.internalError(
                "failed to create RequestInfo: unable to determine kind and namespace from url, "
                    + path));
      }
      verb = current.get(0);
      current = current.subList(1, current.size());
    } else {
      verb = verbOfMethod(method);
    }
    String ns = "";
    if (current.get(0).equals("namespaces")) {
      if (current.size() > 1) {
        ns = current.get(1);
        // A segment after the namespace that is not one of its subresources is a resource in it.
        if (current.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(current.get(2))) {
          current = current.subList(2, current.size());
        }
      }
    }
    String res = "";
    String nm = "";
    String sub = "";
    if (current.size() >= 3 && !verb.equals("proxy")) {
      sub = current.get(2);
    }
    if (current.size() >= 2) {
      nm = current.get(1);
    }
    if (current.size() >= 1) {
      res = current.get(0);
    }
    if (nm.isEmpty() && verb.equals("get")) {
      // No name: a list, or a watch; a metadata.name field selector names the one object.
      verb = query.flag("watch") ? "watch" : "list";
      String byName = exactName(query.get("fieldSelector"));
      if (byName != null && isValidPathSegmentName(byName)) {
        nm = byName;
      }
    }
    if (nm.isEmpty() && verb.equals("delete")) {
      verb = "deletecollection";
    }
    // The deprecated /watch/ paths do not support selectors consistently: none reach the
    // authorizer from them, so a selector-limited identity is refused there.
    boolean selectors = !verbViaPathPrefix && VERBS_WITH_SELECTORS.contains(verb);
    return new RequestInfo(
        true,
        path,
        verb,
        prefix,
        group,
        version,
        ns,
        res,
        sub,
        nm,
        current,
        selectors ? query.get("fieldSelector") : "",
        selectors ? query.get("labelSelector") : "");
  }

  private static RequestInfo nonResource(String path, String verb) {
    return new RequestInfo(false, path, verb, "", "", "", "", "", "", "", List.of(), "", "");
  }

  private static String verbOfMethod(String method) {
    switch (method) {
      case "POST":
        return "create";
      case "GET":
      case "HEAD":
        return "get";
      case "PUT":
        return "update";
      case "PATCH":
        return "patch";
      case "DELETE":
        return "delete";
      default:
        return "";
    }
  }

  /**
   * The path a percent-encoded request path names, as Go's {@code url.PathUnescape}: every {@code
   * %XX} is the byte XX, {@code %2F} included, and the bytes are UTF-8; a {@code +} stays a plus.
   * An escape that is not two hex digits throws the 400 net/http answers to a request line whose
   * URL does not parse, before any handler runs.
   */
  public static String decodePath(String rawPath) {
    int first = rawPath.indexOf('%');
    if (first < 0) {
      return rawPath;
    }
    byte[] raw = rawPath.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] != '%') {
        out.write(raw[i]);
        continue;
      }
      int hi = i + 2 < raw.length ? Character.digit(raw[i + 1], 16) : -1;
      int lo = hi < 0 ? -1 : Character.digit(raw[i + 2], 16);
      if (lo < 0) {
        throw new StatusException(Status.badRequest("invalid URL escape in the request path"));
      }
      out.write(hi << 4 | lo);
      i += 2;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** strings.Split(strings.Trim(path, "/"), "/"), empty for the root. */
  private static List<String> splitPath(String path) {
    int from = 0;
    int to = path.length();
    while (from < to && path.charAt(from) == '/') {
      from++;
    }
    while (to > from && path.charAt(to - 1) == '/') {
      to--;
    }
    List<String> out = new ArrayList<>();
    if (from == to) {
      return out;
    }
    for (String s : path.substring(from, to).split("/", -1)) {
      out.add(s);
    }
    return out;
  }

  /**
   * The value of a {@code metadata.name} requirement in a field selector, if it requires exactly
   * one value (fields.Selector.RequiresExactMatch); null otherwise or if it does not parse.
   */
  private static String exactName(String fieldSelector) {
    if (fieldSelector.isEmpty()) {
      return null;
    }
    try {
      return FieldSelector.parse(fieldSelector).requiresExactMatch("metadata.name");
    } catch (StatusException e) {
      return null;
    }
  }

  /** path.IsValidPathSegmentName: not "." or "..", no "/" or "%". */
  private static boolean isValidPathSegmentName(String name) {
    return !name.equals(".")
        && !name.equals("..")
        && name.indexOf('/') < 0
        && name.indexOf('%') < 0;
  }

  /** True for a request on a resource; false for discovery, health and other paths. */
  public boolean isResourceRequest() {
    return resourceRequest;
  }

  /** The request's path, decoded (Go's {@code req.URL.Path}). */
  public String path() {
    return path;
  }

  /**
   * The verb as RBAC names it: get, list, watch, create, update, patch, delete, deletecollection,
   * proxy; for a non-resource request the lower-case method; "" for a method without a verb.
   */
  public String verbName() {
    return verbName;
  }

  /** The verb of a resource request, or null (non-resource, proxy, or no verb for the method). */
  public Verb verb() {
    if (!resourceRequest) {
      return null;
    }
    switch (verbName) {
      case "get":
        return Verb.GET;
      case "list":
        return Verb.LIST;
      case "watch":
        return Verb.WATCH;
      case "create":
        return Verb.CREATE;
      case "update":
        return Verb.UPDATE;
      case "patch":
        return Verb.PATCH;
      case "delete":
        return Verb.DELETE;
      case "deletecollection":
        return Verb.DELETECOLLECTION;
      default:
        return null;
    }
  }

  /** {@code api} or {@code apis}; "" for a non-resource request. */
  public String apiPrefix() {
    return apiPrefix;
  }

  /** The API group; "" for the core group. */
  public String apiGroup() {
    return apiGroup;
  }

  public String apiVersion() {
    return apiVersion;
  }

  /** The namespace in the path; "" if none. For {@code /namespaces/ns} itself it is ns too. */
  public String namespace() {
    return namespace;
  }

  /** The resource (plural); "" if the path names none. */
  public String resource() {
    return resource;
  }

  /** The subresource; "" if none. */
  public String subresource() {
    return subresource;
  }

  /**
   * The object's name: from the path, or for a list or watch from a field selector that requires
   * {@code metadata.name} to be one value; "" if none.
   */
  public String name() {
    return name;
  }

  /**
   * The field selector as the client sent it, as the authorizer sees it: only for a list, watch or
   * deletecollection not named by a {@code /watch/} path; "" otherwise.
   */
  public String fieldSelector() {
    return fieldSelector;
  }

  /** The label selector as the authorizer sees it, as {@link #fieldSelector}. */
  public String labelSelector() {
    return labelSelector;
  }

  /** The path segments from the resource on ({@code [pods, name, status]}). */
  public List<String> parts() {
    return parts;
  }

  @Override
  public String toString() {
    if (!resourceRequest) {
      return verbName + " " + path;
    }
    return verbName
        + " "
        + (apiGroup.isEmpty() ? "" : apiGroup + "/")
        + apiVersion
        + " "
        + resource
        + (subresource.isEmpty() ? "" : "/" + subresource)
        + (namespace.isEmpty() ? "" : " ns=" + namespace)
        + (name.isEmpty() ? "" : " name=" + name);
  }
}
