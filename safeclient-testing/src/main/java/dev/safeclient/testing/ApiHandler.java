package dev.safeclient.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/** The HTTP face of KubeSim: parses a request the way the apiserver does and answers it. */
final class ApiHandler extends Handler.Abstract {
  /** Pins a request to one simulated apiserver (tests); otherwise round-robin per connection. */
  static final String APISERVER_HEADER = "X-KubeSim-Apiserver";

  private static final String APISERVER_ATTRIBUTE = "kubesim.apiserver";
  private static final String JSON = "application/json";

  private final KubeSim sim;
  private final AtomicInteger nextApiserver = new AtomicInteger();
  private final Set<Runnable> silent = ConcurrentHashMap.newKeySet();

  /** Pods in graceful deletion, by key, with the time their grace period ends. */
  private final Map<String, Long> terminatingPods = new ConcurrentHashMap<>();

  ApiHandler(KubeSim sim) {
    this.sim = sim;
  }

  /** A complete non-streaming answer. */
  static final class Result {
    final int code;
    final byte[] body;
    final Map<String, String> headers = new LinkedHashMap<>();

    Result(int code, byte[] body) {
      this.code = code;
      this.body = body;
    }

    Result(int code, JsonElement body) {
      this(code, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    Result header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    // What the body encodes, so a Protobuf answer reuses each object's cached message bytes.
    StoredObject object;
    List<StoredObject> items;
    ResourceType listOf;
    long listRv;
    String listContinue;

    static Result of(int code, StoredObject o) {
      Result r = new Result(code, o.json);
      r.object = o;
      return r;
    }

    static Result list(ResourceType t, long rv, String token, List<StoredObject> items) {
      Result r = new Result(200, listBody(t, rv, token, items));
      r.items = items;
      r.listOf = t;
      r.listRv = rv;
      r.listContinue = token;
      return r;
    }
  }

  /** One parsed resource request. */
  private static final class Call {
    Request request;
    Response response;
    Callback callback;
    String method;
    Fields query;
    String userAgent;
    ResourceType type;
    String namespace = "";
    String name;
    String subresource;
    String verb;
    String body;
    SimulatedApiserver apiserver;
    int seats;
    boolean protobuf;
    String warning;

    String param(String n) {
      Fields.Field f = query.get(n);
      return f == null ? null : f.getValue();
    }

    boolean flag(String n) {
      String v = param(n);
      return v != null && (v.equals("true") || v.equals("1"));
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      return handleCall(request, response, callback);
    } catch (RuntimeException | IOException e) {
      send(response, callback, status(500, "InternalError", "KubeSim: " + e, null));
      return true;
    }
  }

  private boolean handleCall(Request request, Response response, Callback callback)
      throws IOException {
    String path = request.getHttpURI().getPath();
    List<String> seg = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        seg.add(s);
      }
    }
    if (seg.isEmpty() || !(seg.get(0).equals("api") || seg.get(0).equals("apis"))) {
      send(response, callback, nonResource(path));
      return true;
    }
    Call c = new Call();
    c.request = request;
    c.response = response;
    c.callback = callback;
    c.method = request.getMethod();
    c.query = Request.extractQueryParameters(request);
    String ua = request.getHeaders().get(HttpHeader.USER_AGENT);
    c.userAgent = ua == null ? "" : ua;
    int base = seg.get(0).equals("api") ? 1 : 2;
    if (seg.size() <= base) {
      send(response, callback, discoveryGroups(seg.get(0)));
      return true;
    }
    String group = base == 1 ? "" : seg.get(1);
    String version = seg.get(base);
    List<String> rest = seg.subList(base + 1, seg.size());
    if (rest.isEmpty()) {
      send(response, callback, discoveryResources(group, version));
      return true;
    }
    String apiVersion = group.isEmpty() ? version : group + "/" + version;
    String plural;
    if (rest.get(0).equals("namespaces")
        && rest.size() >= 3
        && resourceExists(apiVersion, rest.get(2))) {
      c.namespace = rest.get(1);
      plural = rest.get(2);
      c.name = rest.size() > 3 ? rest.get(3) : null;
      c.subresource = rest.size() > 4 ? rest.get(4) : null;
    } else {
      plural = rest.get(0);
      c.name = rest.size() > 1 ? rest.get(1) : null;
      c.subresource = rest.size() > 2 ? rest.get(2) : null;
    }
    c.type = sim.resources().get(apiVersion + "/" + plural);
    if (c.type == null) {
      send(
          response,
          callback,
          status(404, "NotFound", "the server could not find the requested resource", null));
      return true;
    }
    c.verb = verbOf(c);
    c.protobuf = ProtobufEncoding.accepted(request.getHeaders().get(HttpHeader.ACCEPT));
    c.apiserver = pick(request);
    c.apiserver.catchUp();
    SimStats stats = sim.statsLive();
    stats.request(c.verb, c.type.resourceName(), c.userAgent, c.apiserver.index());
    if (!c.method.equals("GET")) {
      c.body = Content.Source.asString(request, StandardCharsets.UTF_8);
    }
    Fault f = sim.faults().next(c.verb, c.type.resourceName());
    if (f != null && injectFault(c, f)) {
      return true;
    }
    if (c.verb.equals("watch")) {
      watch(c, f);
      return true;
    }
    Result early = validate(c);
    if (early != null) {
      send(c, early);
      return true;
    }
    PriorityLevel pl = sim.priorityLevel();
    c.seats = pl.width(estimateSeats(c));
    if (!pl.tryAcquire(c.seats)) {
      int retryAfter = pl.drop();
      stats.tooManyRequests("apf");
      send(c, tooManyRequests(retryAfter, "apf"));
      return true;
    }
    stats.seats(c.seats);
    if (f != null && f.kind() == Fault.Kind.LATENCY) {
      sim.scheduler()
          .schedule(() -> proceed(c, null), f.latencyValue().toMillis(), TimeUnit.MILLISECONDS);
      return true;
    }
    proceed(c, f);
    return true;
  }

  private boolean resourceExists(String apiVersion, String plural) {
    return sim.resources().containsKey(apiVersion + "/" + plural);
  }

  private static String verbOf(Call c) {
    switch (c.method) {
      case "GET":
        return c.name != null ? "get" : c.flag("watch") ? "watch" : "list";
      case "POST":
        return "create";
      case "PUT":
        return "update";
      case "PATCH":
        return "patch";
      case "DELETE":
        return c.name != null ? "delete" : "deletecollection";
      default:
        return c.method.toLowerCase();
    }
  }

