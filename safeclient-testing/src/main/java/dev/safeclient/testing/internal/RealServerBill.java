package dev.safeclient.testing.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What a real kube-apiserver says it did, read from its own {@code /metrics}: a snapshot of the
 * counters, or the difference between two snapshots ({@link #minus}). Counters only: gauges such as
 * requests in flight make no sense as a difference.
 *
 * <p>The counters this project bills by:
 *
 * <ul>
 *   <li>{@code apiserver_storage_list_*}: lists the storage layer answered from etcd (the watch
 *       cache's misses and bypasses), by {@code resource}, with the objects etcd fetched.
 *   <li>{@code apiserver_cache_list_*}: lists the watch cache answered, by {@code resource_prefix}
 *       ({@code /pods}).
 *   <li>{@code apiserver_flowcontrol_*}: requests APF dispatched and rejected, and the seats it
 *       estimated for them, by {@code priority_level} and {@code flow_schema}. Requests of {@code
 *       system:masters} are exempt and never seated: bill seats with a workload identity.
 *   <li>{@code etcd_request_*}: requests the apiserver sent to etcd, by {@code operation} and
 *       {@code type}.
 * </ul>
 */
public final class RealServerBill {
  private final Map<Series, Double> samples;

  private RealServerBill(Map<Series, Double> samples) {
    this.samples = samples;
  }

  /** One time series: a metric name and its labels. */
  public record Series(String name, Map<String, String> labels) {
    public Series {
      labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    public String label(String key) {
      return labels.getOrDefault(key, "");
    }
  }

  /** Parses the Prometheus text exposition format (version 0.0.4), keeping every sample. */
  public static RealServerBill parse(String exposition) {
    Map<Series, Double> samples = new HashMap<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      String name;
      Map<String, String> labels = new LinkedHashMap<>();
      int rest;
      if (brace >= 0 && (space < 0 || brace < space)) {
        name = line.substring(0, brace);
        rest = parseLabels(line, brace + 1, labels);
      } else {
        name = line.substring(0, space);
        rest = space;
      }
      String[] valueAndTime = line.substring(rest).trim().split(" ");
      samples.put(new Series(name, labels), parseValue(valueAndTime[0]));
    }
    return new RealServerBill(samples);
  }

  private static int parseLabels(String line, int at, Map<String, String> into) {
    int i = at;
    while (line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq).trim();
      StringBuilder value = new StringBuilder();
      i = eq + 2; // past ="
      while (line.charAt(i) != '"') {
        char c = line.charAt(i++);
        if (c == '\\') {
          char escaped = line.charAt(i++);
          value.append(escaped == 'n' ? '\n' : escaped);
        } else {
          value.append(c);
        }
      }
      into.put(key, value.toString());
      i++; // past the closing quote
      if (line.charAt(i) == ',') {
        i++;
      }
    }
    return i + 1;
  }

  private static double parseValue(String v) {
    return switch (v) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(v);
    };
  }

  /** This snapshot less an earlier one: what happened between the two. */
  public RealServerBill minus(RealServerBill earlier) {
    Map<Series, Double> delta = new HashMap<>();
    samples.forEach((s, v) -> delta.put(s, v - earlier.samples.getOrDefault(s, 0.0)));
    return new RealServerBill(delta);
  }

  /** Sum over the series of {@code name} whose labels pass {@code filter}. */
  public double sum(String name, Predicate<Series> filter) {
    double total = 0;
    for (Map.Entry<Series, Double> e : samples.entrySet()) {
      if (e.getKey().name().equals(name) && filter.test(e.getKey())) {
        total += e.getValue();
      }
    }
    return total;
  }

  public double sum(String name) {
    return sum(name, s -> true);
  }

  /** Every series of {@code name}, for a report. */
  public List<Map.Entry<Series, Double>> series(String name) {
    List<Map.Entry<Series, Double>> out = new ArrayList<>();
    for (Map.Entry<Series, Double> e : samples.entrySet()) {
      if (e.getKey().name().equals(name)) {
        out.add(Map.entry(e.getKey(), e.getValue()));
      }
    }
    return out;
  }

  /**
   * Whether a series is about {@code resource} (e.g. {@code pods}). Releases label alike series
   * differently: {@code resource} (1.34), {@code resource_prefix="/pods"} (the 1.30 cacher), {@code
   * type} (1.30 etcd requests: the group-resource, {@code pods} or {@code deployments.apps}).
   */
  static boolean about(Series s, String resource) {
    if (s.labels().containsKey("resource")) {
      return s.label("resource").equals(resource);
    }
    if (s.labels().containsKey("resource_prefix")) {
      return s.label("resource_prefix").equals("/" + resource);
    }
    String type = s.label("type");
    return type.equals(resource) || type.startsWith(resource + ".");
  }

  /**
   * Lists of {@code resource} the storage layer handled. On 1.34 this counts consistent reads the
   * watch cache answered too (with no object fetched): read {@link #etcdObjectsFetched} and {@link
   * #etcdRequests} for what etcd did.
   */
  public long storageLists(String resource) {
    return (long) sum("apiserver_storage_list_total", s -> about(s, resource));
  }

  /** Objects etcd handed the apiserver for lists of {@code resource}. */
  public long etcdObjectsFetched(String resource) {
    return (long) sum("apiserver_storage_list_fetched_objects_total", s -> about(s, resource));
  }

  /** Lists of {@code resource} that the watch cache answered. */
  public long cacheLists(String resource) {
    return (long) sum("apiserver_cache_list_total", s -> about(s, resource));
  }

  /**
   * Times the watch cache of {@code resource} (re)initialized: each is a list of the whole resource
   * from etcd that the server makes for itself (at start, and when its own watch on etcd fails, for
   * example after a compaction passed a quiet resource's last revision). A window that holds one
   * bills those reads to whatever request ran in it.
   */
  public long watchCacheInitializations(String resource) {
    return (long) sum("apiserver_watch_cache_initializations_total", s -> about(s, resource));
  }

  /**
   * Requests the apiserver sent to etcd for {@code resource} and {@code operation}: {@code list} (a
   * range over the resource), {@code get} (one key, or the current revision for a consistent read
   * from the cache), {@code create}, ...
   */
  public long etcdRequests(String resource, String operation) {
    return (long)
        sum(
            "etcd_request_duration_seconds_count",
            s -> about(s, resource) && s.label("operation").equals(operation));
  }

  /** Seats APF estimated for requests at {@code priorityLevel} (e.g. {@code workload-low}). */
  public double seats(String priorityLevel) {
    return sum(
        "apiserver_flowcontrol_work_estimated_seats_sum",
        s -> s.label("priority_level").equals(priorityLevel));
  }

  /**
   * Requests at {@code priorityLevel} that APF estimated at more than {@code seats} seats, read
   * from the estimate histogram, whose buckets are 1, 2, 4 and 10 seats: {@code seats} must be one
   * of them.
   *
   * <p>kube-apiserver estimates a list at the maximum, 10 seats, whatever it asks for, when its
   * count of the resource has not been refreshed for 3 minutes ({@code staleTolerationThreshold} in
   * apiserver's object count tracker: its once-a-minute count poll failed or ran late). A bill
   * holding such an estimate for a list of a few objects bills the server's state, not the request.
   */
  public long estimatesAbove(String priorityLevel, int seats) {
    String bucket = Integer.toString(seats);
    Predicate<Series> atLevel = s -> s.label("priority_level").equals(priorityLevel);
    double atMost =
        sum(
            "apiserver_flowcontrol_work_estimated_seats_bucket",
            s -> atLevel.test(s) && s.label("le").equals(bucket));
    return (long) (sum("apiserver_flowcontrol_work_estimated_seats_count", atLevel) - atMost);
  }

  /**
   * The apiserver's last count of the objects of {@code resource} it stores ({@code
   * apiserver_storage_objects}, a gauge: read it from a snapshot, not from a difference): -1 when
   * that count failed. APF estimates lists by it, and by the maximum seats once it has not been
   * refreshed for 3 minutes (see {@link #estimatesAbove}). {@code Double.NaN} when not reported.
   */
  public double storedObjects(String resource) {
    for (Map.Entry<Series, Double> e : samples.entrySet()) {
      Series s = e.getKey();
      String r = s.label("resource");
      if (s.name().equals("apiserver_storage_objects")
          && (r.equals(resource) || r.startsWith(resource + "."))) {
        return e.getValue();
      }
    }
    return Double.NaN;
  }

  /** Requests APF dispatched at {@code priorityLevel}. */
  public long dispatched(String priorityLevel) {
    return (long)
        sum(
            "apiserver_flowcontrol_dispatched_requests_total",
            s -> s.label("priority_level").equals(priorityLevel));
  }

  /** Requests APF rejected (queue full, timed out, concurrency) at {@code priorityLevel}. */
  public long rejected(String priorityLevel) {
    return (long)
        sum(
            "apiserver_flowcontrol_rejected_requests_total",
            s -> s.label("priority_level").equals(priorityLevel));
  }

  @Override
  public String toString() {
    return "RealServerBill{" + samples.size() + " series}";
  }
}
