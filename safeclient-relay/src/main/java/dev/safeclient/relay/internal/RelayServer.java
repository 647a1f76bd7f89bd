package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.ApiserverDefaults;
import dev.safeclient.apiserver.ApiserverHttp;
import dev.safeclient.apiserver.ContinueToken;
import dev.safeclient.apiserver.ListBody;
import dev.safeclient.apiserver.ListOptions;
import dev.safeclient.apiserver.MediaTypes;
import dev.safeclient.apiserver.ProtobufEnvelope;
import dev.safeclient.apiserver.ProtobufTranscoder;
import dev.safeclient.apiserver.ProtobufTranscoder.NotLossless;
import dev.safeclient.apiserver.Query;
import dev.safeclient.apiserver.ReadMode;
import dev.safeclient.apiserver.RequestInfo;
import dev.safeclient.apiserver.SelectionPredicate;
import dev.safeclient.apiserver.Status;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.apiserver.UnreadyCache;
import dev.safeclient.apiserver.Verb;
import dev.safeclient.apiserver.WatchEvents;
import dev.safeclient.apiserver.WatchStart;
import dev.safeclient.apiserver.WatchStreamWriter;
import dev.safeclient.apiserver.WebSocketWatch;
import dev.safeclient.informer.RawObject;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.relay.internal.ResourceCache.Page;
import java.io.EOFException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's HTTP side: the API server's paths and query parameters for GET, LIST and WATCH of the
 * relayed resources, answered from their caches by the resourceVersion rules of the apiserver's
 * watch cache, and the apiserver's Status bodies for everything else.
 */
