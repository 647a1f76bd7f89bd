package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.internal.request.CallDeadline;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.RequestClassifier;
import dev.safeclient.model.time.TimeSource;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The first link: turns the HTTP call into a {@link KubeRequest} and tags the request with it, so
 * every later link reads one classification instead of parsing the path again. A call with a
 * deadline of its own ({@code Call.timeout()}) is tagged with it, for the budget waits.
 */
public final class ClassifyInterceptor implements Interceptor {
  private final RequestClassifier classifier;
  private final TimeSource clock;

  public ClassifyInterceptor(RequestClassifier classifier, TimeSource clock) {
    this.classifier = classifier;
    this.clock = clock;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    CallOrigin origin = request.tag(CallOrigin.class);
    KubeRequest classified =
        classifier.classify(request, origin == null ? CallOrigin.USER : origin);
    Request.Builder tagged = request.newBuilder().tag(KubeRequest.class, classified);
    long timeout = chain.call().timeout().timeoutNanos();
    if (timeout > 0 && request.tag(CallDeadline.class) == null) {
      tagged.tag(CallDeadline.class, new CallDeadline(clock.nanoTime() + timeout));
    }
    return chain.proceed(tagged.build());
  }
}
