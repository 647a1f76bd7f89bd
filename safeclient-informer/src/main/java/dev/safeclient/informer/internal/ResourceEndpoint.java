package dev.safeclient.informer.internal;

import java.util.Objects;

/** Where one informer lists and watches: the collection path, and its selectors. */
public record ResourceEndpoint(
    String group,
    String version,
    String plural,
    String namespace,
    String labelSelector,
    String fieldSelector) {

  public ResourceEndpoint {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(plural, "plural");
    group = group == null ? "" : group;
  }

  /** {@code /api/v1/namespaces/ns/pods} or {@code /apis/apps/v1/deployments}. */
  String path() {
    StringBuilder b = new StringBuilder();
    b.append(group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
    if (namespace != null) {
      b.append("/namespaces/").append(namespace);
    }
    return b.append('/').append(plural).toString();
  }

  /** A stable name for logs, metrics and health: {@code v1/pods ns=default label=app=x}. */
  public String displayName() {
    StringBuilder b = new StringBuilder();
    b.append(group.isEmpty() ? version : group + "/" + version).append('/').append(plural);
    if (namespace != null) {
      b.append(" ns=").append(namespace);
    }
    if (labelSelector != null) {
      b.append(" label=").append(labelSelector);
    }
    if (fieldSelector != null) {
      b.append(" field=").append(fieldSelector);
    }
    return b.toString();
  }
}
