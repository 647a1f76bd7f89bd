package dev.safeclient.relay.internal;

import dev.safeclient.informer.RawObject;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.relay.internal.ResourceCache.Page;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's HTTP side: the API server's paths and query parameters for GET, LIST and WATCH of
 * the relayed resources, answered from their caches by the resourceVersion rules of the
 * apiserver's watch cache, and the apiserver's Status bodies for everything else.
 */
public final class RelayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RelayServer.class);

  /**
   * The watch cache sends an idle watcher a bookmark about once a minute (the cacher's {@code
   * bookmarkFrequency}); agents arm their "no bookmark" watchdogs on that.
   */
  static final Duration BOOKMARK_INTERVAL = Duration.ofSeconds(60);

  /** Without {@code timeoutSeconds}, the apiserver ends a watch at a random time in [30, 60) min. */
  static final long MIN_WATCH_SECONDS = 1800;

  static final long MAX_WATCH_SECONDS = 3600;

  /** One relayed resource: its cache and its coalesced consistent reads. */
  static final class Relayed {
    final ResourceSpec spec;
    final ResourceCache cache;
    final ConsistentReads reads;

    Relayed(ResourceSpec spec, ResourceCache cache, ConsistentReads reads) {
      this.spec = spec;
      this.cache = cache;
      this.reads = reads;
    }
  }

  /** What health shows of one relayed resource. */
  public record ResourceState(
      String resource,
      boolean synced,
      boolean stale,
      Optional<String> staleReason,
      long resourceVersion,
      int objects,
      int windowEvents,
      long windowBytes,
      int watchers,
      long relists,
      long probes,
      long consistentLists) {}

  private final Map<String, Relayed> byPath = new LinkedHashMap<>();
  private final TimeSource clock;
  private final RequestGate gate;
  private final ExecutorService upstreamCalls;
  private final Server server;
  private final ServerConnector connector;
  private volatile boolean closed;
  private volatile TimeSource.Timer bookmarkTimer;

  public RelayServer(
      List<ResourceSpec> specs,
      Upstream upstream,
      TimeSource clock,
      RequestGate gate,
      String host,
      int port,
      int maxEvents,
      long maxEventBytes) {
    this.clock = clock;
    this.gate = gate;
    AtomicInteger n = new AtomicInteger();
    this.upstreamCalls =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "relay-upstream-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    for (ResourceSpec s : specs) {
      ResourceCache cache =
          new ResourceCache(s.toString(), s.nodeIndexed(), maxEvents, maxEventBytes, clock);
      cache.listItemsBare(s.builtIn());
      byPath.put(
          key(s.group(), s.version(), s.plural()),
          new Relayed(s, cache, new ConsistentReads(s, cache, upstream, clock, upstreamCalls)));
    }
    QueuedThreadPool pool = new QueuedThreadPool(200, 4);
    pool.setName("relay-http");
    pool.setDaemon(true);
    this.server = new Server(pool);
    this.connector = new ServerConnector(server, 1, 1);
    connector.setHost(host);
    connector.setPort(port);
    // Watches stay silent for a whole bookmark interval: no idle timeout shorter than a watch.
    connector.setIdleTimeout(TimeUnit.SECONDS.toMillis(MAX_WATCH_SECONDS + 60));
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            return RelayServer.this.handle(request, response, callback);
          }
        });
  }

  private static String key(String group, String version, String plural) {
    return group + "/" + version + "/" + plural;
  }

  /** The cache of {@code spec}, as its upstream feed tells it. */
  public CacheFeed feed(ResourceSpec spec) {
    return relayed(spec).cache;
  }

  Relayed relayed(ResourceSpec spec) {
    Relayed r = byPath.get(key(spec.group(), spec.version(), spec.plural()));
    if (r == null) {
      throw new IllegalArgumentException("not relayed: " + spec);
    }
    return r;
  }

  public void start() throws Exception {
    server.start();
    scheduleBookmarks();
  }

  public URI url() {
    String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
    return URI.create("http://" + host + ":" + connector.getLocalPort());
  }

  public List<ResourceState> health() {
    List<ResourceState> out = new ArrayList<>();
    for (Relayed r : byPath.values()) {
      ResourceCache c = r.cache;
      out.add(
          new ResourceState(
              r.spec.toString(),
              c.synced(),
              c.stale(),
              c.staleReason(),
              c.resourceVersion(),
              c.size(),
              c.windowEvents(),
              c.windowBytes(),
              c.watchers(),
              c.relists(),
              r.reads.probes(),
              r.reads.lists()));
    }
    return out;
  }

  @Override
  public void close() {
    closed = true;
    TimeSource.Timer t = bookmarkTimer;
    if (t != null) {
      t.cancel();
    }
    for (Relayed r : byPath.values()) {
      r.cache.endAll();
    }
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("relay: the HTTP server did not stop cleanly: {}", e.toString());
    }
    upstreamCalls.shutdownNow();
  }

  private void scheduleBookmarks() {
    if (closed) {
      return;
    }
    bookmarkTimer =
        clock.schedule(
            BOOKMARK_INTERVAL,
            () -> {
              try {
                for (Relayed r : byPath.values()) {
                  r.cache.bookmarks();
                }
              } catch (Throwable t) {
                LOG.error("relay: sending bookmarks failed; next round in a minute", t);
              } finally {
                scheduleBookmarks();
              }
            });
  }

  // ---- HTTP ----

  private boolean handle(Request request, Response response, Callback callback) {
    try {
      route(request, response, callback);
    } catch (ApiStatus s) {
      send(response, callback, s);
    } catch (Throwable t) {
      LOG.error("relay: a request failed", t);
      send(response, callback, ApiStatus.internal("the relay failed to answer: " + t));
    }
    return true;
  }

  private void route(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    List<String> seg = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        seg.add(s);
      }
    }
    if (seg.size() == 1 && (seg.get(0).equals("healthz") || seg.get(0).equals("livez"))) {
      sendText(response, callback, 200, "ok");
      return;
    }
    if (seg.size() == 1 && seg.get(0).equals("readyz")) {
      boolean ready = byPath.values().stream().allMatch(r -> r.cache.synced());
      sendText(response, callback, ready ? 200 : 503, ready ? "ok" : "not synced");
      return;
    }
    if (seg.size() < 3 || !(seg.get(0).equals("api") || seg.get(0).equals("apis"))) {
      throw ApiStatus.notFound();
    }
    int base = seg.get(0).equals("api") ? 1 : 2;
    if (seg.size() < base + 2) {
      throw ApiStatus.notFound();
    }
    String group = base == 1 ? "" : seg.get(1);
    String version = seg.get(base);
    List<String> rest = seg.subList(base + 1, seg.size());
    String namespace = null;
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    Relayed r = byPath.get(key(group, version, rest.get(0)));
    if (r == null || rest.size() > 2 || (namespace != null && !r.spec.namespaced())) {
      throw ApiStatus.notFound();
    }
    String name = rest.size() == 2 ? rest.get(1) : null;
    if (!"GET".equals(request.getMethod())) {
      throw ApiStatus.methodNotAllowed(request.getMethod());
    }
    ReadQuery q = ReadQuery.parse(query(request));
    String verb = q.watch ? "watch" : name != null ? "get" : "list";
    gate.check(
        request.getHeaders().get(HttpHeader.AUTHORIZATION),
        new RelayRequest(verb, r.spec, namespace, name, q));
    Selection s = q.selection(r.spec.plural(), r.spec.group(), namespace);
    if (!r.cache.synced()) {
      throw ApiStatus.notReady();
    }
    switch (verb) {
      case "watch" -> watch(r, q, withName(s, name), response, callback);
      case "get" -> get(r, q, namespace, name, response, callback);
      default -> list(r, q, s, response, callback);
    }
  }

  private static Selection withName(Selection s, String name) {
    if (name == null) {
      return s;
    }
    List<Selection.FieldTerm> fields = Selection.copy(s.fields);
    fields.add(new Selection.FieldTerm("metadata.name", true, name));
    return new Selection(s.namespace, s.labels, fields);
  }

  private static Map<String, String> query(Request request) {
    Map<String, String> q = new HashMap<>();
    Fields fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    for (Fields.Field f : fields) {
      q.put(f.getName(), f.getValue());
    }
    return q;
  }

  /**
   * Completes when the cache may serve a read by {@code q}'s resourceVersion: at once for "0",
   * after the cache reached a specific RV (up to the apiserver's 3 s, then 504), or for a
   * consistent read after the coalesced probe (or with the list made for the window).
   */
  private CompletableFuture<ConsistentReads.Fresh> readPoint(Relayed r, ReadQuery q) {
    if (q.unset()) {
      return r.reads.fresh();
    }
    if (q.zero()) {
      return CompletableFuture.completedFuture(new ConsistentReads.Fresh(null));
    }
    return r.cache
        .awaitResourceVersion(q.specificResourceVersion(), ResourceCache.FRESHNESS_WAIT)
        .thenApply(v -> new ConsistentReads.Fresh(null));
  }

  private void get(
      Relayed r, ReadQuery q, String ns, String name, Response response, Callback callback) {
    readPoint(r, q)
        .thenApply(
            fresh -> {
              Optional<CachedObject> o =
                  fresh.fromCache()
                      ? r.cache.get(ns, name)
                      : fresh.snapshot().page(Selection.EVERYTHING.inNamespace(ns), null, 0)
                          .items()
                          .stream()
                          .filter(x -> x.name.equals(name))
                          .findFirst();
              return o.orElseThrow(
                  () -> ApiStatus.objectNotFound(r.spec.plural(), r.spec.group(), name));
            })
        .whenComplete(
            (o, t) -> {
              if (t != null) {
                send(response, callback, status(t, false));
              } else {
                sendBytes(response, callback, 200, o.contentType(), o.objectBytes(), Map.of());
              }
            });
  }

  private void list(Relayed r, ReadQuery q, Selection s, Response response, Callback callback) {
    CompletableFuture<Page> page;
    if (q.continueToken != null) {
      ReadQuery.Continue c = ReadQuery.Continue.decode(q.continueToken);
      ListSnapshot kept = r.reads.snapshotAt(c.resourceVersion());
      if (kept != null) {
        page = CompletableFuture.completedFuture(kept.page(s, c.start(), q.limit));
      } else {
        page =
            r.cache
                .awaitResourceVersion(c.resourceVersion(), ResourceCache.FRESHNESS_WAIT)
                .thenApply(v -> continued(r, s, c, q.limit));
      }
    } else if (q.zero()) {
      // As the watch cache: RV=0 is one unpaged answer, limit ignored.
      page = CompletableFuture.completedFuture(r.cache.listCurrent(s, 0));
    } else if (!q.unset()
        && ("Exact".equals(q.resourceVersionMatch)
            || (q.resourceVersionMatch == null && q.limit > 0))) {
      long rv = q.specificResourceVersion();
      page =
          r.cache
              .awaitResourceVersion(rv, ResourceCache.FRESHNESS_WAIT)
              .thenApply(v -> exact(r, s, rv, q.limit));
    } else {
      page =
          readPoint(r, q)
              .thenApply(
                  fresh ->
                      fresh.fromCache()
                          ? r.cache.listCurrent(s, q.limit)
                          : fresh.snapshot().page(s, null, q.limit));
    }
    page.whenComplete(
        (p, t) -> {
          if (t != null) {
            send(response, callback, status(t, false));
          } else {
            sendBytes(
                response,
                callback,
                200,
                RawObject.JSON,
                ByteBuffer.wrap(listBody(r.spec, p, r.cache.listItemsBare())),
                Map.of());
          }
        });
  }

  private static Page continued(Relayed r, Selection s, ReadQuery.Continue c, int limit) {
    try {
      return r.cache.listAt(s, c.resourceVersion(), c.start(), limit);
    } catch (ResourceCache.Expired e) {
      throw ApiStatus.expiredContinue();
    }
  }

  private static Page exact(Relayed r, Selection s, long rv, int limit) {
    try {
      return r.cache.listAt(s, rv, null, limit);
    } catch (ResourceCache.Expired e) {
      // etcd's answer for a compacted revision, as an Exact list read from storage gets it.
      throw ApiStatus.of(
          410, "Expired", "The resourceVersion for the provided list is too old.", null);
    }
  }

  private static byte[] listBody(ResourceSpec spec, Page p, boolean bare) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String head =
        "{\"kind\":\""
            + spec.kind()
            + "List\",\"apiVersion\":\""
            + spec.apiVersion()
            + "\",\"metadata\":{\"resourceVersion\":\""
            + p.resourceVersion()
            + "\""
            + (p.continueAfter() == null
                ? ""
                : ",\"continue\":\""
                    + ReadQuery.Continue.after(p.resourceVersion(), p.continueAfter()).encode()
                    + "\"")
            + "},\"items\":[";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    boolean first = true;
    for (CachedObject o : p.items()) {
      if (!first) {
        out.write(',');
      }
      first = false;
      ByteBuffer item = o.listItemBytes(bare);
      byte[] b = new byte[item.remaining()];
      item.get(b);
      out.writeBytes(b);
    }
    out.writeBytes("]}\n".getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private void watch(Relayed r, ReadQuery q, Selection s, Response response, Callback callback) {
    long seconds =
        q.timeoutSeconds != null && q.timeoutSeconds > 0
            ? q.timeoutSeconds
            : ThreadLocalRandom.current().nextLong(MIN_WATCH_SECONDS, MAX_WATCH_SECONDS);
    boolean streamingList = Boolean.TRUE.equals(q.sendInitialEvents);
    boolean legacyInitial =
        q.sendInitialEvents == null && (q.unset() || q.zero());
    long from = q.unset() || q.zero() ? 0 : q.specificResourceVersion();
    HttpWatchSink sink = new HttpWatchSink(response, callback);
    CacheWatcher w =
        new CacheWatcher(
            s,
            q.allowWatchBookmarks,
            streamingList,
            from,
            r.spec.apiVersion(),
            r.spec.kind(),
            sink);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, RawObject.JSON);
    sink.start();
    TimeSource.Timer timeout =
        clock.schedule(
            Duration.ofSeconds(seconds),
            () -> {
              r.cache.forget(w);
              w.end();
            });
    sink.onEnd(
        () -> {
          timeout.cancel();
          r.cache.forget(w);
        });
    CompletableFuture<?> ready;
    if (streamingList) {
      // The cacher waits for freshness only for a streaming list (waitUntilWatchCacheFreshAnd
      // ForceAllEvents); an error is the stream's only event.
      ready = readPoint(r, q);
    } else {
      // A plain watch at an RV ahead is accepted at once, as the cacher accepts it: it gets the
      // events after that RV when they come.
      ready = CompletableFuture.completedFuture(null);
    }
    ready.whenComplete(
        (v, t) -> {
          try {
            if (t != null) {
              throw t;
            }
            if (streamingList || legacyInitial) {
              r.cache.watch(w, 0, true);
            } else if (q.unset() || q.zero()) {
              r.cache.watch(w, r.cache.resourceVersion(), false);
            } else {
              r.cache.watch(w, from, false);
            }
          } catch (Throwable e) {
            ApiStatus st = status(e, true);
            sink.send("ERROR", ByteBuffer.wrap(st.bytes()));
            w.end();
          }
        });
  }

  /** The Status a failure answers; {@code inWatch}: an expired RV in a watch is its own text. */
  private static ApiStatus status(Throwable t, boolean inWatch) {
    Throwable c = t;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof ApiStatus s) {
      return s;
    }
    if (c instanceof ResourceCache.TooLargeResourceVersion e) {
      return ApiStatus.tooLargeResourceVersion(e.requested, e.current);
    }
    if (c instanceof ResourceCache.Expired e) {
      return ApiStatus.expired(e.requested, e.oldest);
    }
    if (c instanceof ResourceCache.NotReady) {
      return ApiStatus.notReady();
    }
    LOG.error("relay: a read failed", c);
    return ApiStatus.internal("the relay failed to answer: " + c);
  }

  private static void send(Response response, Callback callback, ApiStatus s) {
    sendBytes(response, callback, s.code, RawObject.JSON, ByteBuffer.wrap(s.bytes()), s.headers);
  }

  private static void sendText(Response response, Callback callback, int code, String text) {
    sendBytes(
        response,
        callback,
        code,
        "text/plain; charset=utf-8",
        ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)),
        Map.of());
  }

  private static void sendBytes(
      Response response,
      Callback callback,
      int code,
      String contentType,
      ByteBuffer body,
      Map<String, String> headers) {
    response.setStatus(code);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    headers.forEach((k, v) -> response.getHeaders().put(k, v));
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
    response.write(true, body, callback);
  }
}
