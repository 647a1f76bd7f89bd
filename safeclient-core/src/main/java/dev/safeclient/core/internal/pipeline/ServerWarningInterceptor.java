package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.rules.ServerWarningRule;
import dev.safeclient.core.internal.warning.WarningChannel;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * SC201: relays each {@code Warning:} header of every response the server sent (each page and probe
 * included) through the warning channel. Reads headers only, so it is safe for streams.
 */
public final class ServerWarningInterceptor implements Interceptor {
  private final WarningChannel warnings;

  public ServerWarningInterceptor(WarningChannel warnings) {
    this.warnings = warnings;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response response = chain.proceed(chain.request());
    KubeRequest k = KubeRequest.of(chain.request());
    for (String value : response.headers("Warning")) {
      for (String text : ServerWarningRule.texts(value)) {
        warnings.warn(ServerWarningRule.ID, "server warning: " + text, k.requestLine());
      }
    }
    return response;
  }
}
