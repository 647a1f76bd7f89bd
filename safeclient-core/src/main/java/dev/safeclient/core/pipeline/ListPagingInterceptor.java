package dev.safeclient.core.pipeline;

import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.request.KubeRequest;
import dev.safeclient.core.request.ListPage;
import dev.safeclient.core.rules.UnpagedListRule;
import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * SC102 in ENFORCE and STRICT: pages a consistent LIST without {@code limit} and hands back one
 * whole list (see {@link ListPager}). Pages themselves, which carry a {@link ListPage} tag, pass.
 */
public final class ListPagingInterceptor implements Interceptor {
  private final UnpagedListRule rule;
  private final SafeClientConfig config;
  private final ListPager pager;

  public ListPagingInterceptor(SafeClientConfig config, ListPager pager) {
    this.rule = new UnpagedListRule(config);
    this.config = config;
    this.pager = pager;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = ClassifyInterceptor.classified(request);
    if (request.tag(ListPage.class) != null
        || !rule.applies(k)
        || config.modeFor(UnpagedListRule.ID) == SafetyMode.OBSERVE) {
      return chain.proceed(request);
    }
    return pager.consistent(chain, request);
  }
}
