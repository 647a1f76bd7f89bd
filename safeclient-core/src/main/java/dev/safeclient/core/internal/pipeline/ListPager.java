package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.internal.body.ListBodyFormat;
import dev.safeclient.core.internal.protocol.ApiStatus;
import dev.safeclient.core.internal.protocol.ListChunks;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.ListPage;
import dev.safeclient.core.internal.retry.ServerAnswer;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.serving.ServerVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a LIST page by page ({@code limit}, then {@code continue}) and hands back one response,
 * exactly as if the server had answered unpaged: every item in order, under the first page's list
 * metadata with {@code continue} and {@code remainingItemCount} cleared.
 *
 * <ul>
 *   <li>A 410 on a continue page (the token expired, about 5 min on a default server) restarts from
 *       the top, at most {@value ListChunks#MAX_RESTARTS} times. After that the caller's own
 *       request goes out unpaged: the heaviest request there is, but exactly what plain client-java
 *       sends, and one that never answers 410, so paging never fails a call plain client-java would
 *       make. It never hands back a partial list.
 *   <li>An error answer to the first page (the caller's own query with a limit) is handed back as
 *       it is, so the caller sees the server's Status. Any failure after it (an error page, a
 *       timeout, an unreadable page, a continue token that repeats or never ends) sends the
 *       caller's own request unpaged, counted ({@code listRewriteFallback}).
 *   <li>Each page request carries a {@link ListPage} tag for the budget link.
 * </ul>
 */
public final class ListPager {
  private static final Logger log = LoggerFactory.getLogger(ListPager.class);

  private final int pageSize;
  private final ListBodyFormats formats;
  private final SafeClientMetrics metrics;

  public ListPager(int pageSize, ListBodyFormats formats, SafeClientMetrics metrics) {
    this.pageSize = pageSize;
    this.formats = formats;
    this.metrics = metrics;
  }

  /** A consistent paged read: resourceVersion unset on every page. */
  public Response consistent(Interceptor.Chain chain, Request request) throws IOException {
    return read(chain, request, null);
  }

  /**
   * A stale-allowed paged read: the first page at {@code resourceVersion=0} (served by the watch
   * cache, which ignores {@code limit} and answers in one page), following {@code continue} if the
   * server paginated anyway (watch cache disabled), as client-go's reflector does.
   */
  public Response anyResourceVersion(Interceptor.Chain chain, Request request) throws IOException {
    return read(chain, request, "0");
  }

  private Response read(Interceptor.Chain chain, Request request, String firstPageRv)
      throws IOException {
    Pages pages = new Pages(chain, request, firstPageRv);
    ListChunks.End end = ListChunks.read(pageSize, pages);
    switch (end) {
      case STOPPED:
        if (pages.answer != null) {
          return pages.answer;
        }
        return callersOwn(chain, request, pages.fallbackCause, pages.fallbackWhy);
      case CONTINUE_EXPIRED:
        // The caller's own request is a list that never answers 410 (no continue token): what
        // failed is the paging this library chose, so the caller gets what plain client-java
        // would have got, at plain client-java's cost.
        return callersOwn(
            chain,
            request,
            "410",
            "the continue token expired (410) "
                + (ListChunks.MAX_RESTARTS + 1)
                + " times while paging with limit="
                + pageSize
                + "; the pages are read too slowly for the server's continue-token lifetime"
                + " (about 5 min)");
      case REPEATED_CONTINUE:
        return callersOwn(
            chain,
            request,
            "repeated-continue",
            "the server returned the same continue token twice; it would never end");
      case NEVER_ENDING:
        return callersOwn(
            chain,
            request,
            "never-ending",
            "did not end after "
                + Math.max(1, (ListChunks.MAX_LIST_OBJECTS + pageSize - 1) / pageSize)
                + " pages of "
                + pageSize);
      case COMPLETE:
      default:
        return pages.merged();
    }
  }

  /** One chunked read's pages, for {@link ListChunks}: raw bodies, merged at the end. */
  private final class Pages implements ListChunks.Reader {
    private final Interceptor.Chain chain;
    private final Request request;
    private final String firstPageRv;
    private final KubeRequest classified;
    private List<byte[]> bodies;
    private Response first;
    private MediaType contentType;
    private ListBodyFormat format;
    // Set when the read stops with an answer for the caller: the server's own, or one page whole.
    private Response answer;
    // Set where paging failed after the caller's own query was answered once (its first page):
    // the caller's own request then goes out once, outside the page, so that its own failure is
    // the caller's.
    private String fallbackCause;
    private String fallbackWhy;

    Pages(Interceptor.Chain chain, Request request, String firstPageRv) {
      this.chain = chain;
      this.request = request;
      this.firstPageRv = firstPageRv;
      this.classified = KubeRequest.of(request);
    }

    @Override
    public void start(int restarts) {
      bodies = new ArrayList<>();
      first = null;
      contentType = null;
      format = null;
    }

    @Override
    public ListChunks.Page page(int index, String token) throws IOException {
      HttpUrl url = pageUrl(request.url(), index, token, firstPageRv);
      Response page;
      try {
        page =
            chain.proceed(
                request
                    .newBuilder()
                    .url(url)
                    .tag(KubeRequest.class, classified.withUrl(url))
                    .tag(ListPage.class, new ListPage(index, pageSize))
                    .build());
        if (!page.isSuccessful()) {
          if (index == 0 || overloaded(request, classified, page)) {
            // Page 0 is the server's answer to the caller's own query with a limit. An overloaded
            // server (APF 429, the apiserver's own 503, a timeout) would take the caller's whole
            // unpaged list, the heaviest request there is, at the worst moment: its answer is
            // returned instead.
            answer = page;
            return ListChunks.Page.stop();
          }
          page.close();
          if (ApiStatus.withoutBody(page).isExpired()) {
            return ListChunks.Page.continueExpired();
          }
          // A page the caller never asked for failed: its own request may well be answered.
          return fallback(Integer.toString(page.code()), "page " + index + " failed");
        }
        MediaType pageType = page.body().contentType();
        ListBodyFormat pageFormat = formats.forContentType(pageType);
        if (format != null && pageFormat != format) {
          page.close();
          return fallback("formats", "pages answered in different formats");
        }
        if (index == 0) {
          // A list the server answered in one page (the watch cache ignores limit at
          // resourceVersion=0) is handed on unread, for the decoder to read as it arrives: only
          // its head is buffered, to learn that no continue token follows.
          String atHead;
          try {
            atHead = pageFormat.continueTokenAtHead(page.body().source().peek().inputStream());
          } catch (IOException | RuntimeException e) {
            page.close();
            throw e;
          }
          if (atHead != null && atHead.isEmpty()) {
            answer = page;
            return ListChunks.Page.stop();
          }
        }
        byte[] body;
        try (ResponseBody b = page.body()) {
          body = b.bytes();
        }
        bodies.add(body);
        if (first == null) {
          first = page;
          contentType = pageType;
          format = pageFormat;
        }
        return ListChunks.Page.read(pageFormat.continueToken(body));
      } catch (IOException | RuntimeException e) {
        if (index == 0 || chain.call().isCanceled()) {
          throw e;
        }
        // The class only: a message may quote the body, and a page may be a Secret list.
        return fallback(
            e.getClass().getSimpleName(),
            "page " + index + " failed: " + e.getClass().getSimpleName());
      }
    }

    private ListChunks.Page fallback(String cause, String why) {
      fallbackCause = cause;
      fallbackWhy = why;
      return ListChunks.Page.stop();
    }

    /** Every page's items under the first page's metadata, as one answer. */
    Response merged() throws IOException {
      // The pages are held until the last has come (the merged list's length prefix counts them
      // all); the merge releases each page as it copies it, so about one list is held, not two.
      ResponseBody whole;
      try {
        whole =
            bodies.size() == 1
                ? ResponseBody.create(bodies.get(0), contentType)
                : format.mergedBody(bodies, contentType);
      } catch (IOException | RuntimeException e) {
        if (chain.call().isCanceled()) {
          throw e;
        }
        return callersOwn(
            chain,
            request,
            "unreadable",
            "pages could not be merged: " + e.getClass().getSimpleName());
      }
      return first
          .newBuilder()
          .body(whole)
          .removeHeader("Transfer-Encoding")
          .header("Content-Length", Long.toString(whole.contentLength()))
          .build();
    }
  }

  /** Whether a page's error says the API server itself is overloaded ({@link ServerAnswer}). */
  private static boolean overloaded(Request request, KubeRequest classified, Response page) {
    return ServerAnswer.of(page).isOverload(request.tag(ServerVersion.class), classified.group());
  }

  /**
   * Paging, this library's choice, failed after the caller's own query had been answered once (its
   * first page): the caller's own request, unpaged, exactly what plain client-java sends, so that
   * paging never fails a call plain client-java would make. Never a partial list.
   */
  private Response callersOwn(Interceptor.Chain chain, Request request, String cause, String why)
      throws IOException {
    metrics.listRewriteFallback("page", cause);
    log.warn(
        "LIST {}: {}. Sending the caller's own request, unpaged, as plain client-java would.",
        request.url().encodedPath(),
        why);
    return chain.proceed(request);
  }

  /**
   * The caller's query with our {@code limit}; continue pages drop resourceVersion(Match), which
   * the server forbids next to {@code continue}, and carry the token.
   */
  private HttpUrl pageUrl(HttpUrl callerUrl, int index, String token, String firstPageRv) {
    HttpUrl.Builder b =
        callerUrl
            .newBuilder()
            .removeAllQueryParameters("limit")
            .removeAllQueryParameters("continue");
    if (index == 0) {
      if (firstPageRv != null) {
        b.setQueryParameter("resourceVersion", firstPageRv);
      }
    } else {
      b.removeAllQueryParameters("resourceVersion")
          .removeAllQueryParameters("resourceVersionMatch");
    }
    b.addQueryParameter("limit", Integer.toString(pageSize));
    if (index > 0) {
      b.addQueryParameter("continue", token);
    }
    return b.build();
  }
}
