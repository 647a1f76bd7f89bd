package dev.safeclient.relay;

import java.util.List;
import java.util.Optional;

/**
 * What a relay shows of itself: per relayed resource, whether it has synced (until then it answers
 * 429, never an empty list), whether it is stale (its upstream watch is down: it keeps serving its
 * last state), and what it holds.
 *
 * @param resources one entry per relayed resource
 * @param tokenReviews TokenReviews sent to the API server (cache misses of authentication)
 * @param subjectAccessReviews SubjectAccessReviews sent to the API server (cache misses of
 *     authorization)
 * @param flowControl the per-identity fairness's seats, queues and refusals
 * @param certificateProblem why the serving certificate and key now in the mounted files are not
 *     served (a key that is not the certificate's, a file half written or missing): the relay goes
 *     on serving the pair it loaded before; empty while the files' pair is served, and without TLS
 */
public record RelayHealth(
    List<Resource> resources,
    long tokenReviews,
    long subjectAccessReviews,
    FlowControl flowControl,
    Optional<String> certificateProblem) {
  /** Synced: every resource has had its first full state. Readiness is this. */
  public boolean synced() {
    return resources.stream().allMatch(Resource::synced);
  }

  /** Some resource is served from a state its upstream no longer confirms. */
  public boolean stale() {
    return resources.stream().anyMatch(Resource::stale);
  }

  /**
   * Per-identity fairness, as APF's metrics name it.
   *
   * @param executingSeats seats in use: requests being served, watches not yet established
   * @param inqueueRequests requests waiting for a seat
   * @param waitingReads reads waiting, without a seat, for their read point: the coalesced probe of
   *     a consistent read, or the cache reaching a requested resourceVersion
   * @param rejectedRequests requests answered 429: their identity's queue, or its reads waiting for
   *     their read point, were full, or they waited too long for a seat
   * @param rejectedWatches watches answered 429: their identity had its cap of watches open
   */
  public record FlowControl(
      int executingSeats,
      int inqueueRequests,
      int waitingReads,
      long rejectedRequests,
      long rejectedWatches) {}

  /**
   * One relayed resource.
   *
   * @param resource {@code pods}, {@code deployments.apps}
   * @param resourceVersion the RV the cache is at; 0 before it synced
   * @param objects how many objects the cache holds
   * @param windowEvents the events retained for resuming watches and snapshots
   * @param windowBytes their objects' bytes (objects shared with the current state count again)
   * @param watchers the watches open on this relay
   * @param relists upstream relists after the first list
   * @param probes upstream {@code limit=1} probes made for consistent reads
   * @param consistentLists upstream consistent lists made for consistent reads
   * @param jsonOnly why Protobuf requests get JSON (no vendored message for the kind, or an object
   *     Protobuf cannot carry losslessly); empty while they get Protobuf
   */
  public record Resource(
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
      long consistentLists,
      Optional<String> jsonOnly) {}
}
