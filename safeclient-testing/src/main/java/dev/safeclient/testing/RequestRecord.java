package dev.safeclient.testing;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live bill of one request while it is served, then (for a watch) while its stream runs: what
 * it read, where from, what it was charged and what it sent. {@link RequestLogEntry} is its
 * snapshot.
 */
final class RequestRecord {
  /**
   * Modelled service time, not measured: a deliberately simple cost model so that seat-seconds rank
   * request forms the way an apiserver's CPU does. 1 ms per request covers authentication,
   * admission and routing; decoding an object loaded from etcd costs 2 µs, copying one from the
   * watch cache 0.5 µs; serialising costs 10 ns per byte (about 100 MB/s).
   */
  static final double BASE_MICROS = 1_000;

  static final double STORAGE_OBJECT_MICROS = 2;
  static final double CACHE_OBJECT_MICROS = 0.5;
  static final double BYTE_MICROS = 0.01;

  final long sequence;
  final long startMillis;
  final String requestLine;
  final String accept;
  final String userAgent;
  final String identity;
  final String form;

  /** Chosen when the request is served (its form and where from); null before. */
  volatile FormBill.Live bill;

  volatile String servedFrom = "";
  volatile int code;
  volatile String contentType = "";
  final AtomicLong seats = new AtomicLong();
  final AtomicLong waitMillis = new AtomicLong();
  final LongAdder storageObjects = new LongAdder();
  final LongAdder cacheObjects = new LongAdder();
  final LongAdder bytes = new LongAdder();
  final LongAdder watchEvents = new LongAdder();
  final LongAdder bookmarks = new LongAdder();

  RequestRecord(
      long sequence,
      long startMillis,
      String requestLine,
      String accept,
      String userAgent,
      String identity,
      String form) {
    this.sequence = sequence;
    this.startMillis = startMillis;
    this.requestLine = requestLine;
    this.accept = accept;
    this.userAgent = userAgent;
    this.identity = identity;
    this.form = form;
  }

  /** The modelled time the request held its seats, in milliseconds, waits included. */
  double serviceMillis() {
    double micros =
        BASE_MICROS
            + STORAGE_OBJECT_MICROS * storageObjects.sum()
            + CACHE_OBJECT_MICROS * cacheObjects.sum()
            + BYTE_MICROS * bytes.sum();
    return micros / 1000.0 + waitMillis.get();
  }

  RequestLogEntry snapshot() {
    return new RequestLogEntry(this);
  }
}
