package dev.safeclient.testing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link KubeSimStats}, and the bill per request form and per request. */
final class SimStats {
  /** The request the current thread is serving, if any: its bill collects what it costs. */
  private static final ThreadLocal<RequestRecord> CURRENT = new ThreadLocal<>();

  private final ConcurrentHashMap<String, FormBill.Live> forms = new ConcurrentHashMap<>();
  private final ArrayDeque<RequestRecord> log = new ArrayDeque<>();
  private final AtomicLong sequence = new AtomicLong();
  private final int logCapacity;
  private final String serverVersion;

  SimStats(int logCapacity, String serverVersion) {
    this.logCapacity = logCapacity;
    this.serverVersion = serverVersion;
  }

  private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> tooMany = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, LongAdder> byApiserver = new ConcurrentHashMap<>();
  private final LongAdder storageReads = new LongAdder();
  private final LongAdder cacheReads = new LongAdder();
  private final LongAdder cacheScanned = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder seats = new LongAdder();
  private final LongAdder watchesOpened = new LongAdder();
  private final AtomicInteger watchesOpen = new AtomicInteger();
  private final AtomicLong second = new AtomicLong();
  private final AtomicInteger inSecond = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();

  void request(String verb, String resource, String userAgent, int apiserver) {
    requests
        .computeIfAbsent(verb + "\t" + resource + "\t" + userAgent, k -> new LongAdder())
        .increment();
    byApiserver.computeIfAbsent(apiserver, k -> new LongAdder()).increment();
    // Peak requests per second, over real (not simulated) seconds: it measures client behaviour.
    long now = System.nanoTime() / 1_000_000_000L;
    long s = second.get();
    if (now != s && second.compareAndSet(s, now)) {
      inSecond.set(0);
    }
    peak.accumulateAndGet(inSecond.incrementAndGet(), Math::max);
  }

  void storageReads(long n) {
    storageReads.add(n);
    RequestRecord r = CURRENT.get();
    if (r != null) {
      r.storageObjects.add(n);
    }
  }

  void cacheReads(long served, long scanned) {
    cacheReads.add(served);
    cacheScanned.add(scanned);
    RequestRecord r = CURRENT.get();
    if (r != null) {
      r.cacheObjects.add(served);
    }
  }

  /** Objects of a watch's initial state, sent from the cache: billed to the request only. */
  static void initialEvents(long n) {
    RequestRecord r = CURRENT.get();
    if (r != null) {
      r.cacheObjects.add(n);
    }
  }

  /** Time the current request waited for the watch cache, on KubeSim's clock. */
  static void waited(long millis) {
    RequestRecord r = CURRENT.get();
    if (r != null) {
      r.waitMillis.addAndGet(millis);
    }
  }

  /** Where the current request is served from: watch-cache, cache-snapshot or etcd. */
  static void servedFrom(String where) {
    RequestRecord r = CURRENT.get();
    if (r != null) {
      r.servedFrom = where;
    }
  }

  /** Starts the bill of a request; the caller makes it current while it serves it. */
  RequestRecord begin(
      long nowMillis,
      String requestLine,
      String accept,
      String userAgent,
      String identity,
      String form) {
    return new RequestRecord(
        sequence.incrementAndGet(), nowMillis, requestLine, accept, userAgent, identity, form);
  }

  static void enter(RequestRecord r) {
    CURRENT.set(r);
  }

  static void leave() {
    CURRENT.remove();
  }

  /**
   * Closes a request's bill (a watch's once established; its stream keeps adding bytes and events
   * to the record and its form).
   */
  void finish(RequestRecord r) {
    // Billed under its form and where it was served: one form is served from different places
    // on different versions. Unserved requests (rejected, 429) under the form alone.
    String key = r.servedFrom.isEmpty() ? r.form : r.form + " @ " + r.servedFrom;
    FormBill.Live b = forms.computeIfAbsent(key, FormBill.Live::new);
    b.requests.increment();
    b.storage.add(r.storageObjects.sum());
    b.cache.add(r.cacheObjects.sum());
    long seatsCharged = r.seats.get();
    b.seats.add(seatsCharged);
    b.maxSeats.accumulate(seatsCharged);
    b.seatMicros.add(Math.round(seatsCharged * r.serviceMillis() * 1000));
    b.bytes.add(r.bytes.sum());
    r.bill = b; // a watch's stream bills its later bytes here
    if (r.code == 429) {
      b.tooMany.increment();
    }
    synchronized (log) {
      if (log.size() >= logCapacity) {
        log.pollFirst();
      }
      log.addLast(r);
    }
  }

  List<RequestLogEntry> requestLog() {
    List<RequestRecord> copy;
    synchronized (log) {
      copy = new ArrayList<>(log);
    }
    List<RequestLogEntry> out = new ArrayList<>(copy.size());
    for (RequestRecord r : copy) {
      out.add(r.snapshot());
    }
    return out;
  }

  void bytesSent(long n) {
    bytes.add(n);
  }

  void seats(int n) {
    seats.add(n);
    RequestRecord r = CURRENT.get();
    if (r != null) {
      r.seats.addAndGet(n);
    }
  }

  void tooManyRequests(String reason) {
    tooMany.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  void watchOpened() {
    watchesOpened.increment();
    watchesOpen.incrementAndGet();
  }

  void watchClosed() {
    watchesOpen.decrementAndGet();
  }

  void reset() {
    requests.clear();
    tooMany.clear();
    byApiserver.clear();
    storageReads.reset();
    cacheReads.reset();
    cacheScanned.reset();
    bytes.reset();
    seats.reset();
    watchesOpened.reset();
    peak.set(0);
    inSecond.set(0);
    forms.clear();
    synchronized (log) {
      log.clear();
    }
  }

  KubeSimStats snapshot() {
    Map<String, Long> req = new TreeMap<>();
    requests.forEach((k, v) -> req.put(k, v.sum()));
    Map<String, Long> tm = new TreeMap<>();
    tooMany.forEach((k, v) -> tm.put(k, v.sum()));
    Map<Integer, Long> api = new TreeMap<>();
    byApiserver.forEach((k, v) -> api.put(k, v.sum()));
    Map<String, FormBill> bills = new TreeMap<>();
    forms.forEach((k, v) -> bills.put(k, new FormBill(v)));
    return new KubeSimStats(
        serverVersion,
        bills,
        req,
        tm,
        api,
        storageReads.sum(),
        cacheReads.sum(),
        cacheScanned.sum(),
        bytes.sum(),
        seats.sum(),
        watchesOpen.get(),
        watchesOpened.sum(),
        peak.get());
  }
}