public final class RelayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RelayServer.class);

  /**
   * How long a connection may take to send its request's headers, and stay idle between requests:
   * the apiserver's ReadHeaderTimeout (32 s, just shy of its request timeout's upper bound). A
   * client that opens connections and never finishes a request holds each this long, not a watch's
   * hour.
   */
  static final Duration READ_HEADER_TIMEOUT = Duration.ofSeconds(32);

  /**
   * Watches stay silent for a whole bookmark interval and run up to twice the apiserver's request
   * timeout: a watch's connection gets an idle timeout longer than any watch, once authorized.
   */
  static final Duration IDLE_TIMEOUT =
      ApiserverDefaults.MIN_REQUEST_TIMEOUT.multipliedBy(2).plusMinutes(1);

  /** How long before its timeout a watch gets its last bookmark: the cacher's 2 s. */
  static final Duration BOOKMARK_BEFORE_TIMEOUT = Duration.ofSeconds(2);

  /**
   * How long a read at an RV ahead of the cache waits for the cache to reach it by itself before it
   * joins the coalesced consistent read: a busy resource's cache reaches a write's RV within
   * milliseconds of it, as the consistent reads' catch-up assumes.
   */
  static final Duration AHEAD_WAIT = ConsistentReads.CATCH_UP;

  /** One relayed resource: its cache, its coalesced consistent reads and its encodings. */
  static final class Relayed {
    final ResourceSpec spec;
    final ResourceCache cache;
    final ConsistentReads reads;
    final ResourceEncoding encoding;

    Relayed(
        ResourceSpec spec, ResourceCache cache, ConsistentReads reads, ResourceEncoding encoding) {
      this.spec = spec;
      this.cache = cache;
      this.reads = reads;
      this.encoding = encoding;
    }
  }

  /** What health shows of one relayed resource. */
  public record ResourceState(
      String resource,
      boolean synced,
      long resourceVersion,
      int objects,
      int windowEvents,
      long windowBytes,
      int watchers,
      long relists,
      long probes,
      long consistentLists,
      String jsonOnlyBecause) {}

  private final Map<String, Relayed> byPath = new LinkedHashMap<>();
  private final TimeSource clock;
  private final RequestGate gate;
  private final FlowControl flowControl;
  private final Executor httpThreads;
  private final ExecutorService upstreamCalls;
  private final Server server;
  private final ServerConnector connector;
  private final boolean tls;
  private volatile boolean closed;

  /** When the relay started serving: its caches have been unready since, until they sync. */
  private volatile long startedNanos;

  private volatile TimeSource.Timer bookmarkTimer;

  private volatile Duration readHeaderTimeout = READ_HEADER_TIMEOUT;

  public RelayServer(
      List<ResourceSpec> specs,
      Upstream upstream,
      TimeSource clock,
      RequestGate gate,
      String host,
      int port,
      int maxEvents,
      long maxEventBytes) {
    this(
        specs,
        upstream,
        clock,
        gate,
        host,
        port,
        maxEvents,
        maxEventBytes,
        null,
        FlowControl.Limits.DEFAULTS);
  }

  /**
   * The apiserver's request-line rules, and no header field cache: Jetty keeps one per connection
   * (about 100 kB once a request has been parsed) to speed up the next requests on it, while an
   * agent's connection carries a list and then one watch for minutes: the cache was most of what an
   * agent's connection cost the relay.
   */
  static HttpConfiguration httpConfiguration() {
    HttpConfiguration c = ApiserverHttp.configuration();
    c.setHeaderCacheSize(0);
    return c;
  }

  /** Jetty's default maximum: reads are short, and an open watch holds no thread (async writes). */
  public static final int THREADS = 200;

  /**
   * @param tls the serving certificate; null serves plain HTTP (tests only)
   * @param limits seats, queues and open watches per identity
   */
  public RelayServer(
      List<ResourceSpec> specs,
      Upstream upstream,
      TimeSource clock,
      RequestGate gate,
      String host,
      int port,
      int maxEvents,
      long maxEventBytes,
      SslContextFactory.Server tls,
      FlowControl.Limits limits) {
    this.tls = tls != null;
    this.clock = clock;
    this.gate = gate;
    AtomicInteger n = new AtomicInteger();
    // Unbounded in form only: each resource has at most one probe and one list out per window.
    this.upstreamCalls =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "relay-upstream-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    QueuedThreadPool pool = new QueuedThreadPool(THREADS, 4);
    pool.setName("relay-http");
    pool.setDaemon(true);
    // Requests that waited for their seat continue on the HTTP pool, as they began.
    this.flowControl = new FlowControl(limits, clock, pool);
    this.httpThreads = pool;
    ProtobufTranscoder transcoder = ProtobufTranscoder.vendored();
    for (ResourceSpec s : specs) {
      // Reads that waited for the cache continue on the HTTP pool, as the reads themselves.
      ResourceCache cache =
          new ResourceCache(s.toString(), s.nodeIndexed(), maxEvents, maxEventBytes, clock, pool);
      cache.listItemsBare(s.builtIn());
      byPath.put(
          key(s.group(), s.version(), s.plural()),
          new Relayed(
              s,
              cache,
              new ConsistentReads(s, cache, upstream, clock, upstreamCalls),
              new ResourceEncoding(s, transcoder)));
    }
    this.server = new Server(pool);
    // One acceptor and one selector: connections are long-lived watches, accepted rarely.
    if (tls == null) {
      this.connector =
          new ServerConnector(server, 1, 1, new HttpConnectionFactory(httpConfiguration()));
    } else {
      HttpConfiguration https = httpConfiguration();
      // Agents reach the relay by its Service's name or IP; SNI checking is the clients' job.
      SecureRequestCustomizer secure = new SecureRequestCustomizer();
      secure.setSniHostCheck(false);
      https.addCustomizer(secure);
      this.connector =
          new ServerConnector(
              server,
              1,
              1,
              new SslConnectionFactory(tls, HttpVersion.HTTP_1_1.asString()),
              new HttpConnectionFactory(https));
    }
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(READ_HEADER_TIMEOUT.toMillis());
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            return RelayServer.this.handle(request, response, callback);
          }
        });
  }

  /** Seats, queues and open watches per identity. */
  public FlowControl flowControl() {
    return flowControl;
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

  /**
   * Replaces {@link #READ_HEADER_TIMEOUT}, before {@link #start}: for tests only, which would
   * otherwise wait the apiserver's 32 s out in real time (Jetty's idle timeout runs on the wall
   * clock, not on the injected {@link TimeSource}).
   */
  public void readHeaderTimeoutForTests(Duration timeout) {
    this.readHeaderTimeout = timeout;
    connector.setIdleTimeout(timeout.toMillis());
  }

  public void start() throws Exception {
    startedNanos = clock.nanoTime();
    server.start();
    scheduleBookmarks();
  }

  public URI url() {
    String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
    return URI.create((tls ? "https://" : "http://") + host + ":" + connector.getLocalPort());
  }

  public List<ResourceState> health() {
    List<ResourceState> out = new ArrayList<>();
    for (Relayed r : byPath.values()) {
      ResourceCache c = r.cache;
      out.add(
          new ResourceState(
              r.spec.toString(),
              c.synced(),
              c.resourceVersion(),
              c.size(),
              c.windowEvents(),
              c.windowBytes(),
              c.watchers(),
              c.relists(),
              r.reads.probes(),
              r.reads.lists(),
              r.encoding.jsonOnlyBecause()));
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
            ApiserverDefaults.BOOKMARK_INTERVAL,
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
    String path = request.getHttpURI().getPath();
    if (path.equals("/healthz") || path.equals("/livez")) {
      sendText(response, callback, 200, "ok");
      return true;
    }
    if (path.equals("/readyz")) {
      boolean ready = byPath.values().stream().allMatch(r -> r.cache.synced());
      sendText(response, callback, ready ? 200 : 503, ready ? "ok" : "not synced");
      return true;
    }
    // WithRequestInfo runs before authentication: a path it cannot resolve is answered first.
    Query query = Query.parse(request.getHttpURI().getQuery());
    RequestInfo info;
    try {
      info = RequestInfo.parse(request.getMethod(), path, query);
    } catch (StatusException s) {
      send(response, callback, s.status());
      return true;
    }
    // Any other request takes a seat in its turn twice: as its client's address for its
    // TokenReview, so that a flood of bad tokens cannot starve authenticated agents, then as its
    // identity for the rest.
    admit(
        flowControl.authentication(),
        FlowControl.flowOf(Request.getRemoteAddr(request)),
        response,
        callback,
        authentication -> {
          Identity who;
          try {
            // As the apiserver's filters: authentication first, for any path but health.
            who = authenticate(request);
          } finally {
            authentication.seat().release();
          }
          String flow = FlowControl.flowOf(who);
          admit(
              flowControl.requests(),
              flow,
              response,
              callback,
              served -> route(request, info, query, who, flow, served));
        });
    return true;
  }

  /**
   * The identity of the request's bearer token, as the delegating authenticator's union finds it:
   * the Authorization header first, then a WebSocket's bearer subprotocol (for clients that cannot
   * set headers on a WebSocket); either one authenticating is enough. The union ({@code union.New},
   * not FailOnError) passes any failure of one authenticator to the next, an error as a refusal
   * (bearertoken turns a refusal into an error), so a header token whose review failed or was
   * refused by the review bound does not stop the subprotocol's.
   */
  private Identity authenticate(Request request) {
    String token = RequestGate.bearerToken(request.getHeaders().get(HttpHeader.AUTHORIZATION));
    if (!WebSocketWatch.isWebSocketRequest(request)) {
      return gate.authenticate(token);
    }
    StatusException failed = null;
    if (token != null) {
      try {
        return gate.authenticate(token);
      } catch (StatusException e) {
        failed = e;
      }
    }
    try {
      String fromProtocol = WebSocketWatch.bearerToken(request);
      if (fromProtocol != null) {
        return gate.authenticate(fromProtocol);
      }
    } catch (StatusException e) {
      failed = telling(failed, e);
    }
    if (failed == null) {
      return gate.authenticate(null);
    }
    throw failed;
  }

  /**
   * Which of two authenticators' failures the request gets: the union answers 401 for any, but a
   * token the review bound did not review may be valid, so its 429 (retry later) is kept.
   */
  private static StatusException telling(StatusException first, StatusException next) {
    return first != null && first.status().code() == HttpStatus.TOO_MANY_REQUESTS_429
        ? first
        : next;
  }

  /** What one request does once it has its seat, which its response's completion releases. */
  private interface Seated {
    void run(Served served);
  }

  /** A request with its seat: its response's callback releases the seat, however it completes. */
  private record Served(Response response, Callback callback, QueueSet.Seat seat) {}

  private void admit(
      QueueSet level, String flow, Response response, Callback callback, Seated then) {
    level.admit(
        flow,
        new QueueSet.Admission() {
          @Override
          public void granted(QueueSet.Seat seat) {
            Callback released = FlowControl.releasing(callback, seat);
            try {
              then.run(new Served(response, released, seat));
            } catch (StatusException s) {
              send(response, released, s.status());
            } catch (Throwable t) {
              LOG.error("relay: a request failed", t);
              send(response, released, Status.internalError("the relay failed to answer: " + t));
            }
          }

          @Override
          public void rejected() {
            flowControl.tooManyRequests(level, response, callback);
          }
        });
  }

  private void route(
      Request request, RequestInfo info, Query query, Identity who, String flow, Served served) {
    Response response = served.response();
    Callback callback = served.callback();
    // Authorized before the mux answers 404 or 405, as WithAuthorization runs before the handler:
    // an identity learns which resources the relay serves only where it may read them. A watch is
    // authorized once, at its start, as the apiserver's is.
    gate.authorize(who, info);
    if (!info.isResourceRequest()) {
      throw new StatusException(Status.resourceNotFound());
    }
    Relayed r = byPath.get(key(info.apiGroup(), info.apiVersion(), info.resource()));
    if (r == null
        || !info.subresource().isEmpty()
        || (!info.namespace().isEmpty() && !r.spec.namespaced())
        // A namespaced resource's objects are routed only under their namespace: the cluster-wide
        // path lists and watches the collection, and names no object (no route: 404).
        || (info.namespace().isEmpty() && r.spec.namespaced() && info.parts().size() > 1)) {
      throw new StatusException(Status.resourceNotFound());
    }
    Verb verb = info.verb();
    // RequestInfo calls HEAD "get", but the apiserver registers no HEAD route on resources: 405.
    if ((verb != Verb.GET && verb != Verb.LIST && verb != Verb.WATCH)
        || request.getMethod().equals("HEAD")) {
      throw new StatusException(Status.methodNotAllowed());
    }
    String accept = request.getHeaders().get(HttpHeader.ACCEPT);
    String mediaType = MediaTypes.negotiate(accept, r.encoding.served());
    if (mediaType == null) {
      throw new StatusException(Status.notAcceptable()); // written in JSON, as negotiation's own
    }
    Reply reply =
        new Reply(response, callback, r.encoding, accept, mediaType.equals(MediaTypes.PROTOBUF));
    try {
      serve(request, info, query, r, reply, flow, served.seat());
    } catch (StatusException e) {
      reply.status(e.status());
    }
  }

  private void serve(
      Request request,
      RequestInfo info,
      Query query,
      Relayed r,
      Reply reply,
      String flow,
      QueueSet.Seat seat) {
    Verb verb = info.verb();
    ListOptions options = ListOptions.parse(query, verb == Verb.WATCH);
    if (verb != Verb.GET) {
      // The relay serves streaming lists: it answers as a server with the WatchList gate on, whose
      // defaults make a legacy watch from RV unset or "0" a streaming list.
      options = options.validate(true);
    }
    String namespace = info.namespace().isEmpty() ? null : info.namespace();
    Selection s =
        new Selection(
            namespace,
            verb == Verb.GET
                ? SelectionPredicate.everything()
                : SelectionPredicate.of(info, options));
    if (!r.cache.synced()) {
      throw new StatusException(notReady());
    }
    switch (verb) {
      case WATCH -> watch(r, options, s, info.name(), request, reply, flow, seat);
      case GET -> get(r, options, namespace, info.name(), reply, flow, seat);
      default -> list(r, options, s, reply, flow, seat);
    }
  }

  /**
   * The cache has no state yet: 429 as a 1.31+ apiserver whose watch cache is initialising, never
   * an empty list, with the cacher's Retry-After, which grows with the time the cache has been
   * unready: here since the relay started, as a cache never goes back to unready once synced.
   */
  Status notReady() {
    return UnreadyCache.status(Duration.ofNanos(clock.nanoTime() - startedNanos));
  }

  /**
   * Completes when the cache may serve a read of {@code mode} at {@code rv}: at once for ANY, after
   * the cache reached a specific RV (up to the apiserver's 3 s, then 504), or, for a consistent
   * read, after the coalesced probe (or with the list made for the window).
   */
  private CompletableFuture<ConsistentReads.Fresh> readPoint(Relayed r, ReadMode mode, long rv) {
    return switch (mode) {
      case CONSISTENT -> r.reads.fresh();
      case ANY -> CompletableFuture.completedFuture(new ConsistentReads.Fresh(null));
      default -> notOlderThan(r, rv);
    };
  }

  /**
   * The read point of a read NotOlderThan {@code rv}. The cache serves it once it has reached
   * {@code rv}. An RV ahead of the cache was often committed elsewhere (another resource's write,
   * another replica's list): this resource's events may never reach it, and the apiserver's cache,
   * waiting, asks etcd for progress ({@code watchCache.waitUntilFreshLocked} with the conditional
   * progress requester) and answers promptly. A client cannot ask etcd for progress, so after
   * {@link #AHEAD_WAIT} the read joins the window's coalesced consistent read instead: its probe
   * says where etcd is, and it is served by the cache once the cache has reached the probe's RV, or
   * by the window's one consistent upstream LIST, each only if at or after {@code rv}: any state at
   * or after it is what NotOlderThan asks for, and both are states the API server had (never back
   * in time). Otherwise (an RV not committed yet, or the API server unreachable) it waits out the
   * apiserver's 3 s and gets 504 ResourceVersionTooLarge, as before.
   */
  private CompletableFuture<ConsistentReads.Fresh> notOlderThan(Relayed r, long rv) {
    long deadline = clock.nanoTime() + ApiserverDefaults.RESOURCE_VERSION_WAIT.toNanos();
    return r.cache
        .awaitResourceVersion(rv, AHEAD_WAIT)
        .thenApply(v -> new ConsistentReads.Fresh(null))
        .exceptionallyCompose(
            t -> {
              if (!(unwrap(t) instanceof ResourceCache.TooLargeResourceVersion)) {
                return CompletableFuture.failedFuture(t);
              }
              return r.reads
                  .fresh()
                  .handle(
                      (fresh, failed) -> {
                        if (failed == null
                            && (fresh.fromCache()
                                ? r.cache.resourceVersion() >= rv
                                : fresh.snapshot().resourceVersion >= rv)) {
                          return CompletableFuture.completedFuture(fresh);
                        }
                        Duration left = Duration.ofNanos(Math.max(0, deadline - clock.nanoTime()));
                        return r.cache
                            .awaitResourceVersion(rv, left)
                            .thenApply(v -> new ConsistentReads.Fresh(null));
                      })
                  .thenCompose(f -> f);
            });
  }

  /** Whether a read of {@code mode} at {@code rv} waits for its read point. */
  private static boolean waits(Relayed r, ReadMode mode, long rv) {
    return switch (mode) {
      case CONSISTENT -> true;
      case ANY -> false;
      default -> rv > r.cache.resourceVersion();
    };
  }

  /**
   * Answers a read once its read point is reached. A read already there is answered on its seat. A
   * read that must wait (for the coalesced probe, or for the cache to reach an RV) frees its seat
   * for the wait: the wait is a future that holds no thread and no CPU, and a seat held through it
   * would let the first seats' worth of a window's reads in and queue the rest into later windows,
   * one probe each. It counts against its identity's reads waiting instead (429 beyond them), and
   * takes a seat again in its identity's queue to build and write its answer, the part that costs
   * CPU and bytes and that fairness shares out. A failed wait is answered at once: a Status is
   * small.
   */
  private <T> void atReadPoint(
      boolean waits,
      Supplier<CompletableFuture<T>> readPoint,
      String flow,
      Reply reply,
      QueueSet.Seat seat,
      BiConsumer<T, Reply> answer) {
    if (waits && !flowControl.startWaiting(flow)) {
      flowControl.tooManyRequests(flowControl.requests(), reply.response, reply.callback);
      return;
    }
    CompletableFuture<T> point;
    try {
      point = readPoint.get();
    } catch (RuntimeException e) {
      if (waits) {
        flowControl.doneWaiting(flow);
      }
      throw e;
    }
    if (!waits || point.isDone()) {
      if (waits) {
        flowControl.doneWaiting(flow);
      }
      point.whenComplete((v, t) -> answer(v, t, reply, answer));
      return;
    }
    seat.release();
    // A response its client hung up on cannot be written: failed, it releases what it holds.
    Waiting waiting = new Waiting(flow, reply, reply.callback::failed);
    // On the HTTP threads: the probe's thread completes a whole window's reads at once.
    point.whenCompleteAsync(
        (v, t) -> {
          if (!waiting.reached()) {
            return; // its client went away: nothing to answer
          }
          if (t != null) {
            reply.status(status(t));
            return;
          }
          admit(
              flowControl.requests(),
              flow,
              reply.response,
              reply.callback,
              served -> answer(v, null, reply.completingWith(served.callback()), answer));
        },
        httpThreads);
  }

  /**
   * A read's wait for its read point, counted against its identity's waiting reads. It ends once:
   * when the read point comes ({@link #reached}), or when the client hangs up, so that the slot is
   * free again at once, not when the wait would have ended (up to the 3 s of an RV ahead, or a
   * window's probe and list); then {@code gone} runs.
   */
  private final class Waiting {
    private final AtomicBoolean on = new AtomicBoolean(true);
    private final String flow;
    private final HangUp hangUp;

    Waiting(String flow, Reply reply, Consumer<Throwable> gone) {
      this.flow = flow;
      Request request = reply.response.getRequest();
      Consumer<Throwable> clientGone =
          failure -> {
            if (end()) {
              gone.accept(failure);
            }
          };
      request.addFailureListener(clientGone);
      this.hangUp =
          HangUp.watch(request, () -> clientGone.accept(new EOFException("the client hung up")));
    }

    private boolean end() {
      if (on.getAndSet(false)) {
        flowControl.doneWaiting(flow);
        return true;
      }
      return false;
    }

    /** The read point came: false if its client had gone. Its connection is read as usual again. */
    boolean reached() {
      // Stopped first: nothing of a next request on the connection is read for this one.
      hangUp.stop();
      return end();
    }
  }

  private <T> void answer(T v, Throwable t, Reply reply, BiConsumer<T, Reply> answer) {
    if (t != null) {
      reply.status(status(t));
      return;
    }
    try {
      answer.accept(v, reply);
    } catch (Throwable e) {
      reply.status(status(e));
    }
  }

  private void get(
      Relayed r,
      ListOptions options,
      String ns,
      String name,
      Reply reply,
      String flow,
      QueueSet.Seat seat) {
    // A GET reads by its RV as a list does, never exactly: NotOlderThan for a specific RV.
    ReadMode mode =
        options.resourceVersion().isEmpty()
            ? ReadMode.CONSISTENT
            : options.resourceVersionNumber() == 0 ? ReadMode.ANY : ReadMode.NOT_OLDER_THAN;
    long rv = options.resourceVersionNumber();
    atReadPoint(
        waits(r, mode, rv),
        () -> readPoint(r, mode, rv),
        flow,
        reply,
        seat,
        (fresh, out) -> {
          CachedObject o =
              (fresh.fromCache()
                      ? r.cache.get(ns, name)
                      : fresh.snapshot().get(CachedObject.key(ns, name)))
                  .orElseThrow(
                      () ->
                          new StatusException(
                              Status.notFound(r.spec.group(), r.spec.plural(), name)));
          sendObject(r, o, out);
        });
  }

  private static void sendObject(Relayed r, CachedObject o, Reply reply) {
    if (reply.protobuf) {
      try {
        reply.send(200, MediaTypes.PROTOBUF, r.encoding.object(o), Map.of());
        return;
      } catch (NotLossless e) {
        if (!reply.fallBackToJson(e)) {
          return;
        }
      }
    }
    reply.send(200, o.contentType(), o.objectBytes(), Map.of());
  }

  private void list(
      Relayed r, ListOptions options, Selection s, Reply reply, String flow, QueueSet.Seat seat) {
    ReadMode mode = options.readMode();
    long rv = options.readResourceVersion();
    int limit = (int) Math.min(Integer.MAX_VALUE, Math.max(0, options.limit()));
    ContinueToken token = options.continueTokenValue();
    // A token's key is relative to the request's prefix, as storage.EncodeContinue writes it: a
    // namespaced list's starts at the name.
    String prefix = s.namespace == null ? "" : s.namespace + "/";
    String start = token == null ? null : prefix + token.startKey();
    if (mode == ReadMode.ANY) {
      // As the watch cache: RV=0 is one unpaged answer, limit ignored.
      sendList(r, r.cache.listCurrent(s, null, 0), prefix, reply);
    } else if (mode == ReadMode.EXACT) {
      ListSnapshot kept = token == null ? null : r.reads.snapshotAt(rv);
      if (kept != null) {
        sendList(r, kept.page(s, start, limit), prefix, reply);
      } else {
        atReadPoint(
            waits(r, mode, rv),
            () -> r.cache.awaitResourceVersion(rv, ApiserverDefaults.RESOURCE_VERSION_WAIT),
            flow,
            reply,
            seat,
            (v, out) -> sendList(r, exact(r, s, rv, start, limit, prefix), prefix, out));
      }
    } else {
      // An inconsistent continuation (RV -1, offered by a 410) is a consistent read from its key,
      // as the cacher's ShouldDelegateContinue has it: never the cache's state without the probe.
      atReadPoint(
          waits(r, mode, rv),
          () -> readPoint(r, mode, rv),
          flow,
          reply,
          seat,
          (fresh, out) ->
              sendList(
                  r,
                  fresh.fromCache()
                      ? r.cache.listCurrent(s, start, limit)
                      : fresh.snapshot().page(s, start, limit),
                  prefix,
                  out));
    }
  }

  private static void sendList(Relayed r, Page p, String prefix, Reply reply) {
    if (reply.protobuf) {
      try {
        reply.send(200, MediaTypes.PROTOBUF, protobufListBody(r, p, prefix), Map.of());
        return;
      } catch (NotLossless e) {
        if (!reply.fallBackToJson(e)) {
          return;
        }
      }
    }
    reply.send(200, RawObject.JSON, listBody(r.spec, p, r.cache.listItemsBare(), prefix), Map.of());
  }

  /**
   * A page of the snapshot at {@code rv}: rebuilt from the window, or 410 when it no longer reaches
   * back there; never the current state instead.
   */
  private static Page exact(
      Relayed r, Selection s, long rv, String start, int limit, String prefix) {
    try {
      return r.cache.listAt(s, rv, start, limit);
    } catch (ResourceCache.Expired e) {
      if (start == null) {
        // etcd's answer for a compacted revision, as an Exact list read from storage gets it.
        throw new StatusException(Status.expiredList());
      }
      // As etcd3's store: the 410 offers a token continuing inconsistently from the same key.
      throw new StatusException(
          Status.expiredContinue(
              ContinueToken.after(
                      ContinueToken.INCONSISTENT,
                      withoutTerminator(start.substring(prefix.length())))
                  .encode()));
    }
  }

  /** The key a start key was issued after: the start without the NUL its issuer appended. */
  private static String withoutTerminator(String start) {
    return start.endsWith("\u0000") ? start.substring(0, start.length() - 1) : start;
  }

  private static String continueToken(Page p, String prefix) {
    return p.continueAfter() == null
        ? null
        : ContinueToken.after(p.resourceVersion(), p.continueAfter().substring(prefix.length()))
            .encode();
  }

  /** The page in Protobuf: each item's message transcoded once per object version. */
  private static byte[] protobufListBody(Relayed r, Page p, String prefix) throws NotLossless {
    List<byte[]> items = new ArrayList<>(p.items().size());
    for (CachedObject o : p.items()) {
      items.add(r.encoding.message(o));
    }
    return r.encoding.list(
        p.resourceVersion(), continueToken(p, prefix), p.remainingItemCount(), items);
  }

  private static byte[] listBody(ResourceSpec spec, Page p, boolean bare, String prefix) {
    List<byte[]> items = new ArrayList<>(p.items().size());
    for (CachedObject o : p.items()) {
      ByteBuffer item = o.listItemBytes(bare);
      byte[] b = new byte[item.remaining()];
      item.get(b);
      items.add(b);
    }
    String token = continueToken(p, prefix);
    return ListBody.json(
        spec.apiVersion(),
        spec.kind() + "List",
        p.resourceVersion(),
        token,
        p.remainingItemCount(),
        items);
  }

  private void watch(
      Relayed r,
      ListOptions options,
      Selection selection,
      String name,
      Request request,
      Reply reply,
      String flow,
      QueueSet.Seat seat) {
    if (WebSocketWatch.isWebSocketRequest(request)
        && WebSocketWatch.refuseHandshake(request, reply.response, reply.callback)) {
      return;
    }
    if (!flowControl.openWatch(flow)) {
      flowControl.tooManyRequests(flowControl.requests(), reply.response, reply.callback);
      return;
    }
    WatchStart start = options.watchStart();
    boolean waits =
        probesForStart(start, options)
            || (start.kind() == WatchStart.Kind.INITIAL_EVENTS
                && waits(r, start.initialState(), start.resourceVersion()));
    // Refused before its stream starts, so that the 429 is a plain answer, not an event.
    if (waits && !flowControl.startWaiting(flow)) {
      flowControl.closeWatch(flow);
      flowControl.tooManyRequests(flowControl.requests(), reply.response, reply.callback);
      return;
    }
    AtomicBoolean counted = new AtomicBoolean(true);
    Runnable closed =
        () -> {
          if (counted.getAndSet(false)) {
            flowControl.closeWatch(flow);
          }
        };
    try {
      watch(r, options, selection, name, request, reply, flow, seat, closed, waits);
    } catch (Throwable t) {
      // Thrown before the watch waits for its read point, or starts.
      closed.run();
      if (waits) {
        flowControl.doneWaiting(flow);
      }
      throw t;
    }
  }

  /**
   * A watch counted open; {@code closed} uncounts it when it ends. Its seat is released once it is
   * established, its initial events (if any) queued: from then on it holds no thread, as the
   * apiserver's APF filter frees a watch's seat at its initialization signal. A streaming list that
   * waits for its read point ({@code waits}, counted) frees its seat for the wait and takes one
   * again to queue its initial events, as a list does ({@link #atReadPoint}).
   */
  private void watch(
      Relayed r,
      ListOptions options,
      Selection selection,
      String name,
      Request request,
      Reply reply,
      String flow,
      QueueSet.Seat seat,
      Runnable closed,
      boolean waits) {
    Selection s = selection;
    if (!name.isEmpty()) {
      // A watch of one object: the apiserver turns its name into a metadata.name field selector.
      s =
          new Selection(
              selection.namespace,
              SelectionPredicate.parse(
                  r.spec.group(),
                  r.spec.plural(),
                  options.labelSelector(),
                  options.fieldSelector().isEmpty()
                      ? "metadata.name=" + name
                      : options.fieldSelector() + ",metadata.name=" + name));
    }
    EndPoint connection = request.getConnectionMetaData().getConnection().getEndPoint();
    connection.setIdleTimeout(IDLE_TIMEOUT.toMillis());
    Duration timeoutAfter = ApiserverDefaults.watchTimeout(options, ThreadLocalRandom.current());
    WatchStart start = options.watchStart();
    boolean protobuf = reply.protobuf;
    String contentType = protobuf ? ProtobufEnvelope.WATCH_MEDIA_TYPE : RawObject.JSON;
    // watch.go serveWatchHandler: a WebSocket request is served by HandleWS, any other by
    // HandleHTTP; x/net/websocket has refused one it cannot shake hands with.
    WebSocketWatch ws =
        WebSocketWatch.isWebSocketRequest(request)
            ? WebSocketWatch.upgrade(request, reply.response, reply.callback, protobuf, contentType)
            : null;
    HttpWatchSink sink =
        new HttpWatchSink(ws != null ? ws : WatchStreamWriter.http(reply.response, reply.callback));
    if (ws != null) {
      ws.attach(sink.writer());
    }
    CacheWatcher w =
        new CacheWatcher(
            s,
            options.allowWatchBookmarks(),
            start.initialEventsEndBookmark(),
            start.resourceVersion(),
            r.spec.apiVersion(),
            r.spec.kind(),
            sink,
            protobuf ? r.encoding : null);
    if (ws == null) {
      reply.response.setStatus(200);
      reply.response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    }
    sink.start();
    TimeSource.Timer timeout =
        clock.schedule(
            timeoutAfter,
            () -> {
              r.cache.forget(w);
              w.end();
            });
    // As cacheWatcher.nextBookmarkTime: a bookmark right before the deadline, so that the client
    // resumes from as close to its end as it can.
    Duration beforeTimeout = timeoutAfter.minus(BOOKMARK_BEFORE_TIMEOUT);
    TimeSource.Timer lastBookmark =
        options.allowWatchBookmarks() && !beforeTimeout.isNegative()
            ? clock.schedule(beforeTimeout, () -> r.cache.bookmark(w))
            : null;
    sink.onEnd(
        () -> {
          closed.run();
          seat.release();
          timeout.cancel();
          if (lastBookmark != null) {
            lastBookmark.cancel();
          }
          r.cache.forget(w);
          // Ended too: a stream that closes before its watcher is registered (while it waits for
          // its start) must not be registered afterwards, where nothing would remove it.
          w.end();
          connection.setIdleTimeout(readHeaderTimeout.toMillis());
        });
    CompletableFuture<ConsistentReads.Fresh> ready =
        switch (start.kind()) {
          case INITIAL_EVENTS -> readPoint(r, start.initialState(), start.resourceVersion());
          // sendInitialEvents=false from RV unset starts at the API server's current RV, as
          // the cacher starts it at storage's GetCurrentResourceVersion
          // (getWatchCacheResourceVersion): the window's probe, one for all such watches.
          case FROM_NOW ->
              probesForStart(start, options)
                  ? r.reads
                      .currentResourceVersion()
                      .thenApply(current -> new ConsistentReads.Fresh(null, current))
                  // From RV 0 it starts at the cache's own RV, as the cacher starts it at its
                  // watch cache's (watchCache.getAllEventsSinceLocked): storage is not asked.
                  : CompletableFuture.completedFuture(
                      new ConsistentReads.Fresh(null, r.cache.resourceVersion()));
          // A plain watch at an RV ahead is accepted at once, as the cacher accepts it: it gets
          // the events after that RV when they come.
          default -> CompletableFuture.completedFuture(new ConsistentReads.Fresh(null));
        };
    if (!waits || ready.isDone()) {
      if (waits) {
        flowControl.doneWaiting(flow);
      }
      ready.whenComplete((fresh, t) -> establish(r, w, start, protobuf, fresh, t, seat));
      return;
    }
    seat.release();
    // Its stream fails ending, and its end releases what the watch holds.
    Waiting waiting = new Waiting(flow, reply, gone -> w.end());
    ready.whenCompleteAsync(
        (fresh, t) -> {
          if (!waiting.reached()) {
            return; // its client went away
          }
          if (t != null) {
            establish(r, w, start, protobuf, null, t, null);
            return;
          }
          flowControl
              .requests()
              .admit(
                  flow,
                  new QueueSet.Admission() {
                    @Override
                    public void granted(QueueSet.Seat again) {
                      establish(r, w, start, protobuf, fresh, null, again);
                    }

                    @Override
                    public void rejected() {
                      // The stream has started: the 429 is its one ERROR event.
                      establish(
                          r,
                          w,
                          start,
                          protobuf,
                          null,
                          new StatusException(
                              Status.tooManyRequests(
                                  FlowControl.TOO_MANY_REQUESTS.strip(),
                                  flowControl.rejected(flowControl.requests()))),
                          null);
                    }
                  });
        },
        httpThreads);
  }

  /**
   * Starts {@code w} at its start, or fails it with {@code failure}; releases {@code seat} (if any)
   * either way.
   */
  private void establish(
      Relayed r,
      CacheWatcher w,
      WatchStart start,
      boolean protobuf,
      ConsistentReads.Fresh fresh,
      Throwable failure,
      QueueSet.Seat seat) {
    try {
      if (failure != null) {
        throw failure;
      }
      switch (start.kind()) {
        case INITIAL_EVENTS -> {
          if (fresh.fromCache()) {
            r.cache.watch(w, 0, true);
          } else {
            r.cache.watchFrom(w, fresh.snapshot());
          }
        }
        // Registered at the cache's position, sending only what comes after the API server's
        // RV: the events the cacher's watcher would send from that RV, whether or not the cache
        // has reached it (the cache's own RV when it is ahead of the probe).
        case FROM_NOW ->
            r.cache.watch(w, Math.max(fresh.resourceVersion(), r.cache.windowStart()), false);
        default -> r.cache.watch(w, start.resourceVersion(), false);
      }
    } catch (Throwable e) {
      // As the cacher's errWatcher: the stream is 200 and its one event is the ERROR.
      Status failed = status(e);
      w.fail(protobuf ? r.encoding.errorFrame(failed) : WatchEvents.error(failed));
    } finally {
      if (seat != null) {
        seat.release();
      }
    }
  }

  /**
   * Whether a watch starts at the API server's current RV, learnt from the window's probe: one
   * without initial events from RV unset ({@code getWatchCacheResourceVersion}); from RV 0 it
   * starts at the cache's.
   */
  private static boolean probesForStart(WatchStart start, ListOptions options) {
    return start.kind() == WatchStart.Kind.FROM_NOW && options.resourceVersion().isEmpty();
  }

  /** The Status a failure answers. */
  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private Status status(Throwable t) {
    Throwable c = unwrap(t);
    if (c instanceof StatusException s) {
      return s.status();
    }
    if (c instanceof ResourceCache.TooLargeResourceVersion e) {
      return Status.tooLargeResourceVersion(e.requested, e.current);
    }
    if (c instanceof ResourceCache.Expired e) {
      return Status.tooOldResourceVersion(e.requested, e.oldest);
    }
    if (c instanceof ResourceCache.NotReady) {
      return notReady();
    }
    LOG.error("relay: a read failed", c);
    return Status.internalError("the relay failed to answer: " + c);
  }

  private static void send(Response response, Callback callback, Status s) {
    sendBytes(
        response,
        callback,
        s.code(),
        RawObject.JSON,
        ByteBuffer.wrap(s.toJsonBytes()),
        s.headers());
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
