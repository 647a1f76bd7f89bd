package dev.safeclient.testing;

import static dev.safeclient.testing.StatusAnswers.*;

import dev.safeclient.apiserver.ApiserverDefaults;
import dev.safeclient.apiserver.ContinueToken;
import dev.safeclient.apiserver.ListBody;
import dev.safeclient.apiserver.ListOptions;
import dev.safeclient.apiserver.ReadMode;
import dev.safeclient.apiserver.StatusException;
import dev.safeclient.apiserver.Verb;
import dev.safeclient.model.serving.FeatureGate;
import dev.safeclient.model.serving.ListWorkEstimator;
import dev.safeclient.model.serving.ReadRequest;
import dev.safeclient.model.serving.ReadServing;
import dev.safeclient.model.serving.ServedFrom;
import dev.safeclient.model.serving.ServerVersion;
import dev.safeclient.model.serving.Serving;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * GET and LIST: where each form is served (cache, snapshot, etcd), what it reads, and APF's
 * estimate.
 */
final class Reads {
  /** How long a read on 1.30 waits for an initialising cache before 503: the request timeout. */
  static final Duration REQUEST_TIMEOUT = ApiserverDefaults.REQUEST_TIMEOUT;

  private final KubeSim sim;

  Reads(KubeSim sim) {
    this.sim = sim;
  }

