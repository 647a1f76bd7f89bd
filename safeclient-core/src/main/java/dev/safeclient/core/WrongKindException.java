package dev.safeclient.core;

import io.kubernetes.client.openapi.ApiException;
import java.util.List;
import java.util.Map;

/**
 * The server (or something in front of it) answered with an object of another kind or API version
 * than the one asked for: a ConfigMap for a GET of a Pod, a ConfigMapList for a LIST of pods.
 * Decoding it anyway would hand back a Pod named after the ConfigMap, or "no pods" where the server
 * said something else; client-go and the Protobuf path reject it too.
 */
public final class WrongKindException extends ApiException {
  private final String expectedKind;
  private final String kind;
  private final String apiVersion;

  public WrongKindException(
      String expectedKind,
      String expectedVersion,
      String kind,
      String apiVersion,
      String requestLine,
      int code,
      Map<String, List<String>> headers) {
    super(
        "expected "
            + expectedKind
            + " ("
            + expectedVersion
            + ") but the response (HTTP "
            + code
            + ") to "
            + requestLine
            + " is a "
            + kind
            + " ("
            + apiVersion
            + ")",
        code,
        headers,
        null);
    this.expectedKind = expectedKind;
    this.kind = kind;
    this.apiVersion = apiVersion;
  }

  /** The kind asked for, such as {@code PodList}. */
  public String expectedKind() {
    return expectedKind;
  }

  /** The kind the body said it was. */
  public String kind() {
    return kind;
  }

  /** The apiVersion the body said it was. */
  public String apiVersion() {
    return apiVersion;
  }
}
