package dev.safeclient.testing;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the simulated control plane paid, as of {@link KubeSim#stats()}: an immutable snapshot.
 * Verbs are the apiserver's: get, list, watch, create, update, patch, delete, deletecollection.
 * Resources are named as in {@link ResourceType#resourceName()} ({@code pods}, {@code
 * deployments.apps}).
 */
public final class KubeSimStats {
  private final String serverVersion;
  private final Map<String, FormBill> byForm;
  private final Map<String, Long> requests; // "verb\tresource\tuserAgent"
  private final Map<String, Long> tooManyRequests;
  private final Map<Integer, Long> byApiserver;
  private final long storageReads;
  private final long cacheReads;
  private final long cacheScanned;
  private final long bytesSent;
  private final long seatsCharged;
  private final int watchesOpen;
  private final long watchesOpened;
  private final int peakRequestsPerSecond;

  KubeSimStats(
      String serverVersion,
      Map<String, FormBill> byForm,
      Map<String, Long> requests,
      Map<String, Long> tooManyRequests,
      Map<Integer, Long> byApiserver,
      long storageReads,
      long cacheReads,
      long cacheScanned,
      long bytesSent,
      long seatsCharged,
      int watchesOpen,
      long watchesOpened,
      int peakRequestsPerSecond) {
    this.serverVersion = serverVersion;
    this.byForm = Collections.unmodifiableMap(byForm);
    this.requests = Collections.unmodifiableMap(requests);
    this.tooManyRequests = Collections.unmodifiableMap(tooManyRequests);
    this.byApiserver = Collections.unmodifiableMap(byApiserver);
    this.storageReads = storageReads;
    this.cacheReads = cacheReads;
    this.cacheScanned = cacheScanned;
    this.bytesSent = bytesSent;
    this.seatsCharged = seatsCharged;
    this.watchesOpen = watchesOpen;
    this.watchesOpened = watchesOpened;
    this.peakRequestsPerSecond = peakRequestsPerSecond;
  }

  /** The server version the bill was run up on, e.g. {@code "1.34"}. */
  public String serverVersion() {
    return serverVersion;
  }

  /**
   * The bill per request form: the verb, then for reads the resourceVersion ({@code rv=""}, {@code
   * rv=0}, {@code rv=N}), {@code match=Exact|NotOlderThan}, {@code limit}, {@code continue}, {@code
   * selector}, {@code sendInitialEvents}, then where it was served: e.g. {@code "list rv=\"\"
   * limit @ watch-cache"}, {@code "list rv=N match=Exact @ etcd"}. Requests answered before being
   * served (429, 4xx) are under the form alone.
   */
  public Map<String, FormBill> byRequestForm() {
    return byForm;
  }

  /** Seat-seconds over all forms: seats × modelled service time, waits included. */
  public double seatSeconds() {
    return byForm.values().stream().mapToDouble(FormBill::seatSeconds).sum();
  }

  /** All requests, including rejected ones. */
  public long requests() {
    return requests.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Requests with this verb on this resource (e.g. {@code "list", "pods"}), any user agent. */
  public long requests(String verb, String resource) {
    return sum(verb, resource, null);
  }

  /** TokenReviews created: what a relay's (or any webhook's) authentication costs the server. */
  public long tokenReviews() {
    return sum("create", "tokenreviews.authentication.k8s.io", null);
  }

  /** SubjectAccessReviews created: what delegated authorization costs the server. */
  public long subjectAccessReviews() {
    return sum("create", "subjectaccessreviews.authorization.k8s.io", null);
  }

  /** Requests with this verb on this resource from this User-Agent. */
  public long requests(String verb, String resource, String userAgent) {
    return sum(verb, resource, userAgent);
  }

  /** Requests sent with this User-Agent header. */
  public long requestsByUserAgent(String userAgent) {
    return sum(null, null, userAgent);
  }

  /** Requests by {@code "verb resource"}. */
  public Map<String, Long> requestsByVerbAndResource() {
    Map<String, Long> out = new TreeMap<>();
    requests.forEach(
        (k, v) -> {
          String[] p = k.split("\t", 3);
          out.merge(p[0] + " " + p[1], v, Long::sum);
        });
    return out;
  }

  /** Requests by User-Agent. */
  public Map<String, Long> requestsByUserAgent() {
    Map<String, Long> out = new TreeMap<>();
    requests.forEach((k, v) -> out.merge(k.split("\t", 3)[2], v, Long::sum));
    return out;
  }

  /**
   * Objects read from storage ("etcd"): every object under the key prefix a LIST touched, whether
   * or not its selectors kept it (K8S-API-FACTS, LIST table, row "RV unset").
   */
  public long objectsReadFromStorage() {
    return storageReads;
  }

  /** Objects returned from a watch cache. */
  public long objectsServedFromCache() {
    return cacheReads;
  }

  /** Objects a watch cache had to examine (a scan for unindexed field selectors). */
  public long objectsScannedInCache() {
    return cacheScanned;
  }

  /** Response body bytes written, watch streams included. */
  public long bytesSent() {
    return bytesSent;
  }

  /** APF seats charged to admitted requests. */
  public long seatsCharged() {
    return seatsCharged;
  }

  /** Watches open now. */
  public int watchesOpen() {
    return watchesOpen;
  }

  /** Watches opened since start (or the last reset). */
  public long watchesOpened() {
    return watchesOpened;
  }

  /** All 429 answers. */
  public long tooManyRequests() {
    return tooManyRequests.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * 429 answers by reason: {@code apf} (concurrency limit), {@code fault} (a scripted storm),
   * {@code cache-initializing}, {@code disruption-budget}.
   */
  public Map<String, Long> tooManyRequestsByReason() {
    return tooManyRequests;
  }

  /** The most requests seen within one wall-clock second. */
  public int peakRequestsPerSecond() {
    return peakRequestsPerSecond;
  }

  /** Requests answered by each simulated apiserver (index from 0). */
  public Map<Integer, Long> requestsByApiserver() {
    return byApiserver;
  }

  private long sum(String verb, String resource, String userAgent) {
    long total = 0;
    for (Map.Entry<String, Long> e : requests.entrySet()) {
      String[] p = e.getKey().split("\t", 3);
      if ((verb == null || verb.equals(p[0]))
          && (resource == null || resource.equals(p[1]))
          && (userAgent == null || userAgent.equals(p[2]))) {
        total += e.getValue();
      }
    }
    return total;
  }

  @Override
  public String toString() {
    return "KubeSimStats{requests="
        + requestsByVerbAndResource()
        + ", storageReads="
        + storageReads
        + ", cacheReads="
        + cacheReads
        + ", bytesSent="
        + bytesSent
        + ", watchesOpen="
        + watchesOpen
        + ", 429s="
        + tooManyRequests
        + ", seats="
        + seatsCharged
        + ", peakRps="
        + peakRequestsPerSecond
        + "}";
  }
}