  /**
   * Cacher.Get: RV unset reads etcd; RV "0" is the cache's current state, any other RV the cache
   * once it has reached that RV (up to the freshness wait, then 504).
   */
  Answer get(ApiCall c) {
    String key = StoredObject.keyOf(c.type.isNamespaced() ? c.namespace : "", c.name);
    String rvParam = c.param("resourceVersion");
    SimulatedApiserver api = c.apiserver;
    if (rvParam != null && !rvParam.isEmpty() && cacheEnabled(c) && api.isReady()) {
      long rv = Long.parseLong(rvParam); // NumberFormatException answers 400
      if (rv > 0) {
        try {
          if (!api.waitFor(c.type, rv, sim.config().cacheWait)) {
            return tooLargeResourceVersion(rv, api.cacheResourceVersion(c.type));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return status(500, "InternalError", "interrupted", null);
        }
      }
      SimulatedApiserver.CacheList l =
          api.list(
              c.type,
              c.type.isNamespaced() ? c.namespace : "",
              Selector.parse(null, "metadata.name=" + c.name),
              0,
              "",
              0);
      SimStats.servedFrom("watch-cache");
      if (!l.items.isEmpty()) {
        sim.statsLive().cacheReads(1, 0);
        return Answer.of(200, l.items.get(0));
      }
      return notFound(c);
    }
    SimStats.servedFrom("etcd");
    Etcd etcd = sim.etcd();
    etcd.lock.readLock().lock();
    try {
      StoredObject o = etcd.keyspace(c.type).current.get(key);
      sim.statsLive().storageReads(1);
      return o == null ? notFound(c) : Answer.of(200, o);
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
    Answer error;

    static Route error(Answer r) {
      Route x = new Route();
      x.error = r;
      return x;
    }

    boolean fromCache() {
      return source != Source.ETCD && source != Source.ETCD_AT;
    }
  }

  private Route route(ApiCall c) {
    ServerVersion version = sim.config().version;
    boolean snapshots = version.enabled(FeatureGate.LIST_FROM_CACHE_SNAPSHOT);
    boolean cache = cacheEnabled(c);
    ListOptions o;
    ReadMode mode;
    ContinueToken token;
    try {
      o = c.listOptions().validate(version.enabled(FeatureGate.WATCH_LIST));
      mode = o.readMode();
      token = o.continueTokenValue();
    } catch (StatusException e) {
      return Route.error(Answer.of(e.status()));
    }
    Route r = new Route();
    r.limit = o.limit();
    if (token != null) {
      r.afterKey = token.afterKey();
      if (token.isInconsistent()) {
        r.source = Source.ETCD;
        r.inconsistent = true;
      } else {
        r.rv = token.resourceVersion();
        // Continuations: etcd up to 1.33 (1.31–1.33 serve only the first page from the cache);
        // from 1.34 the cache snapshot the first page came from (KEP-4988).
        r.source = snapshots && cache ? Source.CACHE_SNAPSHOT : Source.ETCD_AT;
      }
      return r;
    }
    r.rv = o.readResourceVersion();
    switch (mode) {
      case CONSISTENT:
        // Consistent read: the cache after it confirms freshness where ConsistentReadSupported
        // (1.31+ with an etcd that has progress requests); etcd otherwise.
        r.source =
            version.consistentReadSupported() && cache ? Source.CACHE_CONSISTENT : Source.ETCD;
        return r;
      case ANY:
        // RV=0: any data. From the cache limit is ignored; without a cache etcd honours it.
        r.source = cache ? Source.CACHE : Source.ETCD;
        return r;
      case EXACT:
        r.source = snapshots && cache ? Source.CACHE_SNAPSHOT : Source.ETCD_AT;
        return r;
      default:
        // Not older than rv. Up to 1.30 adding a limit sends it to etcd.
        r.source =
            !cache || (r.limit > 0 && version.minor() <= 30)
                ? Source.ETCD
                : Source.CACHE_NOT_OLDER_THAN;
        return r;
    }
  }

  private boolean cacheEnabled(ApiCall c) {
    return sim.config().watchCacheEnabled(c.type);
  }

  Answer validate(ApiCall c) {
    if (c.verb == Verb.LIST) {
      Route r = route(c);
      if (r.error != null) {
        return r.error;
      }
      try {
        Selector.of(c);
      } catch (IllegalArgumentException e) {
        return status(400, "BadRequest", e.getMessage(), null);
      }
    }
    return null;
  }

  /**
   * APF's estimate, made before execution from the stored count and average stored size: the
   * model's ListWorkEstimator (listWorkEstimator.estimate in list_work_estimator.go).
   */
  int estimateSeats(ApiCall c) {
    if (c.verb != Verb.LIST) {
      return 1;
    }
    Route r = route(c);
    if (r.error != null) {
      return 1;
    }
    return estimate(c, readRequest(c));
  }

  /**
   * The model's estimate for a LIST or WATCH of {@code c}'s resource (a watch takes the minimum;
   * its initial events are charged like a list only with sendInitialEvents, and from 1.35 for a
   * legacy watch at RV "" or "0"), capped at the priority level's max seats.
   */
  int estimate(ApiCall c, ReadRequest request) {
    Etcd etcd = sim.etcd();
    long stored;
    long avgBytes;
    etcd.lock.readLock().lock();
    try {
      Keyspace k = etcd.keyspace(c.type);
      stored = k.size();
      avgBytes = k.averageStoredBytes();
    } finally {
      etcd.lock.readLock().unlock();
    }
    return ListWorkEstimator.estimate(
        sim.config().version, request, stored, avgBytes, sim.priorityLevel().maxSeats());
  }

  /** The ListOptions of {@code c} as the model reads them. */
  static ReadRequest readRequest(ApiCall c) {
    ReadRequest r =
        c.verb == Verb.WATCH
            ? ReadRequest.watch()
            : c.verb == Verb.GET ? ReadRequest.get(c.name) : ReadRequest.list();
    String match = c.param("resourceVersionMatch");
    r =
        r.resourceVersion(c.param("resourceVersion"))
            .match(
                "Exact".equals(match)
                    ? ReadRequest.Match.EXACT
                    : "NotOlderThan".equals(match)
                        ? ReadRequest.Match.NOT_OLDER_THAN
                        : ReadRequest.Match.UNSET)
            .sendInitialEvents(c.flag("sendInitialEvents"));
    String limit = c.param("limit");
    if (limit != null && !limit.isEmpty()) {
      r = r.limit(Long.parseLong(limit));
    }
    String cont = c.param("continue");
    if (cont != null && !cont.isEmpty()) {
      long tokenRv;
      try {
        tokenRv = ContinueToken.decode(cont).resourceVersion();
      } catch (StatusException e) {
        tokenRv = 0;
      }
      r = r.continueFrom(cont, tokenRv);
    }
    String l = c.param("labelSelector");
    String f = c.param("fieldSelector");
    r = r.labelSelector(l != null && !l.isEmpty()).fieldSelector(f != null && !f.isEmpty());
    // RequestInfo names one object for a metadata.name field selector alone.
    if (f != null && f.matches("metadata\\.name==?[^,]+")) {
      r = r.namesOne(true);
    }
    return r;
  }

  private static boolean selected(ApiCall c) {
    String l = c.param("labelSelector");
    String f = c.param("fieldSelector");
    return (l != null && !l.isEmpty()) || (f != null && !f.isEmpty());
  }

  Answer list(ApiCall c) {
    Route r = route(c);
    if (r.error != null) {
      return r.error;
    }
    Selector sel = Selector.of(c);
    String ns = c.type.isNamespaced() ? c.namespace : "";
    SimulatedApiserver api = c.apiserver;
    if (r.fromCache() && !api.isReady()) {
      // The cacher's answer while it initialises (ReadServing.decide: CacheDelegator.GetList,
      // shouldDelegateListOnNotReadyCache; 1.30's ready.wait then 503).
      Serving s = ReadServing.decide(sim.config().version, readRequest(c), true, false, false);
      if (s.from() == ServedFrom.ETCD) {
        long at = r.source == Source.CACHE_SNAPSHOT ? r.rv : 0;
        return fromEtcd(c, ns, sel, at, r.afterKey, r.limit, false);
      }
      if (s.whenNotReady() == Serving.WhenNotReady.TOO_MANY_REQUESTS) {
        return cacheInitializing(api, sim.statsLive());
      }
      try {
        if (!api.awaitReady(REQUEST_TIMEOUT)) {
          return status(503, "ServiceUnavailable", "apiserver cache is not initialized", null);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return status(500, "InternalError", "interrupted", null);
      }
    }
    try {
      switch (r.source) {
        case CACHE:
          return fromCache(c, api.list(c.type, ns, sel, 0, "", 0), 0);
        case CACHE_CONSISTENT:
          if (api.isReady()
              && api.waitFor(c.type, sim.etcd().currentRv(), sim.config().cacheWait)) {
            // 1.31–1.33 serve the first page from the cache; continuations then go to etcd.
            return fromCache(c, api.list(c.type, ns, sel, 0, "", r.limit), r.limit);
          }
          return fromEtcd(c, ns, sel, 0, "", r.limit, false);
        case CACHE_NOT_OLDER_THAN:
          if (!api.waitFor(c.type, r.rv, sim.config().cacheWait)) {
            return tooLargeResourceVersion(r.rv, api.cacheResourceVersion(c.type));
          }
          long pageLimit = sim.config().minor >= 34 ? r.limit : 0;
          return fromCache(c, api.list(c.type, ns, sel, 0, "", pageLimit), pageLimit);
        case CACHE_SNAPSHOT:
          if (api.isReady() && api.waitFor(c.type, r.rv, sim.config().cacheWait)) {
            SimulatedApiserver.CacheList snap =
                api.list(c.type, ns, sel, r.rv, r.afterKey, r.limit);
            if (snap != null) {
              Answer a = fromCache(c, snap, r.limit);
              SimStats.servedFrom("cache-snapshot");
              return a;
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

  private Answer fromCache(ApiCall c, SimulatedApiserver.CacheList l, long limit) {
    SimStats.servedFrom("watch-cache");
    sim.statsLive().cacheReads(l.items.size(), l.scanned);
    String token =
        l.continueAfter == null ? null : ContinueToken.after(l.rv, l.continueAfter).encode();
    return Answer.list(c.type, l.rv, token, l.remaining, l.items);
  }

  /**
   * Reads etcd at {@code rv} ({@code 0} = now). Every key under the prefix that the read passes
   * counts as a storage read, whether or not the selectors keep it.
   */
  private Answer fromEtcd(
      ApiCall c,
      String ns,
      Selector sel,
      long rv,
      String afterKey,
      long limit,
      boolean inconsistent) {
    SimStats.servedFrom("etcd");
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
      Long remaining = null;
      while (it.hasNext()) {
        StoredObject o = it.next();
        if (limit > 0 && out.size() >= limit) {
          more = true;
          remaining = sel.empty ? SimulatedApiserver.countRest(it) : null;
          break;
        }
        read++;
        if (sel.matches(o)) {
          out.add(o);
          last = o.key;
        }
      }
      sim.statsLive().storageReads(read);
      String token = more ? ContinueToken.after(readRv, last).encode() : null;
      return Answer.list(c.type, readRv, token, remaining, out);
    } finally {
      etcd.lock.readLock().unlock();
    }
  }

  static byte[] listBody(
      ResourceType t, long rv, String continueToken, Long remaining, List<StoredObject> items) {
    boolean builtIn = ResourceType.BUILT_IN.containsKey(t.groupVersionPlural());
    List<byte[]> raw = new ArrayList<>(items.size());
    for (StoredObject o : items) {
      // A built-in kind's items carry no apiVersion and kind in a real list.
      raw.add(builtIn ? o.itemJson() : o.json);
    }
    return ListBody.json(t.apiVersion(), t.kind() + "List", rv, continueToken, remaining, raw);
  }
}
