package dev.safeclient.informer.internal;

import dev.safeclient.core.internal.protocol.ListChunks;
import dev.safeclient.core.internal.request.CacheFillList;
import dev.safeclient.core.internal.request.ListPage;
import dev.safeclient.core.internal.request.RawBody;
import dev.safeclient.informer.internal.ReflectorState.ListMode;
import dev.safeclient.informer.internal.ReflectorState.RelistReason;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One LIST that fills the cache: paged through {@link ListChunks}, read again consistently when its
 * resourceVersion is gone or ahead of the server's cache. On success the store holds exactly the
 * list and the state is synced at its resourceVersion.
 */
final class Listing<O> {
  private static final Logger log = LoggerFactory.getLogger(Reflector.class);

  private final Reflector<O> owner;
  private final ReflectorConfig<O> config;
  private final ReflectorState state;

  Listing(Reflector<O> owner, ReflectorConfig<O> config, ReflectorState state) {
    this.owner = owner;
    this.config = config;
    this.state = state;
  }

  void run() throws IOException {
    state.listing();
    ListMode mode = state.listMode();
    String rv;
    try {
      rv = listPaged(mode, state.relistReason());
    } catch (ApiStatusException e) {
      if (owner.stopped() || !(e.expired() || e.tooLarge()) || mode == ListMode.CONSISTENT) {
        throw e;
      }
      // The asked resourceVersion is gone from history, or ahead of this server's cache: a
      // consistent read is the one that answers (client-go retries it at once, once).
      state.listFromStorage();
      log.info("{}: {}; relisting with a consistent paged read", config.name(), e.getMessage());
      rv =
          listPaged(
              ListMode.CONSISTENT,
              e.expired() ? RelistReason.LIST_EXPIRED : RelistReason.TOO_LARGE);
    }
    state.synced(rv);
    owner.failures().recovered("list");
    owner.answered();
  }

  /** Lists every page into the store; the list's resourceVersion. */
  private String listPaged(ListMode mode, RelistReason reason) throws IOException {
    config.health().relisting();
    config.metrics().informerRelist(config.health().name(), reason.tag());
    Pages pages = new Pages(mode);
    switch (ListChunks.read(config.pageSize(), pages)) {
      case COMPLETE -> {
        if (owner.stopped()) {
          throw new InterruptedIOException("stopped");
        }
        config.store().replace(pages.items, pages.rv);
        state.advancedTo(pages.rv);
        config.health().listed();
        return pages.rv;
      }
      case STOPPED -> throw new InterruptedIOException("stopped");
      case CONTINUE_EXPIRED -> {
        // Not the list's resourceVersion expiring: a consistent relist would page the same way.
        state.listFromStorage();
        throw new IOException(
            "continue tokens expired "
                + (ListChunks.MAX_RESTARTS + 1)
                + " times in a row; giving up this attempt",
            pages.expired);
      }
      case REPEATED_CONTINUE ->
          throw new IOException(
              "the server returned the same continue token twice; the list would never end");
      case NEVER_ENDING ->
          throw new IOException(
              "the list did not end within "
                  + ListChunks.MAX_LIST_OBJECTS
                  + " objects or "
                  + ListChunks.MAX_COUNTED_PAGES
                  + " pages");
      default -> throw new IllegalStateException("unknown end of a list");
    }
  }

  /** One list's pages, for {@link ListChunks}: each page's items, transformed as they come. */
  private final class Pages implements ListChunks.Reader {
    // How the first page of the current attempt reads; a restart reads consistently.
    private ListMode pageMode;
    // The current attempt's items, in the server's order.
    private List<O> items;
    // The current attempt's resourceVersion: the last page's.
    private String rv;
    // The last expired continue token's answer: the cause when the attempt gives up.
    private ApiStatusException expired;

    Pages(ListMode mode) {
      this.pageMode = mode;
    }

    @Override
    public void start(int restarts) throws IOException {
      if (restarts > 0) {
        if (owner.stopped()) {
          throw new InterruptedIOException("stopped");
        }
        // The continue token expired between pages: restart from the top, consistently.
        pageMode = ListMode.CONSISTENT;
        log.info(
            "{}: continue token expired; restarting the paged list ({})", config.name(), restarts);
      }
      items = new ArrayList<>();
      rv = null;
    }

    @Override
    public ListChunks.Page page(int index, String cont) throws IOException {
      if (index > 0 && owner.stopped()) {
        return ListChunks.Page.stop();
      }
      ReflectorDecoder.ListPage<O> page;
      try {
        page = fetchList(listQuery(pageMode, cont), index);
      } catch (ApiStatusException e) {
        if (e.expired() && cont != null) {
          expired = e;
          return ListChunks.Page.continueExpired();
        }
        throw e;
      }
      List<O> pageItems = page.items();
      for (O item : pageItems) {
        items.add(config.decoder().prepare(item));
      }
      if (page.resourceVersion() == null) {
        throw new IOException("list answered without metadata.resourceVersion");
      }
      rv = page.resourceVersion();
      String next = page.continueToken();
      // Counted, not assumed full: a server may send short pages, and a long list that pages in
      // them must still sync (the informer has no unpaged fallback to take instead).
      return ListChunks.Page.read(next == null || next.isEmpty() ? null : next, pageItems.size());
    }
  }

  private List<Pair> listQuery(ListMode mode, String cont) {
    Map<String, String> q = ReflectorRequests.selectors(config.endpoint());
    if (cont != null) {
      // The apiserver refuses a resourceVersion with continue; client-go's pager clears it.
      q.put("continue", cont);
      q.put("limit", Integer.toString(config.pageSize()));
    } else {
      switch (mode) {
        case INITIAL -> {
          q.put("resourceVersion", "0");
          q.put("limit", Integer.toString(config.pageSize()));
        }
        case AT_LAST_RV -> q.put("resourceVersion", state.lastResourceVersion());
        case CONSISTENT -> q.put("limit", Integer.toString(config.pageSize()));
      }
    }
    return ReflectorRequests.pairs(q);
  }

  /**
   * @param pageIndex the page's place in this list (0 first). Each page is charged by the budgets
   *     as the one request it is; as a library call, it waits its turn and is never refused.
   */
  private ReflectorDecoder.ListPage<O> fetchList(List<Pair> query, int pageIndex)
      throws IOException {
    ReflectorDecoder<O> decoder = config.decoder();
    Request request =
        ReflectorRequests.request(config.api(), config.endpoint(), query, decoder.listAccept())
            .newBuilder()
            .tag(CacheFillList.class, CacheFillList.INSTANCE)
            .build();
    if (!decoder.listEncodingNegotiable()) {
      request = request.newBuilder().tag(RawBody.class, RawBody.INSTANCE).build();
    }
    if (query.stream().anyMatch(p -> p.getName().equals("limit"))) {
      request =
          request
              .newBuilder()
              .tag(ListPage.class, new ListPage(pageIndex, config.pageSize()))
              .build();
    }
    Call call = config.api().getHttpClient().newCall(request);
    owner.calling(call);
    try (Response response = call.execute()) {
      if (!response.isSuccessful()) {
        throw ApiStatusException.fromHttp("list", response);
      }
      ReflectorDecoder.ListPage<O> list = decoder.decodeList(response);
      if (list == null) {
        throw new IOException("list answered with an empty body");
      }
      return list;
    } catch (ApiException | RuntimeException e) {
      throw new IOException(
          "could not decode the list of "
              + decoder.objectName()
              + ": "
              + JsonLinesWatchReader.safeMessage(e),
          e);
    } finally {
      owner.calling(null);
    }
  }
}
