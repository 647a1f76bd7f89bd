package dev.safeclient.relay;

import dev.safeclient.relay.internal.ResourceSpec;
import java.util.Objects;

/**
 * One resource the relay serves: where it lives in the API, and the selectors its one upstream list
 * and watch use. Secrets are relayed only when named here explicitly ({@link #secrets()}): {@link
 * #of} refuses them.
 */
public final class RelayedResource {
  final ResourceSpec spec;

  private RelayedResource(ResourceSpec spec) {
    this.spec = spec;
  }

  /**
   * A resource, all of it.
   *
   * @param group {@code ""} for the core group
   * @param kind the object kind ({@code Pod}): list bodies and bookmarks name it
   * @throws IllegalArgumentException for Secrets: use {@link #secrets()}
   */
  public static RelayedResource of(
      String group, String version, String plural, String kind, boolean namespaced) {
    if (group.isEmpty() && plural.equals("secrets")) {
      throw new IllegalArgumentException(
          "Secrets are relayed only when named explicitly: RelayedResource.secrets()");
    }
    return new RelayedResource(spec(group, version, plural, kind, namespaced, "", ""));
  }

  /** Core v1 pods, with the node index node agents read by. */
  public static RelayedResource pods() {
    return of("", "v1", "pods", "Pod", true);
  }

  /** Core v1 Secrets: every agent that may read them through the relay reads them all. */
  public static RelayedResource secrets() {
    return new RelayedResource(spec("", "v1", "secrets", "Secret", true, "", ""));
  }

  /** This resource, with only the objects that match {@code labelSelector} relayed. */
  public RelayedResource labelSelector(String labelSelector) {
    return new RelayedResource(
        spec(
            spec.group(),
            spec.version(),
            spec.plural(),
            spec.kind(),
            spec.namespaced(),
            Objects.requireNonNull(labelSelector),
            spec.fieldSelector()));
  }

  /** This resource, with only the objects that match {@code fieldSelector} relayed. */
  public RelayedResource fieldSelector(String fieldSelector) {
    return new RelayedResource(
        spec(
            spec.group(),
            spec.version(),
            spec.plural(),
            spec.kind(),
            spec.namespaced(),
            spec.labelSelector(),
            Objects.requireNonNull(fieldSelector)));
  }

  public String group() {
    return spec.group();
  }

  public String version() {
    return spec.version();
  }

  public String plural() {
    return spec.plural();
  }

  public String kind() {
    return spec.kind();
  }

  public boolean namespaced() {
    return spec.namespaced();
  }

  public String labelSelector() {
    return spec.labelSelector();
  }

  public String fieldSelector() {
    return spec.fieldSelector();
  }

  private static ResourceSpec spec(
      String group,
      String version,
      String plural,
      String kind,
      boolean namespaced,
      String labelSelector,
      String fieldSelector) {
    if (version.isEmpty() || plural.isEmpty() || kind.isEmpty()) {
      throw new IllegalArgumentException("a relayed resource needs a version, plural and kind");
    }
    return new ResourceSpec(group, version, plural, kind, namespaced, labelSelector, fieldSelector);
  }

  @Override
  public String toString() {
    return spec.toString();
  }
}
