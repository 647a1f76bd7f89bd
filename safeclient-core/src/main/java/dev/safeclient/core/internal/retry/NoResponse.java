package dev.safeclient.core.internal.retry;

import java.io.IOException;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * What one attempt's exchange saw below the application links: whether it failed before the
 * response headers arrived, and whether its connection had already served an exchange (a pooled
 * keep-alive connection). The retry link puts one on each attempt as a tag; {@link Witness}, a
 * network interceptor, fills it in. A reused connection that fails before answering is almost
 * always one the server closed while it sat in the pool (a restart, a load balancer's idle reset):
 * the request never reached a live server. OkHttp's own replay of these is off, since it would
 * replay writes too and bypass the budgets.
 */
public final class NoResponse {
  private volatile boolean failed;
  private volatile boolean reusedConnection;

  /** The exchange failed before the response headers arrived. */
  public boolean failed() {
    return failed;
  }

  /** ... on a connection that had served an exchange before this one. */
  public boolean reusedConnection() {
    return reusedConnection;
  }

  /** Fills in the attempt's {@link NoResponse} tag. Add as a network interceptor. */
  public static final class Witness implements Interceptor {
    // Connections that have carried an exchange; weak, so that closed connections are dropped.
    private static final Set<Connection> USED =
        Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    @Override
    public Response intercept(Chain chain) throws IOException {
      Request request = chain.request();
      Connection connection = chain.connection();
      boolean reused = connection != null && !USED.add(connection);
      try {
        return chain.proceed(request);
      } catch (IOException e) {
        NoResponse seen = request.tag(NoResponse.class);
        if (seen != null) {
          seen.reusedConnection = reused;
          seen.failed = true;
        }
        throw e;
      }
    }
  }
}