  private SimulatedApiserver pick(Request request) {
    List<SimulatedApiserver> all = sim.apiservers();
    String pinned = request.getHeaders().get(APISERVER_HEADER);
    if (pinned != null) {
      return all.get(Math.floorMod(Integer.parseInt(pinned.trim()), all.size()));
    }
    if (all.size() == 1) {
      return all.get(0);
    }
    var meta = request.getConnectionMetaData();
    Object idx = meta.getAttribute(APISERVER_ATTRIBUTE);
    if (idx == null) {
      idx = Math.floorMod(nextApiserver.getAndIncrement(), all.size());
      meta.setAttribute(APISERVER_ATTRIBUTE, idx);
    }
    return all.get((Integer) idx);
  }

  /** Returns true if the fault answered (or will answer) the request. */
  private boolean injectFault(Call c, Fault f) {
    switch (f.kind()) {
      case INTERNAL_ERROR:
        send(c, status(500, "InternalError", "Internal error occurred: injected by KubeSim", null));
        return true;
      case STATUS:
        send(c, status(f.code(), f.text(), "injected by KubeSim", null));
        return true;
      case WARNING:
        c.warning = f.text();
        return false;
      case TOO_MANY_REQUESTS:
        sim.statsLive().tooManyRequests("fault");
        send(c, tooManyRequests(f.retryAfterSeconds(), "fault"));
        return true;
      case SERVER_TIMEOUT:
        if (!isWrite(c.verb)) {
          return false;
        }
        if (f.writeApplied()) {
          execute(c); // committed; the client is told it timed out
        }
        JsonObject details = new JsonObject();
        details.addProperty("name", c.name == null ? "" : c.name);
        details.addProperty("kind", c.type.plural());
        details.addProperty("retryAfterSeconds", f.retryAfterSeconds());
        send(
            c.response,
            c.callback,
            status(
                    500,
                    "ServerTimeout",
                    "The "
                        + c.verb
                        + " operation against "
                        + c.type.plural()
                        + " could not be completed at this time, please try again.",
                    details)
                .header("Retry-After", Integer.toString(f.retryAfterSeconds())));
        return true;
      case EMPTY_WATCH:
        if (!c.verb.equals("watch")) {
          return false;
        }
        sim.statsLive().watchOpened();
        sim.statsLive().watchClosed();
        send(c, new Result(200, new byte[0]));
        return true;
      case EXPIRED_CONTINUE:
        String token = c.param("continue");
        if (!c.verb.equals("list") || token == null || token.isEmpty()) {
          return false;
        }
        ContinueToken t;
        try {
          t = ContinueToken.decode(token);
        } catch (IllegalArgumentException e) {
          return false;
        }
        send(c, expiredContinue(t.afterKey));
        return true;
      case SILENT:
        if (c.verb.equals("watch")) {
          return false; // opened below, then silenced
        }
        // Half-open: never answered. At close the connection is cut, without a response.
        silent.add(() -> c.request.getConnectionMetaData().getConnection().getEndPoint().close());
        return true;
      case DROP_WATCHES:
        return false; // opened below, then dropped
      default:
        return false;
    }
  }

  private static boolean isWrite(String verb) {
    return verb.equals("create")
        || verb.equals("update")
        || verb.equals("patch")
        || verb.equals("delete")
        || verb.equals("deletecollection");
  }

  private void proceed(Call c, Fault f) {
    try {
      send(c, execute(c));
    } catch (BadRequest | NumberFormatException e) {
      send(c, status(400, "BadRequest", e.getMessage(), null));
    } catch (UnsupportedBody e) {
      send(c, status(415, "UnsupportedMediaType", e.getMessage(), null));
    } catch (RuntimeException e) {
      send(c, status(500, "InternalError", "KubeSim: " + e, null));
    } finally {
      sim.priorityLevel().release(c.seats);
    }
  }

