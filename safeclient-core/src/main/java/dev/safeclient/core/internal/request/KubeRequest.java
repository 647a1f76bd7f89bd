package dev.safeclient.core.internal.request;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * One HTTP call, classified as the API server would: verb, group/version/resource, namespace, name,
 * subresource and query options. Immutable; built by {@link RequestClassifier}.
 */
public final class KubeRequest {
  private final String method;
  private final HttpUrl url;
  private final Verb verb;
  private final String group;
  private final String version;
  private final String resource;
  private final String namespace;
  private final String name;
  private final String subresource;
  private final String subpath;
  private final boolean legacyWatchPath;
  private final boolean upgrade;
  private final CallOrigin origin;
  private final ListDecision listDecision;

  KubeRequest(
      String method,
      HttpUrl url,
      Verb verb,
      String group,
      String version,
      String resource,
      String namespace,
      String name,
      String subresource,
      String subpath,
      boolean legacyWatchPath,
      boolean upgrade,
      CallOrigin origin) {
    this(
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
        legacyWatchPath,
        upgrade,
        origin,
        null);
  }

  private KubeRequest(
      String method,
      HttpUrl url,
      Verb verb,
      String group,
      String version,
      String resource,
      String namespace,
      String name,
      String subresource,
      String subpath,
      boolean legacyWatchPath,
      boolean upgrade,
      CallOrigin origin,
      ListDecision listDecision) {
    this.method = method;
    this.url = url;
    this.verb = verb;
    this.group = group;
    this.version = version;
    this.resource = resource;
    this.namespace = namespace;
    this.name = name;
    this.subresource = subresource;
    this.subpath = subpath;
    this.legacyWatchPath = legacyWatchPath;
    this.upgrade = upgrade;
    this.origin = origin;
    this.listDecision = listDecision;
  }

  /**
   * The classification the chain's first link attached to {@code request}; never null inside the
   * chain.
   */
  public static KubeRequest of(okhttp3.Request request) {
    KubeRequest k = request.tag(KubeRequest.class);
    if (k == null) {
      throw new IllegalStateException("request was not classified: " + request.url().encodedPath());
    }
    return k;
  }

  /**
   * A coordination Lease: the budget paces Leases on their own bucket, and the breaker and the
   * Retry-After memory never hold them, so that a leader keeps its lease through an overload.
   */
  public boolean isLease() {
    return "coordination.k8s.io".equals(group) && "leases".equals(resource);
  }

  public String method() {
    return method;
  }

  public HttpUrl url() {
    return url;
  }

  public Verb verb() {
    return verb;
  }

  /**
   * The API group; {@code ""} for the core group ({@code /api/v1}). Null for non-resource paths.
   */
  public String group() {
    return group;
  }

  public String version() {
    return version;
  }

  /** {@code group/version}, or {@code version} for the core group, as in {@code apiVersion}. */
  public String groupVersion() {
    if (version == null) {
      return null;
    }
    return group == null || group.isEmpty() ? version : group + "/" + version;
  }

  /** The plural resource, such as {@code pods}; null for non-resource paths. */
  public String resource() {
    return resource;
  }

  /** The namespace, or null for cluster-scoped and all-namespaces calls. */
  public String namespace() {
    return namespace;
  }

  public String name() {
    return name;
  }

  /** {@code status}, {@code scale}, {@code log}, {@code exec}, {@code proxy}, ...; null if none. */
  public String subresource() {
    return subresource;
  }

  /** What follows a {@code proxy} subresource, such as {@code /metrics}; null if none. */
  public String subpath() {
    return subpath;
  }

  public boolean legacyWatchPath() {
    return legacyWatchPath;
  }

  public CallOrigin origin() {
    return origin;
  }

  /** The first value of a query parameter, or null. */
  public String query(String key) {
    return url.queryParameter(key);
  }

  /**
   * A boolean query option as the API server reads it ({@code Convert_Slice_string_To_bool}):
   * present and neither {@code 0} nor {@code false} (any case) means true.
   */
  public boolean flag(String key) {
    return isTrue(url.queryParameterValues(key));
  }

  static boolean isTrue(List<String> values) {
    if (values.isEmpty()) {
      return false;
    }
    String v = values.get(0) == null ? "" : values.get(0);
    return !v.equals("0") && !v.equalsIgnoreCase("false");
  }

  public boolean hasQuery(String key) {
    String v = url.queryParameter(key);
    return v != null && !v.isEmpty();
  }

  public List<String> queryValues(String key) {
    return url.queryParameterValues(key).stream().filter(Objects::nonNull).toList();
  }

  public Map<String, String> queryMap() {
    java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
    for (String k : url.queryParameterNames()) {
      m.put(k, url.queryParameter(k));
    }
    return m;
  }

  /**
   * A call that must pass through untouched: exec, attach, portforward, proxy, {@code
   * log?follow=true}, and anything upgrading to WebSocket or SPDY. No rewrite, no body buffering or
   * decoding, no in-flight slot, no retry after the upgrade.
   */
  public boolean isLongRunningStream() {
    if (upgrade || verb == Verb.CONNECT) {
      return true;
    }
    return "log".equals(subresource) && flag("follow");
  }

  /** The request line for warnings and logs: method, path and query. Never headers or bodies. */
  public String requestLine() {
    String q = url.encodedQuery();
    return method + " " + url.encodedPath() + (q == null ? "" : "?" + q);
  }

  /** {@code pods}, {@code deployments.apps}: a resource key for metrics and budgets. */
  public String groupResource() {
    if (resource == null) {
      return "";
    }
    return group == null || group.isEmpty() ? resource : resource + "." + group;
  }

  public KubeRequest withUrl(HttpUrl newUrl) {
    return new KubeRequest(
        method,
        newUrl,
        verb,
        group,
        version,
        resource,
        namespace,
        name,
        subresource,
        subpath,
        legacyWatchPath,
        upgrade,
        origin,
        listDecision);
  }

  /** This request with what SC101/SC102 decided for it on the server at hand. */
  public KubeRequest withListDecision(ListDecision decision) {
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
        legacyWatchPath,
        upgrade,
        origin,
        decision);
  }

  /** What SC101/SC102 decided for this plain consistent LIST; null for any other request. */
  public ListDecision listDecision() {
    return listDecision;
  }

  @Override
  public String toString() {
    return verb + " " + requestLine();
  }
}
