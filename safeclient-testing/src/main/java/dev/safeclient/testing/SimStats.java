package dev.safeclient.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link KubeSimStats}. */
final class SimStats {
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
  }

  void cacheReads(long served, long scanned) {
    cacheReads.add(served);
    cacheScanned.add(scanned);
  }

  void bytesSent(long n) {
    bytes.add(n);
  }

  void seats(int n) {
    seats.add(n);
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
  }

  KubeSimStats snapshot() {
    Map<String, Long> req = new TreeMap<>();
    requests.forEach((k, v) -> req.put(k, v.sum()));
    Map<String, Long> tm = new TreeMap<>();
    tooMany.forEach((k, v) -> tm.put(k, v.sum()));
    Map<Integer, Long> api = new TreeMap<>();
    byApiserver.forEach((k, v) -> api.put(k, v.sum()));
    return new KubeSimStats(
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
