package dev.safeclient.core.retry;

import dev.safeclient.core.budget.BudgetInterceptor;
import dev.safeclient.core.budget.PacingClock;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.core.pipeline.ClassifyInterceptor;
import dev.safeclient.core.request.BuiltInGroups;
import dev.safeclient.core.request.KubeRequest;
import dev.safeclient.core.warning.WarningChannel;
import java.io.IOException;
import java.io.InterruptedIOException;
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
 * It also relays APF 429s as SC202.
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

  private final PacingClock clock;
  private final WarningChannel warnings;
  private final SafeClientMetrics metrics;
  private final ConcurrentHashMap<String, Long> windowEnds = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, String> priorityLevels = new ConcurrentHashMap<>();

  public RetryAfterInterceptor(
      PacingClock clock, WarningChannel warnings, SafeClientMetrics metrics) {
    this.clock = clock;
    this.warnings = warnings;
    this.metrics = metrics;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    KubeRequest k = ClassifyInterceptor.classified(chain.request());
    if (k.isLongRunningStream()) {
      return chain.proceed(chain.request());
    }
    String host = k.url().host() + ":" + k.url().port();
    String flow = host + " " + k.verb() + " " + k.groupResource();
    waitOutWindow(k, host, flow);

    Response response = chain.proceed(chain.request());
    String pl = response.header(ServerAnswer.PRIORITY_LEVEL_HEADER);
    if (pl != null) {
      priorityLevels.put(flow, pl);
    }
    if (response.code() >= 429 && response.header("Retry-After") != null) {
      remember(k, host, pl, ServerAnswer.of(response));
    }
    return response;
  }

  private void waitOutWindow(KubeRequest k, String host, String flow) throws IOException {
    long now = clock.nanoTime();
    long wait = 0;
    String pl = priorityLevels.get(flow);
    if (pl != null) {
      wait = remaining(host + " " + pl, now);
    }
    // Leases keep their own priority level (leader election), so a host-wide window from the
    // max-in-flight filter must not cost this client its lease.
    if (!BudgetInterceptor.isLease(k)) {
      wait = Math.max(wait, remaining(host + " " + WHOLE_HOST, now));
    }
    wait = Math.max(wait, remaining(resourceKey(host, k), now));
    wait = Math.max(wait, remaining(groupVersionKey(host, k), now));
    if (wait <= 0) {
      return;
    }
    metrics.throttleWait(BUDGET, wait);
    log.debug(
        "waiting {} ms: the server asked this flow to retry after a while ({})",
        TimeUnit.NANOSECONDS.toMillis(wait),
        k.requestLine());
    try {
      clock.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting out a Retry-After");
    }
  }

  /**
   * What the server said was busy, and so what the window holds: the watch cache of one resource
   * being (re)initialised holds that resource only; a 5xx from a group the API server does not
   * serve itself (an aggregated API: metrics, custom metrics) holds that group/version only; an APF
   * rejection holds its priority level; a rejection without APF's headers (the max-in-flight
   * filter) holds the host.
   */
  static String windowKey(KubeRequest k, String host, String pl, ServerAnswer answer) {
    if (answer.isStorageInitializing()) {
      return resourceKey(host, k);
    }
    if (answer.code() >= 500 && k.group() != null && !BuiltInGroups.contains(k.group())) {
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

  private long remaining(String key, long now) {
    Long end = windowEnds.get(key);
    return end == null ? 0 : end - now;
  }

  private void remember(KubeRequest k, String host, String pl, ServerAnswer answer) {
    if (answer.isDisruptionBudgetBlocked() || answer.isResourceVersionTooLarge()) {
      return; // about this one request, not about load
    }
    OptionalLong seconds = answer.retryAfterSeconds();
    if (seconds.isEmpty()) {
      return;
    }
    long window = TimeUnit.SECONDS.toNanos(Math.min(seconds.getAsLong(), MAX_WINDOW_SECONDS));
    long end = clock.nanoTime() + window;
    windowEnds.merge(windowKey(k, host, pl, answer), end, Math::max);
    if (answer.code() == 429 && answer.hasFlowHeaders() && answer.isThrottled()) {
      warnings.warn(
          "SC202",
          "429 from API Priority and Fairness: flowSchema="
              + answer.flowSchemaUid()
              + " priorityLevel="
              + answer.priorityLevelUid()
              + ", Retry-After "
              + seconds.getAsLong()
              + " s. This client is paced for that window; if it persists, give the component its"
              + " own ServiceAccount and FlowSchema, or make fewer/cheaper calls",
          k.requestLine());
    }
  }
}
