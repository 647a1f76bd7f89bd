package dev.safeclient.testing;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one request form (e.g. {@code "list rv=0"}, {@code "list rv=\"\" limit"}, {@code "watch
 * rv=N"}) cost the simulated control plane on the sim's server version: an immutable snapshot.
 */
public final class FormBill {
  private final String form;
  private final long requests;
  private final long storageObjectsRead;
  private final long cacheObjectsServed;
  private final long seats;
  private final long maxSeats;
  private final double seatSeconds;
  private final long tooManyRequests;
  private final long bytes;

  FormBill(Live l) {
    this.form = l.form;
    this.requests = l.requests.sum();
    this.storageObjectsRead = l.storage.sum();
    this.cacheObjectsServed = l.cache.sum();
    this.seats = l.seats.sum();
    this.maxSeats = l.maxSeats.get();
    this.seatSeconds = l.seatMicros.sum() / 1_000_000.0;
    this.tooManyRequests = l.tooMany.sum();
    this.bytes = l.bytes.sum();
  }

  public String form() {
    return form;
  }

  public long requests() {
    return requests;
  }

  public long storageObjectsRead() {
    return storageObjectsRead;
  }

  public long cacheObjectsServed() {
    return cacheObjectsServed;
  }

  /** APF seats charged, summed. */
  public long seats() {
    return seats;
  }

  /** The most seats one request of this form was charged. */
  public long maxSeats() {
    return maxSeats;
  }

  /**
   * Seats × modelled service time (waits included), on KubeSim's clock: a request that waits 3 s
   * for the cache holds its seats all that time.
   */
  public double seatSeconds() {
    return seatSeconds;
  }

  public long tooManyRequests() {
    return tooManyRequests;
  }

  /** Body bytes sent, watch streams included. */
  public long bytes() {
    return bytes;
  }

  @Override
  public String toString() {
    return form
        + ": requests="
        + requests
        + " storage="
        + storageObjectsRead
        + " cache="
        + cacheObjectsServed
        + " seats="
        + seats
        + " (max "
        + maxSeats
        + ") seat-s="
        + String.format(java.util.Locale.ROOT, "%.3f", seatSeconds)
        + " 429s="
        + tooManyRequests
        + " bytes="
        + bytes;
  }

  /** The live counters of one form. */
  static final class Live {
    final String form;
    final LongAdder requests = new LongAdder();
    final LongAdder storage = new LongAdder();
    final LongAdder cache = new LongAdder();
    final LongAdder seats = new LongAdder();
    final LongAccumulator maxSeats = new LongAccumulator(Math::max, 0);
    final LongAdder seatMicros = new LongAdder();
    final LongAdder tooMany = new LongAdder();
    final LongAdder bytes = new LongAdder();

    Live(String form) {
      this.form = form;
    }
  }
}