  private Result execute(Call c) {
    switch (c.verb) {
      case "get":
        return get(c);
      case "list":
        return list(c);
      case "create":
        if ("eviction".equals(c.subresource)) {
          return evict(c);
        }
        return createObject(c.type, c.namespace, parseBody(c));
      case "update":
        return update(c, parseBody(c), false);
      case "patch":
        return patch(c);
      case "delete":
        return delete(c);
      case "deletecollection":
        return deleteCollection(c);
      default:
        return status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            null);
    }
  }

  // ---------------------------------------------------------------- reads

  private Result get(Call c) {
    String key = StoredObject.keyOf(c.type.isNamespaced() ? c.namespace : "", c.name);
    if ("0".equals(c.param("resourceVersion")) && cacheEnabled(c)) {
      String body = null;
      SimulatedApiserver.CacheList l =
          c.apiserver.list(
              c.type,
              c.type.isNamespaced() ? c.namespace : "",
              Selector.parse(null, "metadata.name=" + c.name),
              0,
              "",
              0);
      if (!l.items.isEmpty()) {
        sim.statsLive().cacheReads(1, 0);
        return Result.of(200, l.items.get(0));
      }
      return notFound(c);
    }
    Etcd etcd = sim.etcd();
    etcd.lock.readLock().lock();
    try {
      StoredObject o = etcd.keyspace(c.type).current.get(key);
      sim.statsLive().storageReads(1);
      return o == null ? notFound(c) : Result.of(200, o);
    } finally {
      etcd.lock.readLock().unlock();
    }
  }

  /** Where a LIST is served, per the fact sheet's LIST table and the server version. */
  private enum Source {
    CACHE, // the cache's current state, limit ignored
    CACHE_CONSISTENT, // the cache once it has caught up with etcd (1.31+), else etcd
    CACHE_NOT_OLDER_THAN, // the cache once it reaches rv, else 504 after the wait
    CACHE_SNAPSHOT, // a cache snapshot at rv, paged (1.34+), else etcd at rv
    ETCD, // etcd's current state, paged if limit
    ETCD_AT // etcd at rv (410 if compacted), paged if limit
  }

  private static final class Route {
    Source source;
    long rv;
    String afterKey = "";
    long limit;
    boolean inconsistent;
    Result error;

    static Route error(Result r) {
      Route x = new Route();
      x.error = r;
      return x;
    }

    boolean fromCache() {
      return source != Source.ETCD && source != Source.ETCD_AT;
    }
  }

  private Route route(Call c) {
    int minor = sim.config().minor;
    boolean cache = cacheEnabled(c);
    String rvParam = c.param("resourceVersion");
    String match = c.param("resourceVersionMatch");
    String cont = c.param("continue");
    long limit = 0;
    try {
      String l = c.param("limit");
      limit = l == null || l.isEmpty() ? 0 : Long.parseLong(l);
    } catch (NumberFormatException e) {
      return Route.error(status(400, "BadRequest", "invalid limit", null));
    }
    Route r = new Route();
    r.limit = limit;
    if (cont != null && !cont.isEmpty()) {
      if (rvParam != null && !rvParam.isEmpty() && !rvParam.equals("0")) {
        return Route.error(
            status(
                400,
                "BadRequest",
                "specifying resource version is not allowed when using continue",
                null));
      }
      ContinueToken t;
      try {
        t = ContinueToken.decode(cont);
      } catch (IllegalArgumentException e) {
        return Route.error(status(400, "BadRequest", e.getMessage(), null));
      }
      r.afterKey = t.afterKey;
      if (t.rv < 0) {
        r.source = Source.ETCD;
        r.inconsistent = true;
      } else {
        r.rv = t.rv;
        // Continuations: etcd up to 1.33 (1.31–1.33 serve only the first page from the cache);
        // from 1.34 the cache snapshot the first page came from (KEP-4988).
        r.source = minor >= 34 && cache ? Source.CACHE_SNAPSHOT : Source.ETCD_AT;
      }
      return r;
    }
    boolean matchSet = match != null && !match.isEmpty();
    if (matchSet && !match.equals("NotOlderThan") && !match.equals("Exact")) {
      return Route.error(
          status(
              422, "Invalid", "resourceVersionMatch: Unsupported value: \"" + match + "\"", null));
    }
    if (rvParam == null || rvParam.isEmpty()) {
      if (matchSet) {
        return Route.error(
            status(
                422,
                "Invalid",
                "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
                null));
      }
      // Consistent read: etcd up to 1.30; from 1.31 the cache after it confirms freshness.
      r.source = minor >= 31 && cache ? Source.CACHE_CONSISTENT : Source.ETCD;
      return r;
    }
    long rv;
    try {
      rv = Long.parseLong(rvParam);
    } catch (NumberFormatException e) {
      return Route.error(status(400, "BadRequest", "invalid resource version: " + rvParam, null));
    }
    if (rv == 0) {
      if (matchSet && match.equals("Exact")) {
        return Route.error(
            status(
                422,
                "Invalid",
                "resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"",
                null));
      }
      // RV=0: any data. From the cache limit is ignored; without a cache etcd honours it.
      r.source = cache ? Source.CACHE : Source.ETCD;
      return r;
    }
    r.rv = rv;
    boolean exact = matchSet ? match.equals("Exact") : limit > 0; // unset + limit = Exact
    if (exact) {
      r.source = minor >= 34 && cache ? Source.CACHE_SNAPSHOT : Source.ETCD_AT;
      return r;
    }
    // Not older than rv. Up to 1.30 adding a limit sends it to etcd.
    if (!cache || (limit > 0 && minor <= 30)) {
      r.source = Source.ETCD;
    } else {
      r.source = Source.CACHE_NOT_OLDER_THAN;
    }
    return r;
  }

  private boolean cacheEnabled(Call c) {
    return !sim.config().cacheDisabled.contains(c.type.resourceName());
  }

  private Result validate(Call c) {
    if (c.verb.equals("list")) {
      Route r = route(c);
      if (r.error != null) {
        return r.error;
      }
      try {
        Selector.parse(c.param("labelSelector"), c.param("fieldSelector"));
      } catch (IllegalArgumentException e) {
        return status(400, "BadRequest", e.getMessage(), null);
      }
    }
    return null;
  }

  /**
   * APF's LIST work estimate, made before execution from the stored count (K8S-API-FACTS, APF
   * section, after list_work_estimator.go): from the cache, stored; with selectors, stored + limit;
   * otherwise 2 × min(limit, stored). 100 objects per seat, at most 10 seats; from 1.34 by size,
   * ~100 kB per seat, at most 100.
   */
  private int estimateSeats(Call c) {
    if (!c.verb.equals("list")) {
      return 1;
    }
    Route r = route(c);
    if (r.error != null) {
      return 1;
    }
    Etcd etcd = sim.etcd();
    long stored;
    long avgBytes;
    etcd.lock.readLock().lock();
    try {
      Keyspace k = etcd.keyspace(c.type);
      stored = k.size();
      avgBytes = k.averageObjectBytes();
    } finally {
      etcd.lock.readLock().unlock();
    }
    return seatsFor(r.fromCache(), selected(c), r.limit, stored, avgBytes, sim.config().minor);
  }

  static int seatsFor(
      boolean fromCache, boolean selected, long limit, long stored, long avgBytes, int minor) {
    long limited = limit > 0 && limit < stored ? limit : stored;
    long objects = fromCache ? stored : selected ? stored + limited : 2 * limited;
    if (minor >= 34) {
      long bytes = objects * avgBytes;
      return (int) Math.max(1, Math.min(100, (bytes + 99_999) / 100_000));
    }
    return (int) Math.max(1, Math.min(10, (objects + 99) / 100));
  }

  private static boolean selected(Call c) {
    String l = c.param("labelSelector");
    String f = c.param("fieldSelector");
    return (l != null && !l.isEmpty()) || (f != null && !f.isEmpty());
  }

  private Result list(Call c) {
    Route r = route(c);
    if (r.error != null) {
      return r.error;
    }
    Selector sel = Selector.parse(c.param("labelSelector"), c.param("fieldSelector"));
    String ns = c.type.isNamespaced() ? c.namespace : "";
    SimulatedApiserver api = c.apiserver;
    boolean needsCache = r.source == Source.CACHE || r.source == Source.CACHE_NOT_OLDER_THAN;
    if (needsCache && !api.isReady()) {
      return cacheInitializing(api);
    }
    try {
      switch (r.source) {
        case CACHE:
          return fromCache(c, api.list(c.type, ns, sel, 0, "", 0), 0);
        case CACHE_CONSISTENT:
          if (api.isReady() && api.waitFor(sim.etcd().currentRv(), sim.config().cacheWait)) {
            // 1.31–1.33 serve the first page from the cache; continuations then go to etcd.
            return fromCache(c, api.list(c.type, ns, sel, 0, "", r.limit), r.limit);
          }
          return fromEtcd(c, ns, sel, 0, "", r.limit, false);
        case CACHE_NOT_OLDER_THAN:
          if (!api.waitFor(r.rv, sim.config().cacheWait)) {
            return tooLargeResourceVersion(r.rv, api.cacheResourceVersion());
          }
          long pageLimit = sim.config().minor >= 34 ? r.limit : 0;
          return fromCache(c, api.list(c.type, ns, sel, 0, "", pageLimit), pageLimit);
        case CACHE_SNAPSHOT:
          if (api.isReady() && api.waitFor(r.rv, sim.config().cacheWait)) {
            SimulatedApiserver.CacheList snap =
                api.list(c.type, ns, sel, r.rv, r.afterKey, r.limit);
            if (snap != null) {
              return fromCache(c, snap, r.limit);
            }
          }
          return fromEtcd(c, ns, sel, r.rv, r.afterKey, r.limit, false);
        case ETCD:
          return fromEtcd(c, ns, sel, 0, r.afterKey, r.limit, r.inconsistent);
        default:
          return fromEtcd(c, ns, sel, r.rv, r.afterKey, r.limit, false);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return status(500, "InternalError", "interrupted", null);
    }
  }

  private Result fromCache(Call c, SimulatedApiserver.CacheList l, long limit) {
    sim.statsLive().cacheReads(l.items.size(), l.scanned);
    String token =
        l.continueAfter == null ? null : new ContinueToken(l.rv, l.continueAfter).encode();
    return Result.list(c.type, l.rv, token, l.items);
  }

  /**
   * Reads etcd at {@code rv} ({@code 0} = now). Every key under the prefix that the read passes
   * counts as a storage read, whether or not the selectors keep it.
   */
  private Result fromEtcd(
      Call c, String ns, Selector sel, long rv, String afterKey, long limit, boolean inconsistent) {
    Etcd etcd = sim.etcd();
    etcd.lock.readLock().lock();
    try {
      long current = etcd.currentRv();
      if (rv > current) {
        return tooLargeResourceVersion(rv, current);
      }
      if (rv > 0 && etcd.isCompacted(c.type, rv)) {
        if (!afterKey.isEmpty()) {
          return expiredContinue(afterKey);
        }
        return status(
            410, "Expired", "The resourceVersion for the provided list is too old.", null);
      }
      long readRv = rv > 0 ? rv : current;
      Iterator<StoredObject> it = etcd.keyspace(c.type).iterate(ns, afterKey, rv);
      List<StoredObject> out = new ArrayList<>();
      long read = 0;
      String last = null;
      boolean more = false;
      while (it.hasNext()) {
        StoredObject o = it.next();
        if (limit > 0 && out.size() >= limit) {
          more = true;
          break;
        }
        read++;
        if (sel.matches(o)) {
          out.add(o);
          last = o.key;
        }
      }
      sim.statsLive().storageReads(read);
      String token = more ? new ContinueToken(readRv, last).encode() : null;
      return Result.list(c.type, readRv, token, out);
    } finally {
      etcd.lock.readLock().unlock();
    }
  }

  static byte[] listBody(ResourceType t, long rv, String continueToken, List<StoredObject> items) {
    int size = 128;
    for (StoredObject o : items) {
      size += o.json.length + 1;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    String head =
        "{\"kind\":\""
            + t.kind()
            + "List\",\"apiVersion\":\""
            + t.apiVersion()
            + "\",\"metadata\":{\"resourceVersion\":\""
            + rv
            + "\""
            + (continueToken == null ? "" : ",\"continue\":\"" + continueToken + "\"")
            + "},\"items\":[";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    boolean first = true;
    for (StoredObject o : items) {
      if (!first) {
        out.write(',');
      }
      out.writeBytes(o.json);
      first = false;
    }
    out.writeBytes("]}".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  // ---------------------------------------------------------------- watch

  private void watch(Call c, Fault fault) {
    SimStats stats = sim.statsLive();
    SimulatedApiserver api = c.apiserver;
    Selector sel;
    try {
      sel = Selector.parse(c.param("labelSelector"), c.param("fieldSelector"));
    } catch (IllegalArgumentException e) {
      send(c, status(400, "BadRequest", e.getMessage(), null));
      return;
    }
    String rvParam = c.param("resourceVersion");
    boolean initialEvents = c.flag("sendInitialEvents");
    int minor = sim.config().minor;
    if (initialEvents) {
      // WatchList gate: beta in 1.32, off again in 1.33, on from 1.34 (fact sheet, WATCH).
      if (!(minor == 32 || minor >= 34)) {
        send(
            c,
            status(
                422,
                "Invalid",
                "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
                null));
        return;
      }
      if (!"NotOlderThan".equals(c.param("resourceVersionMatch"))
          || !c.flag("allowWatchBookmarks")) {
        send(
            c,
            status(
                422,
                "Invalid",
                "sendInitialEvents requires resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true",
                null));
        return;
      }
    }
    if (!api.isReady()) {
      send(c, cacheInitializing(api));
      return;
    }
    long fromRv = 0;
    boolean initial = initialEvents || rvParam == null || rvParam.isEmpty() || rvParam.equals("0");
    if (rvParam != null && !rvParam.isEmpty()) {
      try {
        fromRv = Long.parseLong(rvParam);
      } catch (NumberFormatException e) {
        send(c, status(400, "BadRequest", "invalid resource version: " + rvParam, null));
        return;
      }
    }
    long timeoutSeconds;
    String ts = c.param("timeoutSeconds");
    try {
      timeoutSeconds =
          ts == null || ts.isEmpty()
              ? ThreadLocalRandom.current().nextLong(1800, 3600) // fact sheet, WATCH
              : Long.parseLong(ts);
    } catch (NumberFormatException e) {
      send(c, status(400, "BadRequest", "invalid timeoutSeconds: " + ts, null));
      return;
    }
    boolean consistentStart = initial && (rvParam == null || rvParam.isEmpty());
    try {
      if (consistentStart || (initialEvents && fromRv > 0)) {
        long target = consistentStart ? sim.etcd().currentRv() : fromRv;
        api.waitFor(target, sim.config().cacheWait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String ns = c.type.isNamespaced() ? c.namespace : "";
    boolean cache = cacheEnabled(c);
    // Only the watch cache sends bookmarks; a watch served from etcd gets none.
    boolean bookmarks = cache && c.flag("allowWatchBookmarks");
    boolean protobuf =
        c.protobuf && ProtobufEncoding.descriptor(c.type.apiVersion(), c.type.kind()) != null;
    WatchStream w =
        new WatchStream(
            c.type, ns, sel, bookmarks, c.userAgent, protobuf, c.response, c.callback, stats);
    if (initial) {
      // Initial events are charged like a list (fact sheet, APF section).
      Etcd etcd = sim.etcd();
      etcd.lock.readLock().lock();
      try {
        Keyspace k = etcd.keyspace(c.type);
        int seats = seatsFor(true, !sel.empty, 0, k.size(), k.averageObjectBytes(), minor);
        stats.seats(sim.priorityLevel().width(seats));
        if (consistentStart && minor <= 30) {
          stats.storageReads(k.countUnder(ns));
        }
      } finally {
        etcd.lock.readLock().unlock();
      }
    } else {
      stats.seats(1);
    }
    boolean drop =
        (fault != null && fault.kind() == Fault.Kind.DROP_WATCHES) || isDropWindowOpen(c);
    // A half-open connection: the watch is established, then nothing ever arrives.
    w.silent = fault != null && fault.kind() == Fault.Kind.SILENT;
    c.response.setStatus(200);
    c.response
        .getHeaders()
        .put(
            HttpHeader.CONTENT_TYPE,
            protobuf ? ProtobufEncoding.MEDIA_TYPE + ";stream=watch" : JSON);
    pfHeaders(c.response);
    stats.watchOpened();
    long[] initialRv = {0};
    java.util.function.Consumer<Long> onInitialState =
        rv -> {
          initialRv[0] = rv;
          w.fromRv = rv;
          if (initialEvents) {
            w.sendLine(SimulatedApiserver.bookmarkLine(c.type, rv, true));
          }
        };
    boolean ok;
    if (!cache && !initial) {
      // Served from etcd: its history reaches back to the last compaction (about 5 minutes),
      // not just the cache's event window. Replay it, then follow live changes.
      Etcd etcd = sim.etcd();
      etcd.lock.readLock().lock();
      try {
        ok = !etcd.isCompacted(c.type, fromRv);
        if (ok) {
          w.fromRv = fromRv;
          long last = fromRv;
          for (Change ch : etcd.keyspace(c.type).history) {
            if (ch.resourceVersion > fromRv) {
              SimulatedApiserver.deliver(w, ch);
              last = ch.resourceVersion;
            }
          }
          fromRv = last;
          w.fromRv = last; // the cache's copies of these changes are skipped
          ok = api.watch(w, last, onInitialState, false);
        }
      } finally {
        etcd.lock.readLock().unlock();
      }
    } else {
      ok = api.watch(w, fromRv, onInitialState, initial);
    }
    if (!ok) {
      // Too old for the event window: an ERROR event with a 410 Status, as the cacher sends.
      JsonObject ev = new JsonObject();
      ev.addProperty("type", "ERROR");
      ev.add(
          "object",
          statusJson(
              410,
              "Expired",
              "too old resource version: " + fromRv + " (" + api.cacheResourceVersion() + ")",
              null));
      w.sendLine((ev + "\n").getBytes(StandardCharsets.UTF_8));
      w.end(); // closing the stream counts the watch closed
      return;
    }
    if (!initial) {
      w.fromRv = fromRv;
    }
    w.timeout = sim.scheduler().schedule(w::end, timeoutSeconds, TimeUnit.SECONDS);
    // Commits the headers now: the client sees the watch established (then, maybe, dropped).
    w.commit(drop ? () -> w.abort(new IOException("watch dropped by fault script")) : null);
  }

  private boolean isDropWindowOpen(Call c) {
    for (FaultRule r : sim.faults().activeTimedRules()) {
      if (r.fault.kind() == Fault.Kind.DROP_WATCHES && r.matches("watch", c.type.resourceName())) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- writes

  private JsonObject parseBody(Call c) {
    String ct = c.request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (ct != null && ct.startsWith(ProtobufEncoding.MEDIA_TYPE)) {
      throw new UnsupportedBody();
    }
    try {
      JsonElement e = JsonParser.parseString(c.body == null ? "" : c.body);
      if (!e.isJsonObject()) {
        throw new BadRequest("the request body must be a JSON object");
      }
      return e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new BadRequest("invalid JSON: " + e.getMessage());
    }
  }

  /** KubeSim reads JSON request bodies only (it answers in Protobuf, but does not decode it). */
  private static final class UnsupportedBody extends RuntimeException {
    UnsupportedBody() {
      super("KubeSim accepts JSON request bodies only", null, false, false);
    }
  }

  /** A 400 raised from deep inside a verb. */
  private static final class BadRequest extends RuntimeException {
    BadRequest(String m) {
      super(m, null, false, false);
    }
  }

  private String now() {
    return Instant.ofEpochMilli(sim.clock().millis()).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  Result createObject(ResourceType t, String namespace, JsonObject o) {
    JsonObject meta =
        o.has("metadata") && o.get("metadata").isJsonObject()
            ? o.getAsJsonObject("metadata")
            : new JsonObject();
    o.add("metadata", meta);
    o.addProperty("apiVersion", t.apiVersion());
    o.addProperty("kind", t.kind());
    String bodyNs = StoredObject.string(meta, "namespace");
    if (t.isNamespaced()) {
      if (namespace.isEmpty()) {
        namespace = bodyNs;
      }
      if (namespace.isEmpty()) {
        return status(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
            null);
      }
      if (!bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
        return status(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
            null);
      }
      meta.addProperty("namespace", namespace);
    } else {
      meta.remove("namespace");
      namespace = "";
    }
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      String name = StoredObject.string(meta, "name");
      if (name.isEmpty()) {
        String gen = StoredObject.string(meta, "generateName");
        if (gen.isEmpty()) {
          return status(
              422,
              "Invalid",
              t.kind()
                  + " is invalid: metadata.name: Required value: name or generateName is required",
              null);
        }
        // Deterministic suffixes (replays give the same names), 5 chars like the real one.
        name =
            gen
                + Long.toString(
                    36L * 36 * 36 * 36
                        + (etcd.currentRv() * 2654435761L & 0xFFFFFF) % (36L * 36 * 36 * 36 * 35),
                    36);
        meta.addProperty("name", name);
      }
      Keyspace k = etcd.keyspace(t);
      if (k.current.containsKey(StoredObject.keyOf(namespace, name))) {
        return alreadyExists(t, name);
      }
      meta.remove("resourceVersion");
      meta.addProperty(
          "uid",
          UUID.nameUUIDFromBytes(
                  ("kubesim/" + t + "/" + namespace + "/" + name + "/" + etcd.currentRv())
                      .getBytes(StandardCharsets.UTF_8))
              .toString());
      meta.addProperty("creationTimestamp", now());
      meta.addProperty("generation", 1);
      meta.remove("deletionTimestamp");
      Change ch = etcd.commit(t, Change.Type.ADDED, o, null);
      return Result.of(201, ch.object);
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  private Result update(Call c, JsonObject o, boolean fromPatch) {
    JsonObject meta =
        o.has("metadata") && o.get("metadata").isJsonObject()
            ? o.getAsJsonObject("metadata")
            : new JsonObject();
    o.add("metadata", meta);
    String bodyName = StoredObject.string(meta, "name");
    if (!bodyName.isEmpty() && !bodyName.equals(c.name)) {
      return status(
          400,
          "BadRequest",
          "the name of the object ("
              + bodyName
              + ") does not match the name on the URL ("
              + c.name
              + ")",
          null);
    }
    String ns = c.type.isNamespaced() ? c.namespace : "";
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      StoredObject current = etcd.keyspace(c.type).current.get(StoredObject.keyOf(ns, c.name));
      if (current == null) {
        return notFound(c);
      }
      String rv = StoredObject.string(meta, "resourceVersion");
      if (!rv.isEmpty() && !rv.equals(Long.toString(current.resourceVersion))) {
        return conflict(c);
      }
      JsonObject old = current.decode();
      JsonObject oldMeta = old.getAsJsonObject("metadata");
      JsonObject next;
      if ("status".equals(c.subresource)) {
        next = old.deepCopy();
        if (o.has("status")) {
          next.add("status", o.get("status"));
        }
      } else {
        next = o;
        next.addProperty("apiVersion", c.type.apiVersion());
        next.addProperty("kind", c.type.kind());
        if (old.has("status") && !fromPatch) {
          next.add("status", old.get("status")); // status changes need the status subresource
        }
        if (old.has("status") && fromPatch && !o.has("status")) {
          next.add("status", old.get("status"));
        }
      }
      JsonObject nm = next.getAsJsonObject("metadata");
      nm.addProperty("name", c.name);
      if (!ns.isEmpty()) {
        nm.addProperty("namespace", ns);
      }
      for (String keep :
          new String[] {
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation"
          }) {
        if (oldMeta.has(keep)) {
          nm.add(keep, oldMeta.get(keep));
        } else {
          nm.remove(keep);
        }
      }
      long gen = oldMeta.has("generation") ? oldMeta.get("generation").getAsLong() : 1;
      if (!"status".equals(c.subresource)
          && !String.valueOf(old.get("spec")).equals(String.valueOf(next.get("spec")))) {
        gen++;
      }
      nm.addProperty("generation", gen);
      boolean deleting = nm.has("deletionTimestamp");
      boolean noFinalizers = !nm.has("finalizers") || nm.getAsJsonArray("finalizers").isEmpty();
      if (deleting && noFinalizers && !isGracefulPod(c.type, next)) {
        Change ch = etcd.commit(c.type, Change.Type.DELETED, next, current);
        return Result.of(200, ch.object);
      }
      Change ch = etcd.commit(c.type, Change.Type.MODIFIED, next, current);
      return Result.of(200, ch.object);
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  private static boolean isGracefulPod(ResourceType t, JsonObject o) {
    return t.plural().equals("pods")
        && t.group().isEmpty()
        && o.getAsJsonObject("metadata").has("deletionGracePeriodSeconds")
        && o.getAsJsonObject("metadata").get("deletionGracePeriodSeconds").getAsLong() > 0;
  }

  private Result patch(Call c) {
    String ct = c.request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    ct = ct == null ? "" : ct.split(";")[0].trim();
    if (!ct.equals("application/merge-patch+json")
        && !ct.equals("application/strategic-merge-patch+json")) {
      // JSON patch and server-side apply are not simulated.
      return status(
          415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json",
          null);
    }
    JsonObject patch = parseBody(c);
    String ns = c.type.isNamespaced() ? c.namespace : "";
    Etcd etcd = sim.etcd();
    // Read-merge-update under the write lock, so concurrent patches cannot lose each other.
    etcd.lock.writeLock().lock();
    try {
      StoredObject current = etcd.keyspace(c.type).current.get(StoredObject.keyOf(ns, c.name));
      if (current == null) {
        return notFound(c);
      }
      JsonObject merged = (JsonObject) mergePatch(current.decode(), patch);
      JsonObject pm =
          patch.has("metadata") && patch.get("metadata").isJsonObject()
              ? patch.getAsJsonObject("metadata")
              : null;
      if (pm == null || !pm.has("resourceVersion")) {
        merged.getAsJsonObject("metadata").remove("resourceVersion"); // no precondition
      }
      return update(c, merged, true);
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** RFC 7386 JSON merge patch (strategic merge patch is approximated by it: lists replace). */
  static JsonElement mergePatch(JsonElement target, JsonElement patch) {
    if (!patch.isJsonObject()) {
      return patch;
    }
    JsonObject t =
        target != null && target.isJsonObject()
            ? target.getAsJsonObject().deepCopy()
            : new JsonObject();
    for (Map.Entry<String, JsonElement> e : patch.getAsJsonObject().entrySet()) {
      if (e.getValue().isJsonNull()) {
        t.remove(e.getKey());
      } else {
        t.add(e.getKey(), mergePatch(t.get(e.getKey()), e.getValue()));
      }
    }
    return t;
  }

  private Result delete(Call c) {
    JsonObject options = c.body == null || c.body.isBlank() ? new JsonObject() : parseBody(c);
    Long grace = null;
    if (options.has("gracePeriodSeconds") && !options.get("gracePeriodSeconds").isJsonNull()) {
      grace = options.get("gracePeriodSeconds").getAsLong();
    }
    String q = c.param("gracePeriodSeconds");
    if (q != null && !q.isEmpty()) {
      grace = Long.parseLong(q);
    }
    JsonObject pre =
        options.has("preconditions") && options.get("preconditions").isJsonObject()
            ? options.getAsJsonObject("preconditions")
            : new JsonObject();
    String ns = c.type.isNamespaced() ? c.namespace : "";
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      StoredObject current = etcd.keyspace(c.type).current.get(StoredObject.keyOf(ns, c.name));
      if (current == null) {
        return notFound(c);
      }
      JsonObject o = current.decode();
      JsonObject meta = o.getAsJsonObject("metadata");
      if ((pre.has("resourceVersion")
              && !pre.get("resourceVersion").isJsonNull()
              && !pre.get("resourceVersion")
                  .getAsString()
                  .equals(Long.toString(current.resourceVersion)))
          || (pre.has("uid")
              && !pre.get("uid").isJsonNull()
              && !pre.get("uid").getAsString().equals(StoredObject.string(meta, "uid")))) {
        return conflict(c);
      }
      return deleteLocked(c.type, current, o, grace);
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** Deletes or starts a graceful deletion; the caller holds etcd's write lock. */
  private Result deleteLocked(ResourceType t, StoredObject current, JsonObject o, Long grace) {
    Etcd etcd = sim.etcd();
    JsonObject meta = o.getAsJsonObject("metadata");
    boolean finalizers = meta.has("finalizers") && !meta.getAsJsonArray("finalizers").isEmpty();
    boolean pod = t.plural().equals("pods") && t.group().isEmpty();
    boolean scheduled = pod && !current.nodeName.isEmpty();
    if (scheduled && (grace == null || grace > 0)) {
      long g = grace != null ? grace : podGrace(o);
      if (meta.has("deletionTimestamp")
          && meta.has("deletionGracePeriodSeconds")
          && meta.get("deletionGracePeriodSeconds").getAsLong() <= g) {
        return Result.of(202, current); // already terminating, no shorter grace asked
      }
      // Graceful deletion of a scheduled pod: deletionTimestamp first, the kubelet removes it.
      meta.addProperty(
          "deletionTimestamp",
          Instant.ofEpochMilli(sim.clock().millis() + g * 1000)
              .truncatedTo(ChronoUnit.SECONDS)
              .toString());
      meta.addProperty("deletionGracePeriodSeconds", g);
      terminatingPods.put(current.key, sim.clock().millis() + g * 1000);
      Change ch = etcd.commit(t, Change.Type.MODIFIED, o, current);
      return Result.of(202, ch.object);
    }
    if (finalizers) {
      if (!meta.has("deletionTimestamp")) {
        meta.addProperty("deletionTimestamp", now());
        meta.addProperty("deletionGracePeriodSeconds", 0);
        Change ch = etcd.commit(t, Change.Type.MODIFIED, o, current);
        return Result.of(202, ch.object);
      }
      return Result.of(202, current);
    }
    Change ch = etcd.commit(t, Change.Type.DELETED, o, current);
    return Result.of(200, ch.object);
  }

  private static long podGrace(JsonObject o) {
    JsonObject spec =
        o.has("spec") && o.get("spec").isJsonObject()
            ? o.getAsJsonObject("spec")
            : new JsonObject();
    return spec.has("terminationGracePeriodSeconds")
        ? spec.get("terminationGracePeriodSeconds").getAsLong()
        : 30;
  }

  private Result deleteCollection(Call c) {
    Selector sel;
    try {
      sel = Selector.parse(c.param("labelSelector"), c.param("fieldSelector"));
    } catch (IllegalArgumentException e) {
      return status(400, "BadRequest", e.getMessage(), null);
    }
    JsonObject options = c.body == null || c.body.isBlank() ? new JsonObject() : parseBody(c);
    Long grace =
        options.has("gracePeriodSeconds") && !options.get("gracePeriodSeconds").isJsonNull()
            ? options.get("gracePeriodSeconds").getAsLong()
            : null;
    String q = c.param("gracePeriodSeconds");
    if (q != null && !q.isEmpty()) {
      grace = Long.parseLong(q);
    }
    String ns = c.type.isNamespaced() ? c.namespace : "";
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      // DeleteCollection lists first, from etcd: every object under the prefix is read.
      Keyspace k = etcd.keyspace(c.type);
      List<StoredObject> victims = new ArrayList<>();
      long read = 0;
      Iterator<StoredObject> it = k.iterate(ns, "", 0);
      while (it.hasNext()) {
        StoredObject o = it.next();
        read++;
        if (sel.matches(o)) {
          victims.add(o);
        }
      }
      sim.statsLive().storageReads(read);
      List<StoredObject> out = new ArrayList<>();
      for (StoredObject v : victims) {
        Result r = deleteLocked(c.type, v, v.decode(), grace);
        out.add(
            StoredObject.of(
                JsonParser.parseString(new String(r.body, StandardCharsets.UTF_8))
                    .getAsJsonObject()));
      }
      return Result.list(c.type, etcd.currentRv(), null, out);
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** The simulated kubelet: removes pods whose grace period has ended. */
  void finishGracefulDeletions() {
    if (terminatingPods.isEmpty()) {
      return;
    }
    ResourceType pods = ResourceType.BUILT_IN.get("v1/pods");
    Etcd etcd = sim.etcd();
    long now = sim.clock().millis();
    etcd.lock.writeLock().lock();
    try {
      for (Map.Entry<String, Long> e : terminatingPods.entrySet()) {
        if (e.getValue() > now) {
          continue;
        }
        StoredObject current = etcd.keyspace(pods).current.get(e.getKey());
        if (current == null) {
          terminatingPods.remove(e.getKey());
          continue;
        }
        JsonObject j = current.decode();
        JsonObject meta = j.getAsJsonObject("metadata");
        boolean finalizers = meta.has("finalizers") && !meta.getAsJsonArray("finalizers").isEmpty();
        if (!finalizers) {
          meta.addProperty("deletionGracePeriodSeconds", 0);
          etcd.commit(pods, Change.Type.DELETED, j, current);
          terminatingPods.remove(e.getKey());
        }
      }
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  /** POST pods/{name}/eviction: 429 DisruptionBudget if a matching PDB allows no disruption. */
  private Result evict(Call c) {
    ResourceType pdbs = ResourceType.BUILT_IN.get("policy/v1/poddisruptionbudgets");
    Etcd etcd = sim.etcd();
    etcd.lock.writeLock().lock();
    try {
      StoredObject pod = etcd.keyspace(c.type).current.get(StoredObject.keyOf(c.namespace, c.name));
      if (pod == null) {
        return notFound(c);
      }
      Iterator<StoredObject> it = etcd.keyspace(pdbs).iterate(c.namespace, "", 0);
      while (it.hasNext()) {
        JsonObject pdb = it.next().decode();
        JsonObject spec = pdb.has("spec") ? pdb.getAsJsonObject("spec") : new JsonObject();
        JsonObject sel = spec.has("selector") ? spec.getAsJsonObject("selector") : new JsonObject();
        JsonObject ml =
            sel.has("matchLabels") ? sel.getAsJsonObject("matchLabels") : new JsonObject();
        boolean matches = true;
        for (Map.Entry<String, JsonElement> e : ml.entrySet()) {
          matches &= e.getValue().getAsString().equals(pod.labels.get(e.getKey()));
        }
        JsonObject st = pdb.has("status") ? pdb.getAsJsonObject("status") : new JsonObject();
        long allowed = st.has("disruptionsAllowed") ? st.get("disruptionsAllowed").getAsLong() : 0;
        if (matches && allowed < 1) {
          String pdbName = pdb.getAsJsonObject("metadata").get("name").getAsString();
          JsonObject details = new JsonObject();
          JsonArray causes = new JsonArray();
          JsonObject cause = new JsonObject();
          cause.addProperty("reason", "DisruptionBudget");
          cause.addProperty(
              "message",
              "The disruption budget "
                  + pdbName
                  + " needs more healthy pods to allow this eviction.");
          causes.add(cause);
          details.add("causes", causes);
          sim.statsLive().tooManyRequests("disruption-budget");
          return status(
              429,
              "TooManyRequests",
              "Cannot evict pod as it would violate the pod's disruption budget.",
              details);
        }
      }
      deleteLocked(c.type, pod, pod.decode(), null);
      return new Result(201, statusJson(201, null, null, null));
    } finally {
      etcd.lock.writeLock().unlock();
    }
  }

  // ---------------------------------------------------------------- answers

  private Result notFound(Call c) {
    JsonObject d = new JsonObject();
    d.addProperty("name", c.name);
    d.addProperty("kind", c.type.plural());
    if (!c.type.group().isEmpty()) {
      d.addProperty("group", c.type.group());
    }
    return status(404, "NotFound", c.type.plural() + " \"" + c.name + "\" not found", d);
  }

  private Result conflict(Call c) {
    JsonObject d = new JsonObject();
    d.addProperty("name", c.name);
    d.addProperty("kind", c.type.plural());
    return status(
        409,
        "Conflict",
        "Operation cannot be fulfilled on "
            + c.type.resourceName()
            + " \""
            + c.name
            + "\": the object has been modified; please apply your changes to the latest version and try again",
        d);
  }

  private Result alreadyExists(ResourceType t, String name) {
    JsonObject d = new JsonObject();
    d.addProperty("name", name);
    d.addProperty("kind", t.plural());
    return status(409, "AlreadyExists", t.resourceName() + " \"" + name + "\" already exists", d);
  }

  private Result expiredContinue(String afterKey) {
    // The fresh token continues an inconsistent list: encoded RV -1 (fact sheet, LIST table).
    JsonObject s =
        statusJson(
            410,
            "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            null);
    s.getAsJsonObject("metadata").addProperty("continue", new ContinueToken(-1, afterKey).encode());
    return new Result(410, s);
  }

  private Result tooLargeResourceVersion(long requested, long current) {
    JsonObject d = new JsonObject();
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "ResourceVersionTooLarge");
    cause.addProperty("message", "Too large resource version");
    causes.add(cause);
    d.add("causes", causes);
    d.addProperty("retryAfterSeconds", 1);
    return status(
            504, "Timeout", "Too large resource version: " + requested + ", current: " + current, d)
        .header("Retry-After", "1");
  }

  private Result cacheInitializing(SimulatedApiserver api) {
    long retry = api.retryAfterWhileInitializing();
    sim.statsLive().tooManyRequests("cache-initializing");
    JsonObject d = new JsonObject();
    d.addProperty("retryAfterSeconds", retry);
    return status(429, "TooManyRequests", "storage is (re)initializing", d)
        .header("Retry-After", Long.toString(retry));
  }

  private Result tooManyRequests(int retryAfter, String why) {
    JsonObject d = new JsonObject();
    d.addProperty("retryAfterSeconds", retryAfter);
    return status(429, "TooManyRequests", "Too many requests, please try again later.", d)
        .header("Retry-After", Integer.toString(retryAfter));
  }

  static Result status(int code, String reason, String message, JsonObject details) {
    return new Result(code, statusJson(code, reason, message, details));
  }

  static JsonObject statusJson(int code, String reason, String message, JsonObject details) {
    JsonObject s = new JsonObject();
    s.addProperty("kind", "Status");
    s.addProperty("apiVersion", "v1");
    s.add("metadata", new JsonObject());
    s.addProperty("status", code < 400 ? "Success" : "Failure");
    if (message != null) {
      s.addProperty("message", message);
    }
    if (reason != null) {
      s.addProperty("reason", reason);
    }
    if (details != null) {
      s.add("details", details);
    }
    s.addProperty("code", code);
    return s;
  }

  private Result nonResource(String path) {
    switch (path) {
      case "/version":
      case "/version/":
        JsonObject v = new JsonObject();
        String minor = Integer.toString(sim.config().minor);
        v.addProperty("major", "1");
        v.addProperty("minor", minor);
        v.addProperty("gitVersion", "v1." + minor + ".0-kubesim");
        v.addProperty("platform", "linux/amd64");
        return new Result(200, v);
      case "/healthz":
      case "/livez":
      case "/readyz":
        return new Result(200, "ok".getBytes(StandardCharsets.US_ASCII))
            .header("Content-Type", "text/plain");
      default:
        return status(404, "NotFound", "the server could not find the requested resource", null);
    }
  }

  private Result discoveryGroups(String root) {
    if (root.equals("api")) {
      JsonObject o = new JsonObject();
      o.addProperty("kind", "APIVersions");
      JsonArray versions = new JsonArray();
      versions.add("v1");
      o.add("versions", versions);
      return new Result(200, o);
    }
    Map<String, String> groups = new LinkedHashMap<>();
    for (ResourceType t : sim.resources().values()) {
      if (!t.group().isEmpty()) {
        groups.put(t.group(), t.version());
      }
    }
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIGroupList");
    o.addProperty("apiVersion", "v1");
    JsonArray arr = new JsonArray();
    groups.forEach(
        (g, v) -> {
          JsonObject gv = new JsonObject();
          gv.addProperty("groupVersion", g + "/" + v);
          gv.addProperty("version", v);
          JsonObject group = new JsonObject();
          group.addProperty("name", g);
          JsonArray vs = new JsonArray();
          vs.add(gv);
          group.add("versions", vs);
          group.add("preferredVersion", gv);
          arr.add(group);
        });
    o.add("groups", arr);
    return new Result(200, o);
  }

  private Result discoveryResources(String group, String version) {
    JsonObject o = new JsonObject();
    o.addProperty("kind", "APIResourceList");
    o.addProperty("apiVersion", "v1");
    o.addProperty("groupVersion", group.isEmpty() ? version : group + "/" + version);
    JsonArray arr = new JsonArray();
    for (ResourceType t : sim.resources().values()) {
      if (t.group().equals(group) && t.version().equals(version)) {
        JsonObject r = new JsonObject();
        r.addProperty("name", t.plural());
        r.addProperty("singularName", "");
        r.addProperty("namespaced", t.isNamespaced());
        r.addProperty("kind", t.kind());
        JsonArray verbs = new JsonArray();
        for (String v :
            new String[] {
              "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"
            }) {
          verbs.add(v);
        }
        r.add("verbs", verbs);
        arr.add(r);
      }
    }
    o.add("resources", arr);
    return new Result(200, o);
  }

  private static void pfHeaders(Response response) {
    response.getHeaders().put("X-Kubernetes-PF-FlowSchema-UID", PriorityLevel.FLOW_SCHEMA_UID);
    response
        .getHeaders()
        .put("X-Kubernetes-PF-PriorityLevel-UID", PriorityLevel.PRIORITY_LEVEL_UID);
  }

  /** Answers a resource request in the encoding it asked for (Protobuf for built-in kinds). */
  private void send(Call c, Result r) {
    if (c.warning != null) {
      r.header("Warning", "299 - \"" + c.warning.replace("\"", "'") + "\"");
    }
    if (c.protobuf
        && r.code != 204
        && r.body.length > 0
        && !r.headers.containsKey("Content-Type")
        && ProtobufEncoding.descriptor(c.type.apiVersion(), c.type.kind()) != null) {
      byte[] pb;
      if (r.items != null) {
        pb = ProtobufEncoding.list(r.listOf, r.listRv, r.listContinue, r.items);
      } else if (r.object != null) {
        pb = ProtobufEncoding.object(c.type, r.object);
      } else {
        pb = ProtobufEncoding.fromJson(r.body);
      }
      if (pb != null) {
        Result p = new Result(r.code, pb);
        p.headers.putAll(r.headers);
        p.headers.put("Content-Type", ProtobufEncoding.MEDIA_TYPE);
        r = p;
      }
    }
    send(c.response, c.callback, r);
  }

  private void send(Response response, Callback callback, Result r) {
    response.setStatus(r.code);
    if (!r.headers.containsKey("Content-Type")) {
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
    }
    r.headers.forEach((k, v) -> response.getHeaders().put(k, v));
    pfHeaders(response);
    sim.statsLive().bytesSent(r.body.length);
    response.write(true, ByteBuffer.wrap(r.body), callback);
  }

  /** Cuts every half-open request held by a SILENT fault (at close). */
  void releaseSilent() {
    for (Runnable cut : silent) {
      cut.run();
    }
    silent.clear();
  }
}
