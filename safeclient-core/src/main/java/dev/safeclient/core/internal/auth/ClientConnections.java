package dev.safeclient.core.internal.auth;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The connections a client has used, so that a rotated client certificate can close them all:
 * client-go's {@code connrotation.Dialer} with its {@code CloseAll}. Pooled idle connections are
 * evicted; connections in use (an HTTP/2 connection carrying watches lives for hours) are closed
 * too, as client-go does, so their streams fail and reopen with the new certificate instead of
 * sending it on for hours. A network interceptor: it sees each exchange's connection.
 */
final class ClientConnections implements Interceptor {
  private final Set<Connection> used = Collections.newSetFromMap(new WeakHashMap<>());
  private volatile Supplier<ConnectionPool> pool = () -> null;
  private volatile ClientTlsSocketFactory tls;

  void pool(Supplier<ConnectionPool> pool) {
    this.pool = pool;
  }

  void tls(ClientTlsSocketFactory tls) {
    this.tls = tls;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Connection c = chain.connection();
    if (c != null) {
      synchronized (used) {
        used.add(c);
      }
    }
    return chain.proceed(chain.request());
  }

  void closeAll() {
    ClientTlsSocketFactory t = tls;
    if (t != null) {
      t.renew();
    }
    ConnectionPool p = pool.get();
    if (p != null) {
      p.evictAll();
    }
    List<Connection> open;
    synchronized (used) {
      open = new ArrayList<>(used);
      used.clear();
    }
    for (Connection c : open) {
      Socket s = c.socket();
      try {
        s.close();
      } catch (IOException | RuntimeException ignored) {
        // Already closed, or closing: either way it carries nothing more.
      }
    }
  }
}
