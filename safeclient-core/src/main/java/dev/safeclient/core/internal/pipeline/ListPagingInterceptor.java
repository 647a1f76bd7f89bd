package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.ListDecision;
import dev.safeclient.core.internal.request.ListPage;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * SC102: pages a consistent LIST that the server reads from etcd, where {@code
 * ListDecisionInterceptor} decided so, and hands back one whole list (see {@link ListPager}). Where
 * the server serves the list from its watch cache, paging would cost more (continuations are read,
 * or estimated, as etcd reads), so it passes. Pages themselves, which carry a {@link ListPage} tag,
 * pass.
 */
public final class ListPagingInterceptor implements Interceptor {
  private final ListPager pager;

  public ListPagingInterceptor(ListPager pager) {
    this.pager = pager;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    ListDecision d = KubeRequest.of(request).listDecision();
    if (request.tag(ListPage.class) != null
        || d == null
        || d.action() != ListDecision.Action.PAGE) {
      return chain.proceed(request);
    }
    return pager.consistent(chain, request);
  }
}
