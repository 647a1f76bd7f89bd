package dev.safeclient.core.internal.relay;

import dev.safeclient.core.SafeClientException;
import dev.safeclient.core.internal.request.KubeRequest;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends GET, LIST and WATCH of the relayed resources to the relay, through the relay's own client
 * ({@link RelayTransport}): same path below the base path, same query, same Accept; the relay's
 * URL, and the relay's token instead of the API server's {@code Authorization}. Everything else
 * goes on down the chain to the API server, unchanged.
 *
 * <p>It sits right after classify and before every link that speaks for the API server: SC101/102's
 * list decision and rewrites, the lint rules (their warnings are about the API server's cost, which
 * a relayed read does not have), and the API server's retry, breaker, Retry-After memory, budgets
 * and in-flight caps: a relayed read spends none of them. The relay's client has links of its own
 * for its politeness (see {@link RelayTransport}). A direct fallback goes on down this chain, so it
 * pays every API-server budget.
 */
public final class RelayRouteInterceptor implements Interceptor {
  private static final Logger log = LoggerFactory.getLogger(RelayRouteInterceptor.class);

  private final RelayedResources resources;
  private final String apiBasePath;
  private final HttpUrl relayBase;
  private final OkHttpClient relay;
  private final DirectFallback fallback;
  private final AtomicBoolean saidFallingBack = new AtomicBoolean();

  RelayRouteInterceptor(
      RelayedResources resources,
      HttpUrl apiBase,
      HttpUrl relayBase,
      OkHttpClient relay,
      DirectFallback fallback) {
    this.resources = resources;
    this.apiBasePath = withoutTrailingSlash(apiBase == null ? "" : apiBase.encodedPath());
    this.relayBase = relayBase;
    this.relay = relay;
    this.fallback = fallback;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = KubeRequest.of(request);
    String path = request.url().encodedPath();
    if (!resources.routes(k) || !path.startsWith(apiBasePath + "/")) {
      return chain.proceed(request);
    }
    HttpUrl url =
        relayBase
            .newBuilder()
            .encodedPath(
                withoutTrailingSlash(relayBase.encodedPath())
                    + path.substring(apiBasePath.length()))
            .encodedQuery(request.url().encodedQuery())
            .build();
    // The API server's credential never leaves for the relay: the relay's client sets its own.
    Request routed =
        request
            .newBuilder()
            .url(url)
            .removeHeader("Authorization")
            .tag(KubeRequest.class, k.withUrl(url))
            .build();
    Response answer;
    try {
      answer = execute(chain, routed);
    } catch (SafeClientException e) {
      // Refused here, before the relay (its budgets, its in-flight cap): the relay did not fail,
      // and a client held back from the relay must not go to the API server instead.
      throw e;
    } catch (IOException e) {
      if (fallback != null && !chain.call().isCanceled() && fallback.relayFailed()) {
        return direct(chain, request, e.getClass().getSimpleName());
      }
      throw e;
    }
    if (fallback != null) {
      if (answer.code() >= 500) {
        if (fallback.relayFailed()) {
          answer.close();
          return direct(chain, request, "HTTP " + answer.code());
        }
      } else {
        fallback.relayAnswered();
        saidFallingBack.set(false);
      }
    }
    return answer;
  }

  private Response execute(Chain chain, Request routed) throws IOException {
    OkHttpClient client = relay;
    // The caller's timeouts for this call (a watch's read timeout, say) hold for the relay too.
    if (client.readTimeoutMillis() != chain.readTimeoutMillis()
        || client.connectTimeoutMillis() != chain.connectTimeoutMillis()
        || client.writeTimeoutMillis() != chain.writeTimeoutMillis()) {
      client =
          client
              .newBuilder()
              .readTimeout(chain.readTimeoutMillis(), TimeUnit.MILLISECONDS)
              .connectTimeout(chain.connectTimeoutMillis(), TimeUnit.MILLISECONDS)
              .writeTimeout(chain.writeTimeoutMillis(), TimeUnit.MILLISECONDS)
              .build();
    }
    Call outer = chain.call();
    Call inner = client.newCall(routed);
    inner.timeout().timeout(outer.timeout().timeoutNanos(), TimeUnit.NANOSECONDS);
    // A cancel of the caller's call (a watch closed, an informer stopped) reaches the relay's call,
    // before its answer or while its body streams.
    outer.addEventListener(
        new EventListener() {
          @Override
          public void canceled(Call call) {
            inner.cancel();
          }
        });
    if (outer.isCanceled()) {
      inner.cancel();
    }
    return inner.execute();
  }

  private Response direct(Chain chain, Request request, String why) throws IOException {
    if (saidFallingBack.compareAndSet(false, true)) {
      log.warn(
          "The relay at {} has been failing ({}): reading {} from the API server directly, within"
              + " its budgets, until the relay answers again",
          relayBase.host(),
          why,
          KubeRequest.of(request).groupResource());
    }
    return chain.proceed(request);
  }

  private static String withoutTrailingSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
