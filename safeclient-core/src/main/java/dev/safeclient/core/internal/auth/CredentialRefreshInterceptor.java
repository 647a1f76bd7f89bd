package dev.safeclient.core.internal.auth;

import dev.safeclient.core.TokenSource;
import dev.safeclient.core.metrics.SafeClientMetrics;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the {@link TokenSource}'s current token, and answers a 401 with one credential refresh and
 * one replay. Concurrent 401s for the same token share one refresh. A 401 is never overload: the
 * breaker and the retry link treat it as an ordinary answer. Without a source, the first 401 is
 * logged once: this client cannot refresh. A source pinned to a server ({@link
 * TokenSource#server()}) has its credentials sent to that server only: a request elsewhere fails
 * before it leaves.
 */
public final class CredentialRefreshInterceptor implements Interceptor {
  private static final Logger log = LoggerFactory.getLogger(CredentialRefreshInterceptor.class);

  /** The retry reason of a request replayed with refreshed credentials. */
  public static final String RETRY_REASON = "401-refresh";

  private final TokenSource source;
  private final HttpUrl pinnedServer;
  private final SafeClientMetrics metrics;
  private final AtomicBoolean saidCannotRefresh = new AtomicBoolean();
  private final Object refreshLock = new Object();

  /**
   * @param source may be null: the base client's fixed credentials are used as they are
   */
  public CredentialRefreshInterceptor(TokenSource source, SafeClientMetrics metrics) {
    this.source = source;
    String server = source == null ? null : source.server();
    this.pinnedServer = server == null ? null : HttpUrl.get(server);
    this.metrics = metrics;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (pinnedServer != null && !sameServer(pinnedServer, request.url())) {
      throw new IOException(
          "credentials of "
              + source
              + " are for "
              + pinnedServer.scheme()
              + "://"
              + pinnedServer.host()
              + ":"
              + pinnedServer.port()
              + " only; not sending a request to "
              + request.url().scheme()
              + "://"
              + request.url().host()
              + ":"
              + request.url().port());
    }
    String token = source == null ? null : source.token();
    if (token != null) {
      request = withToken(request, token);
    }
    Response response = chain.proceed(request);
    if (response.code() != 401) {
      return response;
    }
    if (source == null) {
      if (saidCannotRefresh.compareAndSet(false, true)) {
        log.warn(
            "401 Unauthorized for {} {}: this SafeClient wraps a client with fixed credentials and"
                + " cannot refresh them. Build it with SafeClient.fromDefaultConfig() or"
                + " Builder.tokenSource(...)",
            request.method(),
            request.url().encodedPath());
      }
      return response;
    }
    if (request.body() != null && request.body().isOneShot()) {
      return response;
    }
    String fresh;
    try {
      synchronized (refreshLock) {
        String current = source.token();
        // Another call already refreshed past the token that failed: use its result.
        fresh = Objects.equals(current, token) ? source.refresh() : current;
      }
    } catch (IOException | RuntimeException e) {
      response.close();
      throw e;
    }
    if (fresh == null || fresh.equals(token)) {
      return response;
    }
    response.close();
    metrics.retry(RETRY_REASON);
    log.info("401 Unauthorized: credentials refreshed, replaying the request once");
    return chain.proceed(withToken(request, fresh));
  }

  private static boolean sameServer(HttpUrl pinned, HttpUrl url) {
    return pinned.scheme().equals(url.scheme())
        && pinned.host().equals(url.host())
        && pinned.port() == url.port();
  }

  private static Request withToken(Request request, String token) {
    return request.newBuilder().header("Authorization", "Bearer " + token).build();
  }
}
