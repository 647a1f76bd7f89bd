package dev.safeclient.core.internal.metrics;

import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.metrics.SafeClientMetrics;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The innermost link: one {@link SafeClientMetrics#requestCompleted} per HTTP exchange, so retries
 * and pages are each counted, with the status the server sent (0 for an I/O failure). Time is to
 * the response headers.
 */
public final class MetricsInterceptor implements Interceptor {
  private final SafeClientMetrics metrics;

  public MetricsInterceptor(SafeClientMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    KubeRequest k = KubeRequest.of(chain.request());
    // Real time: the latency of the HTTP exchange itself, which no clock of ours paces.
    long start = System.nanoTime();
    int code = 0;
    try {
      Response response = chain.proceed(chain.request());
      code = response.code();
      return response;
    } finally {
      metrics.requestCompleted(k.verb().name(), k.groupResource(), code, System.nanoTime() - start);
    }
  }
}
