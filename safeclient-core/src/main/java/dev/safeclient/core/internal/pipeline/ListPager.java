package dev.safeclient.core.internal.pipeline;

import dev.safeclient.core.internal.body.ListBodyFormat;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.ListPage;
import dev.safeclient.core.internal.retry.ServerAnswer;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.serving.ServerVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 *       the top, at most {@value #MAX_RESTARTS} times. After that the caller's own request goes out
 *       unpaged: the heaviest request there is, but exactly what plain client-java sends, and one
 *       that never answers 410, so paging never fails a call plain client-java would make. It never
 *       hands back a partial list.
 *   <li>An error answer to the first page (the caller's own query with a limit) is handed back as
 *       it is, so the caller sees the server's Status. Any failure after it (an error page, a
 *       timeout, an unreadable page, a continue token that repeats or never ends) sends the
 *       caller's own request unpaged, counted ({@code listRewriteFallback}).
 *   <li>Each page request carries a {@link ListPage} tag for the budget link.
 * </ul>
 */
public final class ListPager {
  private static final Logger log = LoggerFactory.getLogger(ListPager.class);

  /**
   * Restarts after an expired continue token. Each restart re-reads the list from the top; three
   * covers a transient slowness (client-go's pager falls back to a full list instead, which we
   * never do).
   */
  static final int MAX_RESTARTS = 3;

  /**
   * Objects one paged list may return before it is considered never-ending. Kubernetes' tested
   * envelope is about 150k pods per cluster; a million of one type is far past any real collection,
   * so a list that long is a server or proxy looping on its continue token.
   */
  static final long MAX_LIST_OBJECTS = 1_000_000;

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
    for (int restarts = 0; ; restarts++) {
      boolean last = restarts == MAX_RESTARTS;
      Response whole = readOnce(chain, request, firstPageRv, last);
      if (whole != null) {
        return whole;
      }
    }
  }

  /**
   * The whole list, an error page, or null when a continue token expired and {@code last} is false.
   */
  private Response readOnce(
      Interceptor.Chain chain, Request request, String firstPageRv, boolean last)
      throws IOException {
    KubeRequest classified = KubeRequest.of(request);
    long maxPages = Math.max(1, (MAX_LIST_OBJECTS + pageSize - 1) / pageSize);
    List<byte[]> bodies = new ArrayList<>();
    Set<String> tokens = new HashSet<>();
    Response first = null;
    MediaType contentType = null;
    ListBodyFormat format = null;
    String token = null;
    for (int index = 0; ; index++) {
      if (index == maxPages) {
        return callersOwn(
            chain,
            request,
            "never-ending",
            "did not end after " + maxPages + " pages of " + pageSize);
      }
      HttpUrl url = pageUrl(request.url(), index, token, firstPageRv);
      Response page = null;
      MediaType pageType = null;
      ListBodyFormat pageFormat = null;
      // Set where paging failed after the caller's own query was answered once; the caller's own
      // request then goes out once, outside the try, so that its own failure is the caller's.
      String fallbackCause = null;
      String fallbackWhy = null;
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
            return page;
          }
          page.close();
          if (page.code() == 410) {
            if (!last) {
              return null;
            }
            // The caller's own request is a list that never answers 410 (no continue token): what
            // failed is the paging this library chose, so the caller gets what plain client-java
            // would have got, at plain client-java's cost.
            fallbackCause = "410";
            fallbackWhy =
                "the continue token expired (410) "
                    + (MAX_RESTARTS + 1)
                    + " times while paging with limit="
                    + pageSize
                    + "; the pages are read too slowly for the server's continue-token lifetime"
                    + " (about 5 min)";
          } else {
            // A page the caller never asked for failed: its own request may well be answered.
            fallbackCause = Integer.toString(page.code());
            fallbackWhy = "page " + index + " failed";
          }
        } else {
          pageType = page.body().contentType();
          pageFormat = formats.forContentType(pageType);
          if (format != null && pageFormat != format) {
            page.close();
            fallbackCause = "formats";
            fallbackWhy = "pages answered in different formats";
          } else {
            if (index == 0) {
              // A list the server answered in one page (the watch cache ignores limit at
              // resourceVersion=0) is handed on unread, for the decoder to read as it arrives:
              // only its head is buffered, to learn that no continue token follows.
              String atHead;
              try {
                atHead = pageFormat.continueTokenAtHead(page.body().source().peek().inputStream());
              } catch (IOException | RuntimeException e) {
                page.close();
                throw e;
              }
              if (atHead != null && atHead.isEmpty()) {
                return page;
              }
            }
            byte[] body;
            try (ResponseBody b = page.body()) {
              body = b.bytes();
            }
            bodies.add(body);
            token = pageFormat.continueToken(body);
          }
        }
      } catch (IOException | RuntimeException e) {
        if (index == 0 || chain.call().isCanceled()) {
          throw e;
        }
        // The class only: a message may quote the body, and a page may be a Secret list.
        fallbackCause = e.getClass().getSimpleName();
        fallbackWhy = "page " + index + " failed: " + e.getClass().getSimpleName();
      }
      if (fallbackCause != null) {
        return callersOwn(chain, request, fallbackCause, fallbackWhy);
      }
      if (first == null) {
        first = page;
        contentType = pageType;
        format = pageFormat;
      }
      if (token == null || token.isEmpty()) {
        break;
      }
      if (!tokens.add(token)) {
        return callersOwn(
            chain,
            request,
            "repeated-continue",
            "the server returned the same continue token twice; it would never end");
      }
    }
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
