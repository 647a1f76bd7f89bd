package dev.safeclient.testing;

import java.util.Objects;

/** One injected fault, as recorded in {@link KubeSim#faultLog()}. */
public final class FaultEvent {
  private final long request;
  private final String verb;
  private final String resource;
  private final String fault;

  FaultEvent(long request, String verb, String resource, String fault) {
    this.request = request;
    this.verb = verb;
    this.resource = resource;
    this.fault = fault;
  }

  /** The request's number since the script started (1-based); 0 for time-triggered faults. */
  public long request() {
    return request;
  }

  public String verb() {
    return verb;
  }

  public String resource() {
    return resource;
  }

  public String fault() {
    return fault;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FaultEvent e
        && e.request == request
        && e.verb.equals(verb)
        && e.resource.equals(resource)
        && e.fault.equals(fault);
  }

  @Override
  public int hashCode() {
    return Objects.hash(request, verb, resource, fault);
  }

  @Override
  public String toString() {
    return "#" + request + " " + verb + " " + resource + " -> " + fault;
  }
}
