package dev.safeclient.core.internal.retry;

import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.warning.WarningChannel;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.serving.BuiltInApis;
import dev.safeclient.model.serving.ServerVersion;
import dev.safeclient.model.time.TimeSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers what the server asked. A {@code Retry-After} applies to this client, not only to the
 * call that got it, keyed by what the server said was busy (see {@link #windowKey}): every later
 * request that would hit the same busy thing waits out the same window before it is sent. This is
 * what keeps a naive loop ("on error, try again at once") from hammering a server that said "wait".
 * It also relays APF 429s as SC202. How a window holds and releases its callers is {@link
 * RetryAfterWindow}'s concern.
 *
 * <p>The priority level of a flow (host, verb, resource) is learnt from the {@code
 * X-Kubernetes-PF-PriorityLevel-UID} header APF puts on every answer. A 429 without it (the
 * max-in-flight filter) applies to the whole host.
 */
public final class RetryAfterInterceptor implements Interceptor {
  private static final Logger log = LoggerFactory.getLogger(RetryAfterInterceptor.class);

  /** APF caps its Retry-After at 32 s; a longer value is a misbehaving proxy, not APF. */
  static final long MAX_WINDOW_SECONDS = 60;

  /** The budget name of a wait for a remembered Retry-After window. */
  public static final String BUDGET = "retry-after";

  private static final String WHOLE_HOST = "*";

  private final TimeSource clock;
  // The relay's client: its 429s are the relay's flow control, not the API server's.
  private final boolean relay;
  private final WarningChannel warnings;
  private final SafeClientMetrics metrics;
  private final ConcurrentHashMap<String, RetryAfterWindow> windows = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, String> priorityLevels = new ConcurrentHashMap<>();

  public RetryAfterInterceptor(
      TimeSource clock, WarningChannel warnings, SafeClientMetrics metrics) {
    this(clock, false, warnings, metrics);
  }

  private RetryAfterInterceptor(
      TimeSource clock, boolean relay, WarningChannel warnings, SafeClientMetrics metrics) {
    this.clock = clock;
    this.relay = relay;
    this.warnings = warnings;
    this.metrics = metrics;
  }

  /** The link of a relay's client: what its 429s say is said of the relay. */
  public static RetryAfterInterceptor forRelay(
      TimeSource clock, WarningChannel warnings, SafeClientMetrics metrics) {
    return new RetryAfterInterceptor(clock, true, warnings, metrics);
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    KubeRequest k = KubeRequest.of(chain.request());
    if (k.isLongRunningStream()) {
      return chain.proceed(chain.request());
    }
    String host = k.url().host() + ":" + k.url().port();
    String flow = host + " " + k.verb() + " " + k.groupResource();
    List<String> keys = keysOf(k, host, priorityLevels.get(flow));
    List<RetryAfterWindow.Passage> firsts = waitOutWindows(k, keys);

    Response response;
    try {
      response = chain.proceed(chain.request());
    } catch (IOException | RuntimeException | Error e) {
      firsts.forEach(RetryAfterWindow.Passage::abandoned);
      throw e;
    }
    String pl = response.header(ServerAnswer.PRIORITY_LEVEL_HEADER);
    if (pl != null) {
      priorityLevels.put(flow, pl);
    }
    String refusedKey = null;
    if (response.code() >= 429 && response.header("Retry-After") != null) {
      refusedKey =
          remember(
              k, chain.request().tag(ServerVersion.class), host, pl, ServerAnswer.of(response));
    }
    List<String> answeredKeys = new ArrayList<>(keys);
    if (pl != null) {
      answeredKeys.add(host + " " + pl);
    }
    for (String key : answeredKeys) {
      RetryAfterWindow w = windows.get(key);
      if (w != null && !key.equals(refusedKey)) {
        w.succeeded();
      }
    }
    // A first caller refused again has restarted its window (a new generation): this is a no-op.
    firsts.forEach(RetryAfterWindow.Passage::answered);
    return response;
  }

  /** The windows that may hold this request. */
  private static List<String> keysOf(KubeRequest k, String host, String pl) {
    List<String> keys = new ArrayList<>(4);
    if (pl != null) {
      keys.add(host + " " + pl);
    }
    // Leases keep their own priority level (leader election), so a host-wide window from the
    // max-in-flight filter must not cost this client its lease.
    if (!k.isLease()) {
      keys.add(host + " " + WHOLE_HOST);
    }
    keys.add(resourceKey(host, k));
    keys.add(groupVersionKey(host, k));
    return keys;
  }

  private List<RetryAfterWindow.Passage> waitOutWindows(KubeRequest k, List<String> keys)
      throws IOException {
    List<RetryAfterWindow.Passage> firsts = new ArrayList<>(1);
    long start = clock.nanoTime();
    try {
      for (String key : keys) {
        RetryAfterWindow w = windows.get(key);
        if (w == null) {
          continue;
        }
        if (log.isDebugEnabled() && w.remainingNanos(start) > 0) {
          log.debug(
              "waiting {} ms: the server asked this flow to retry after a while ({})",
              TimeUnit.NANOSECONDS.toMillis(w.remainingNanos(start)),
              k.requestLine());
        }
        RetryAfterWindow.Passage first = w.pass(clock);
        if (first != null) {
          firsts.add(first);
        }
      }
    } catch (InterruptedException e) {
      firsts.forEach(RetryAfterWindow.Passage::abandoned);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting out a Retry-After");
    } catch (RuntimeException | Error e) {
      // A passage taken and never reported would hold its window's other callers.
      firsts.forEach(RetryAfterWindow.Passage::abandoned);
      throw e;
    }
    long waited = clock.nanoTime() - start;
    if (waited > 0) {
      metrics.throttleWait(BUDGET, waited);
    }
    return firsts;
  }

  /**
   * What the server said was busy, and so what the window holds: the watch cache of one resource
   * being (re)initialised holds that resource only; a 5xx from a group the API server does not
   * serve itself (an aggregated API: metrics, custom metrics) holds that group/version only; an APF
   * rejection holds its priority level; a rejection without APF's headers (the max-in-flight
   * filter) holds the host.
   */
  static String windowKey(
      KubeRequest k, ServerVersion server, String host, String pl, ServerAnswer answer) {
    if (answer.isStorageInitializing()) {
      return resourceKey(host, k);
    }
    if (isAggregatedUnavailable(k, server, answer)) {
      return groupVersionKey(host, k);
    }
    return host + " " + (pl == null ? WHOLE_HOST : pl);
  }

  private static String resourceKey(String host, KubeRequest k) {
    return host + " resource " + k.groupResource();
  }

  private static String groupVersionKey(String host, KubeRequest k) {
    return host + " group/version " + k.groupVersion();
  }

  /**
   * Starts or restarts the window the answer asks for.
   *
   * @return its key, or null if the answer asks for none
   */
  private String remember(
      KubeRequest k, ServerVersion server, String host, String pl, ServerAnswer answer) {
    if (answer.isDisruptionBudgetBlocked() || answer.isResourceVersionTooLarge()) {
      return null; // about this one request, not about load
    }
    OptionalLong seconds = answer.retryAfterSeconds();
    if (seconds.isEmpty()) {
      return null;
    }
    long window = TimeUnit.SECONDS.toNanos(Math.min(seconds.getAsLong(), MAX_WINDOW_SECONDS));
    long now = clock.nanoTime();
    String key = windowKey(k, server, host, pl, answer);
    windows
        .computeIfAbsent(key, x -> new RetryAfterWindow())
        .refused(now, now + window, announcesState(k, server, answer));
    if (answer.code() == 429 && answer.hasFlowHeaders() && answer.isThrottled()) {
      warnings.warn("SC202", throttled(host, answer, seconds.getAsLong()), k.requestLine());
    }
    return key;
  }

  private String throttled(String host, ServerAnswer answer, long seconds) {
    String flow =
        "flowSchema="
            + answer.flowSchemaUid()
            + " priorityLevel="
            + answer.priorityLevelUid()
            + ", Retry-After "
            + seconds
            + " s. This client is paced for that window";
    if (relay) {
      // Not the API server's FlowSchemas: the relay's own flow control, per agent identity.
      return "429 from the relay at "
          + host
          + " (its flow control, not the API server's): "
          + flow
          + "; if it persists, the relay is short of capacity for its agents (more replicas, or"
          + " higher per-identity limits), or this client makes too many calls";
    }
    return "429 from API Priority and Fairness: "
        + flow
        + "; if it persists, give the component its own ServiceAccount and FlowSchema, or make"
        + " fewer/cheaper calls";
  }

  /**
   * Whether the answer says a state that every request to its key meets until it changes (storage
   * initialising, an aggregated API down), rather than shedding some of the load.
   */
  private static boolean announcesState(KubeRequest k, ServerVersion server, ServerAnswer answer) {
    return answer.isStorageInitializing() || isAggregatedUnavailable(k, server, answer);
  }

  private static boolean isAggregatedUnavailable(
      KubeRequest k, ServerVersion server, ServerAnswer answer) {
    return answer.code() >= 500
        && k.group() != null
        && !BuiltInApis.isApiServersOwnGroup(server, k.group());
  }
}
