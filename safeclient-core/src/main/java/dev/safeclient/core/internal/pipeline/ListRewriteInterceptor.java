package dev.safeclient.core.internal.pipeline;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.ListDecision;
import dev.safeclient.core.internal.request.ListPage;
import dev.safeclient.core.internal.retry.ServerAnswer;
import dev.safeclient.core.internal.server.ResourceActivity;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.time.TimeSource;
import java.io.IOException;
import java.time.Duration;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SC101's rewrite, where {@code ListDecisionInterceptor} decided it pays (a busy resource on a
 * server that reads consistent lists from etcd): keeps the caller's consistent meaning but serves
 * the list from the watch cache.
 *
 * <ol>
 *   <li>A probe: the same list without selectors or other options, {@code limit=1}, RV unset. One
 *       etcd key and one APF seat, and it gives the current resourceVersion. A 401/403 (an identity
 *       allowed to list only with its selectors) sends the caller's own request instead, and is
 *       remembered for that identity and resource. Any other failure (an error status after the
 *       retries, a timeout, an unreadable answer, a resourceVersion that is not etcd's) sends the
 *       caller's own request too, counted: the probe is this library's choice, never the reason a
 *       call fails. A 404 (the path is not served) is the caller's answer as well, and is returned.
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
  private static final Logger log = LoggerFactory.getLogger(ListRewriteInterceptor.class);

  private final ListPager pager;
  private final ListBodyFormats formats;
  private final ResourceActivity activity;
  private final SafeClientMetrics metrics;

  /**
   * How long a resource whose probe failed goes without one: its lists go out as the caller sent
   * them, so a probe that keeps failing (a proxy that refuses {@code limit}, a flaky aggregated
   * path) is paid, and logged, once a minute per resource and not on every list.
   */
  static final Duration PROBE_FAILURE_MEMORY = Duration.ofMinutes(1);

  /**
   * The most of a probe's answer read. A {@code limit=1} list holds one object, and etcd refuses to
   * store one above 1.5 MiB (its default {@code --max-request-bytes}); in JSON it can be larger
   * than stored, so 4 MiB holds any one object with its list around it. Only a server or proxy that
   * ignores {@code limit} sends more, and then the whole list: not read past the cap (OkHttp may
   * discard a little more as it closes the body), never held.
   */
  static final int MAX_PROBE_BYTES = 4 << 20;

  /** Resources whose probe failed within {@link #PROBE_FAILURE_MEMORY}; bounded like the scopes. */
  private final Cache<String, Boolean> failedProbes;

  /**
   * Resources whose probe was answered past {@link #MAX_PROBE_BYTES}. A server or proxy that
   * ignores {@code limit} does so on every probe, and each probe (no selector) would be a whole
   * unfiltered list on top of the caller's own: they are not probed again while the client lives.
   */
  private final Cache<String, Boolean> probesIgnoringLimit =
      Caffeine.newBuilder().maximumSize(4_096).executor(Runnable::run).build();

  public ListRewriteInterceptor(
      ListPager pager,
      ListBodyFormats formats,
      ResourceActivity activity,
      SafeClientMetrics metrics,
      TimeSource clock) {
    this.pager = pager;
    this.formats = formats;
    this.activity = activity;
    this.metrics = metrics;
    this.failedProbes =
        Caffeine.newBuilder()
            .maximumSize(4_096)
            .expireAfterWrite(PROBE_FAILURE_MEMORY)
            .ticker(clock::nanoTime)
            .executor(Runnable::run)
            .build();
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = KubeRequest.of(request);
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
    if (failedProbes.getIfPresent(k.groupResource()) != null
        || probesIgnoringLimit.getIfPresent(k.groupResource()) != null) {
      return chain.proceed(request);
    }
    HttpUrl probeUrl =
        request.url().newBuilder().query(null).addQueryParameter("limit", "1").build();
    Response probe;
    try {
      probe = chain.proceed(retarget(request, k, probeUrl));
    } catch (IOException e) {
      if (chain.call().isCanceled()) {
        throw e; // the caller gave up: nothing more is sent
      }
      return callersOwn(chain, request, k, e.getClass().getSimpleName());
    }
    if (probe.code() == 401 || probe.code() == 403) {
      probe.close();
      activity.probeForbidden(identity(request), k.groupResource());
      return chain.proceed(request);
    }
    if (probe.code() == 404) {
      // The path itself is not served (a group/version this server removed or never enabled):
      // the caller's own request, to the same path, would get this same answer.
      return probe;
    }
    if (!probe.isSuccessful()) {
      // The probe drops the caller's selectors and options, and a 5xx or 429 may be passing: the
      // caller's request could be answered where the probe was not.
      probe.close();
      return callersOwn(chain, request, k, Integer.toString(probe.code()));
    }
    long probeRv;
    boolean tooLarge;
    try (ResponseBody body = probe.body()) {
      byte[] bytes = readCapped(body);
      tooLarge = bytes == null;
      probeRv =
          tooLarge
              ? 0
              : revision(formats.forContentType(body.contentType()).resourceVersion(bytes));
    } catch (IOException | RuntimeException e) {
      if (chain.call().isCanceled()) {
        throw e;
      }
      return callersOwn(chain, request, k, "unreadable");
    }
    if (tooLarge) {
      probesIgnoringLimit.put(k.groupResource(), Boolean.TRUE);
      // Sent once the probe is closed: one response at a time on this chain.
      return callersOwn(chain, request, k, "too large");
    }
    if (probeRv <= 0) {
      // Etcd's revisions are positive integers: anything else anchors no cache read, and says
      // nothing of the resource's rate.
      return callersOwn(chain, request, k, "no revision");
    }
    if (d.action() == ListDecision.Action.READ_FROM_CACHE_IF_BUSY
        && !activity.busyAtRevision(k.groupResource(), probeRv)) {
      return chain.proceed(request);
    }
    HttpUrl readUrl =
        request
            .url()
            .newBuilder()
            .removeAllQueryParameters("limit")
            .setQueryParameter("resourceVersion", Long.toString(probeRv))
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

  /**
   * The probe failed, or its answer was unusable: the caller's own request, plain client-java's
   * request and outcome, after the probe already paid for. Counted and logged, so that a failing
   * probe is seen and not only paid for.
   */
  private Response callersOwn(Chain chain, Request request, KubeRequest k, String cause)
      throws IOException {
    metrics.listRewriteFallback("probe", cause);
    failedProbes.put(k.groupResource(), Boolean.TRUE);
    log.info(
        "SC101's probe of {} failed ({}); sending the caller's own request, and its lists as sent"
            + " for {} s",
        k.groupResource(),
        cause,
        PROBE_FAILURE_MEMORY.toSeconds());
    return chain.proceed(request);
  }

  /**
   * The probe's body, or null if it is longer than {@link #MAX_PROBE_BYTES}: then no more of it is
   * read (closing it drops the connection's rest), and it is never held whole.
   */
  private static byte[] readCapped(ResponseBody body) throws IOException {
    if (body.contentLength() > MAX_PROBE_BYTES) {
      return null;
    }
    okio.BufferedSource source = body.source();
    if (source.request(MAX_PROBE_BYTES + 1L)) {
      return null;
    }
    return source.readByteArray();
  }

  /** A positive integer, as etcd's revisions are; 0 for anything else. */
  private static long revision(String rv) {
    if (rv == null) {
      return 0;
    }
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      return 0;
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
