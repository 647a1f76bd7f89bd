package dev.safeclient.apiserver;

import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;

/** How a Jetty server reads request lines as the apiserver's Go net/http server reads them. */
public final class ApiserverHttp {
  /**
   * Jetty's default URI compliance, but for an encoded slash ({@code %2F}) in the path: Jetty
   * refuses it as ambiguous with 400, while Go decodes it into {@code req.URL.Path}, where it
   * separates segments ({@link RequestInfo#decodePath}).
   */
  public static final UriCompliance URI_COMPLIANCE =
      UriCompliance.DEFAULT.with(
          "kube-apiserver", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR);

  private ApiserverHttp() {}

  /** A fresh HTTP configuration with {@link #URI_COMPLIANCE}. */
  public static HttpConfiguration configuration() {
    HttpConfiguration c = new HttpConfiguration();
    c.setUriCompliance(URI_COMPLIANCE);
    return c;
  }
}
