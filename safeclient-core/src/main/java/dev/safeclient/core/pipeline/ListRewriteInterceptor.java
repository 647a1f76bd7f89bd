package dev.safeclient.core.pipeline;

import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.request.KubeRequest;
import dev.safeclient.core.rules.ConsistentListRule;
import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * SC101's rewrite in ENFORCE: keeps a plain LIST's consistent meaning but serves it from the watch
 * cache.
 *
 * <ol>
 *   <li>A probe: the same list without selectors or other options, {@code limit=1}, RV unset. One
 *       etcd key and one APF seat, and it gives the current resourceVersion.
 *   <li>The caller's list with {@code resourceVersion=<probe RV>&resourceVersionMatch=NotOlderThan}
 *       and no {@code limit}: from the watch cache, never older than the probe.
 *   <li>If that answers 504 {@code ResourceVersionTooLarge} (this server's cache lags), at once a
 *       consistent paged read (SC102) instead.
 * </ol>
 *
 * With {@code allowStaleListReads} it sends {@code resourceVersion=0&limit=<page>} instead,
 * following {@code continue}. Never RV=0 by default: in HA another server's cache can lag, and a
 * controller would not find what it just created.
 */
public final class ListRewriteInterceptor implements Interceptor {
  private final ConsistentListRule rule = new ConsistentListRule();
  private final SafeClientConfig config;
  private final ListPager pager;
  private final ListBodyFormats formats;

  public ListRewriteInterceptor(SafeClientConfig config, ListPager pager, ListBodyFormats formats) {
    this.config = config;
    this.pager = pager;
    this.formats = formats;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = ClassifyInterceptor.classified(request);
    if (!rule.applies(k) || config.modeFor(ConsistentListRule.ID) != SafetyMode.ENFORCE) {
      return chain.proceed(request);
    }
    if (config.allowStaleListReads()) {
      return pager.anyResourceVersion(chain, request);
    }
    HttpUrl probeUrl =
        request.url().newBuilder().query(null).addQueryParameter("limit", "1").build();
    Response probe = chain.proceed(retarget(request, k, probeUrl));
    if (!probe.isSuccessful()) {
      return probe; // the same resource and the same rights: the caller's list would fail alike
    }
    String probeRv;
    try (ResponseBody body = probe.body()) {
      probeRv = formats.forContentType(body.contentType()).resourceVersion(body.bytes());
    }
    if (probeRv == null || probeRv.isEmpty()) {
      return pager.consistent(chain, request); // nothing to anchor a cache read on
    }
    HttpUrl readUrl =
        request
            .url()
            .newBuilder()
            .addQueryParameter("resourceVersion", probeRv)
            .addQueryParameter("resourceVersionMatch", "NotOlderThan")
            .build();
    Response read = chain.proceed(retarget(request, k, readUrl));
    if (ApiStatus.isResourceVersionTooLarge(read)) {
      read.close();
      return pager.consistent(chain, request);
    }
    return read;
  }

  private static Request retarget(Request request, KubeRequest k, HttpUrl url) {
    return request.newBuilder().url(url).tag(KubeRequest.class, k.withUrl(url)).build();
  }
}
