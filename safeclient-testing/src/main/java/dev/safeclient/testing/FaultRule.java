package dev.safeclient.testing;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link Fault} applies: a time window on the simulation clock (from {@link
 * KubeSim#play(FaultScript)}) or a range of matching requests, optionally narrowed to a verb and
 * resource, and optionally with a probability drawn from the script's seed. Immutable.
 */
public final class FaultRule {
  final Duration from;
  final Duration until;
  final long firstRequest;
  final long lastRequest;
  final String verb;
  final String resource;
  final double probability;
  final Fault fault;

  private FaultRule(
      Duration from,
      Duration until,
      long firstRequest,
      long lastRequest,
      String verb,
      String resource,
      double probability,
      Fault fault) {
    this.from = from;
    this.until = until;
    this.firstRequest = firstRequest;
    this.lastRequest = lastRequest;
    this.verb = verb;
    this.resource = resource;
    this.probability = probability;
    this.fault = fault;
  }

  /** Applies from {@code from} to {@code until} after the script starts (simulation clock). */
  public static FaultRule during(Duration from, Duration until) {
    return new FaultRule(
        Objects.requireNonNull(from), Objects.requireNonNull(until), 0, 0, null, null, 1.0, null);
  }

  /** Applies to the {@code first}-th to {@code last}-th matching request (1-based, inclusive). */
  public static FaultRule requests(long first, long last) {
    if (first < 1 || last < first) {
      throw new IllegalArgumentException("requests(" + first + ", " + last + ")");
    }
    return new FaultRule(null, null, first, last, null, null, 1.0, null);
  }

  /** Only requests with this verb: get, list, watch, create, update, patch, delete, ... */
  public FaultRule verb(String verb) {
    return new FaultRule(
        from, until, firstRequest, lastRequest, verb, resource, probability, fault);
  }

  /** Only requests on this resource, named as {@link ResourceType#resourceName()}. */
  public FaultRule resource(String resource) {
    return new FaultRule(
        from, until, firstRequest, lastRequest, verb, resource, probability, fault);
  }

  /** Fires for this share of matching requests, drawn deterministically from the seed. */
  public FaultRule probability(double p) {
    return new FaultRule(from, until, firstRequest, lastRequest, verb, resource, p, fault);
  }

  public FaultRule inject(Fault f) {
    return new FaultRule(
        from,
        until,
        firstRequest,
        lastRequest,
        verb,
        resource,
        probability,
        Objects.requireNonNull(f));
  }

  boolean isTimed() {
    return from != null;
  }

  boolean matches(String verb, String resource) {
    return (this.verb == null || this.verb.equals(verb))
        && (this.resource == null || this.resource.equals(resource));
  }

  @Override
  public String toString() {
    return (isTimed()
            ? "during[" + from + "," + until + ")"
            : "requests[" + firstRequest + "," + lastRequest + "]")
        + (verb == null ? "" : " verb=" + verb)
        + (resource == null ? "" : " resource=" + resource)
        + (probability < 1 ? " p=" + probability : "")
        + " -> "
        + fault;
  }
}
