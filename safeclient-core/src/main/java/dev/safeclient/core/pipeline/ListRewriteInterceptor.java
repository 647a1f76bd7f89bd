package dev.safeclient.core.pipeline;

import dev.safeclient.core.request.KubeRequest;
import dev.safeclient.core.request.ListDecision;
import dev.safeclient.core.request.ListPage;
import dev.safeclient.core.retry.ServerAnswer;
import dev.safeclient.core.server.ResourceActivity;
import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * SC101's rewrite, where {@code ListDecisionInterceptor} decided it pays (a busy resource on a
 * server that reads consistent lists from etcd): keeps the caller's consistent meaning but serves
 * the list from the watch cache.
 *
 * <ol>
 *   <li>A probe: the same list without selectors or other options, {@code limit=1}, RV unset. One
 *       etcd key and one APF seat, and it gives the current resourceVersion. A 401/403 (an identity
 *       allowed to list only with its selectors) sends the caller's own request instead, and is
 *       remembered for that identity and resource.
 *   <li>The caller's list with {@code resourceVersion=<probe RV>&resourceVersionMatch=NotOlderThan}
 *       (replacing, never adding to, what the caller's query had) and no {@code limit}: from the
 *       watch cache, never older than the probe.
 *   <li>For a resource seen in one earlier answer only, that read goes out only if {@code
 *       ResourceActivity#busyAtRevision} estimates it busy at the probe's revision; otherwise the
 *       caller's own request, and the probe was the price of finding out.
 *   <li>If that answers 504 {@code ResourceVersionTooLarge} (this cache lags), the caller's own
 *       request, never a paged read; the lag is remembered for the resource.
 * </ol>
 *
 * With {@code allowStaleListReads} it sends {@code resourceVersion=0&limit=<page>} instead,
 * following {@code continue}. Never RV=0 by default: in HA another server's cache can lag, and a
 * controller would not find what it just created.
 */
public final class ListRewriteInterceptor implements Interceptor {
  private final ListPager pager;
  private final ListBodyFormats formats;
  private final ResourceActivity activity;

  public ListRewriteInterceptor(
      ListPager pager, ListBodyFormats formats, ResourceActivity activity) {
    this.pager = pager;
    this.formats = formats;
    this.activity = activity;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = ClassifyInterceptor.classified(request);
    ListDecision d = k.listDecision();
    if (d == null || request.tag(ListPage.class) != null) {
      return chain.proceed(request);
    }
    if (d.action() == ListDecision.Action.READ_STALE) {
      return pager.anyResourceVersion(chain, request);
    }
    if (d.action() != ListDecision.Action.READ_FROM_CACHE
        && d.action() != ListDecision.Action.READ_FROM_CACHE_IF_BUSY) {
      return chain.proceed(request);
    }
    HttpUrl probeUrl =
        request.url().newBuilder().query(null).addQueryParameter("limit", "1").build();
    Response probe = chain.proceed(retarget(request, k, probeUrl));
    if (probe.code() == 401 || probe.code() == 403) {
      probe.close();
      activity.probeForbidden(identity(request), k.groupResource());
      return chain.proceed(request);
    }
    if (!probe.isSuccessful()) {
      return probe; // the same resource: the caller's list would meet the same trouble
    }
    String probeRv;
    try (ResponseBody body = probe.body()) {
      probeRv = formats.forContentType(body.contentType()).resourceVersion(body.bytes());
    }
    if (probeRv == null || probeRv.isEmpty()) {
      return chain.proceed(request); // nothing to anchor a cache read on
    }
    if (d.action() == ListDecision.Action.READ_FROM_CACHE_IF_BUSY
        && !activity.busyAtRevision(k.groupResource(), revision(probeRv))) {
      return chain.proceed(request);
    }
    HttpUrl readUrl =
        request
            .url()
            .newBuilder()
            .removeAllQueryParameters("limit")
            .setQueryParameter("resourceVersion", probeRv)
            .setQueryParameter("resourceVersionMatch", "NotOlderThan")
            .build();
    Response read = chain.proceed(retarget(request, k, readUrl));
    if (ServerAnswer.of(read).isResourceVersionTooLarge()) {
      read.close();
      activity.cacheLagged(k.groupResource());
      return chain.proceed(request);
    }
    return read;
  }

  private static long revision(String rv) {
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      return 0; // not etcd's: no estimate, so the caller's own request
    }
  }

  /** The identity key {@code ListDecisionInterceptor} decided with. */
  private static String identity(Request request) {
    return ListDecisionInterceptor.identity(request);
  }

  private static Request retarget(Request request, KubeRequest k, HttpUrl url) {
    return request.newBuilder().url(url).tag(KubeRequest.class, k.withUrl(url)).build();
  }
}
