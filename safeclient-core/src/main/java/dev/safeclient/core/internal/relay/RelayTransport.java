package dev.safeclient.core.internal.relay;

import dev.safeclient.core.RelayRoute;
import dev.safeclient.core.TokenSource;
import dev.safeclient.core.internal.auth.TokenFileSource;
import dev.safeclient.model.time.TimeSource;
import java.time.Duration;
import okhttp3.Authenticator;
import okhttp3.CertificatePinner;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The relay's side of one client: its base URL, its token, and the {@link OkHttpClient} its reads
 * go through. That client is derived from the caller's (same dispatcher, connection pool, proxy and
 * timeouts) with the caller's TLS, interceptors and authenticator taken off: it trusts the relay's
 * CA only, holds no client key, and carries no interceptor that could add the API server's
 * credential. The caller's own client, and so the API server's trust, is left as it was.
 */
public final class RelayTransport {
  private final RelayRoute route;
  private final HttpUrl relayBase;
  private final TokenSource token;
  private final RelayTls tls;

  public RelayTransport(RelayRoute route, TimeSource clock) {
    this.route = route;
    this.relayBase = HttpUrl.get(route.url());
    // Pinned to the relay: the relay's token can be sent nowhere else.
    this.token =
        new TokenFileSource(
            route.tokenFile(),
            clock,
            relayBase.scheme() + "://" + relayBase.host() + ":" + relayBase.port());
    this.tls = RelayTls.trusting(route.caPem());
  }

  /** The relay's token, for the relay client's credential link. */
  public TokenSource token() {
    return token;
  }

  /** The relay's client without links, for the chain to install them. */
  public OkHttpClient.Builder clientBuilder(OkHttpClient callers, Duration pingInterval) {
    OkHttpClient.Builder b =
        callers
            .newBuilder()
            .sslSocketFactory(tls.context.getSocketFactory(), tls.trust)
            .hostnameVerifier(new OkHttpClient().hostnameVerifier())
            .certificatePinner(CertificatePinner.DEFAULT)
            .authenticator(Authenticator.NONE)
            // As the API server's pipeline: no replay below the relay's links.
            .retryOnConnectionFailure(false)
            .pingInterval(pingInterval);
    b.interceptors().clear();
    b.networkInterceptors().clear();
    return b;
  }

  /** The link that routes the relayed reads through {@code relayClient}. */
  public RelayRouteInterceptor router(
      String apiBasePath, OkHttpClient relayClient, TimeSource clock) {
    return new RelayRouteInterceptor(
        new RelayedResources(route.resources()),
        apiBasePath == null ? null : HttpUrl.parse(apiBasePath),
        relayBase,
        relayClient,
        route.directFallback() ? new DirectFallback(route.fallbackAfter(), clock) : null);
  }
}
