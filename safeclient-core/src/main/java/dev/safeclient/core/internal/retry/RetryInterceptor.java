package dev.safeclient.core.internal.retry;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.safeclient.core.internal.request.CallOrigin;
import dev.safeclient.core.internal.request.KubeRequest;
import dev.safeclient.core.internal.request.Verb;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.time.TimeSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries the way client-go does: only when the server said when ({@code Retry-After}), plus
 * requests that provably never left. Each attempt goes down the chain again, so it takes a budget
 * token again and passes the breaker and the Retry-After memory.
 *
 * <ul>
 *   <li>Any verb: a 429 from APF or the max-in-flight filter (not executed); a request that never
 *       reached the server ({@link NeverSent}).
 *   <li>Safe verbs only (GET, LIST, opening a WATCH), and writes that are idempotent by
 *       construction: a 5xx with Retry-After; the "storage is (re)initializing" 429.
 *   <li>Never: a 5xx without Retry-After; a write answered 500/504 (a ServerTimeout's outcome is
 *       unknown: a retry could duplicate a generateName create); a PodDisruptionBudget 429; SC101's
 *       504 ResourceVersionTooLarge.
 *   <li>Reads (GET, LIST, opening a WATCH) whose connection failed before any answer began,
 *       timeouts and cancellations excepted: see {@link #unansweredReadReason}.
 * </ul>
 *
 * <p>Long-running streams bypass this link. The library's own calls (the informer, which has its
 * own backoff) get only the retry of a read on a dead keep-alive connection.
 */
public final class RetryInterceptor implements okhttp3.Interceptor {
  private static final Logger log = LoggerFactory.getLogger(RetryInterceptor.class);
  private static final String NEVER_SENT = "never-sent/";

  /** client-go's rest client: at most 10 attempts. */
  static final int MAX_ATTEMPTS = 10;

  /**
   * The retry reasons known before any answer; a 5xx with Retry-After is counted under its status
   * code as well.
   */
  public static final List<String> FIXED_REASONS =
      Stream.concat(
              Stream.of("429", "initializing", "stale-connection", "no-response"),
              NeverSent.REASONS.stream().map(r -> NEVER_SENT + r))
          .toList();

  private static final MediaType APPLY_PATCH = MediaType.get("application/apply-patch+yaml");

  private final TimeSource clock;
  private final SafeClientMetrics metrics;

  public RetryInterceptor(TimeSource clock, SafeClientMetrics metrics) {
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    KubeRequest k = KubeRequest.of(request);
    if (k.isLongRunningStream()) {
      return chain.proceed(request);
    }
    boolean library = k.origin() == CallOrigin.LIBRARY;
    boolean replayable = request.body() == null || !request.body().isOneShot();
    for (int attempt = 1; ; attempt++) {
      Response response;
      NoResponse seen = new NoResponse();
      try {
        response = chain.proceed(request.newBuilder().tag(NoResponse.class, seen).build());
      } catch (IOException e) {
        String reason = library ? null : neverSentReason(e);
        if (reason == null) {
          reason = unansweredReadReason(k, seen, e, library, chain.call().isCanceled());
        }
        if (reason == null || !replayable || attempt >= MAX_ATTEMPTS) {
          throw e;
        }
        pause(Backoff.delayNanos(attempt - 1), reason, k, attempt);
        continue;
      }
      if (library) {
        return response;
      }
      if (response.code() < 429 || response.header("Retry-After") == null) {
        return response; // the server did not say when: not retried
      }
      ServerAnswer answer = ServerAnswer.of(response);
      String reason = retryReason(k, request, answer);
      if (reason == null || !replayable || attempt >= MAX_ATTEMPTS) {
        return response;
      }
      response.close();
      long serverAsked =
          TimeUnit.SECONDS.toNanos(
              Math.min(
                  answer.retryAfterSeconds().orElse(0), RetryAfterInterceptor.MAX_WINDOW_SECONDS));
      pause(Math.max(serverAsked, Backoff.delayNanos(attempt - 1)), reason, k, attempt);
    }
  }

  private static String neverSentReason(IOException e) {
    String reason = NeverSent.reason(e);
    return reason == null ? null : NEVER_SENT + reason;
  }

  /**
   * A read (GET, LIST, opening a watch) whose connection failed before any answer: sent again, as
   * Go's HTTP client and OkHttp's default do. Not a timeout or a cancellation (a slow answer is the
   * server working: sending it again doubles the work), and never once an answer has begun (a reset
   * in the middle of a big list may be the server killed for memory by that very list). A write is
   * never sent again on this ground: it may have been applied.
   *
   * <p>The library's own calls (the informer, which owns its backoff) get this only on a connection
   * that had served before, the dead keep-alive connection of a restarted server: not a server
   * failure, so it must not grow the reflector's backoff.
   */
  static String unansweredReadReason(
      KubeRequest k, NoResponse seen, IOException e, boolean library, boolean canceled) {
    if (!seen.failed() || canceled || e instanceof InterruptedIOException || !isSafe(k)) {
      return null;
    }
    if (seen.reusedConnection()) {
      return "stale-connection";
    }
    return library ? null : "no-response";
  }

  /** Why this answer may be retried, or null. Retry-After is present. */
  static String retryReason(KubeRequest k, Request request, ServerAnswer answer) {
    OptionalLong ra = answer.retryAfterSeconds();
    if (ra.isEmpty()) {
      return null;
    }
    boolean safe = isSafe(k) || idempotentByConstruction(k, request);
    int code = answer.code();
    if (code == 429) {
      if (answer.isDisruptionBudgetBlocked()) {
        return null;
      }
      if (answer.isStorageInitializing()) {
        return safe ? "initializing" : null;
      }
      return "429";
    }
    if (code >= 500 && code <= 599) {
      if (answer.isResourceVersionTooLarge()) {
        return null; // SC101 falls back to a consistent read itself
      }
      return safe ? String.valueOf(code) : null;
    }
    return null;
  }

  static boolean isSafe(KubeRequest k) {
    if (k.verb().isSafeRead()) {
      return true;
    }
    return k.verb() == Verb.NON_RESOURCE && (k.method().equals("GET") || k.method().equals("HEAD"));
  }

  /**
   * A write whose repetition cannot do anything twice: an update carrying {@code
   * metadata.resourceVersion} (a second one fails with 409 if the first succeeded), or server-side
   * apply (declarative: applying the same intent again is a no-op).
   */
  static boolean idempotentByConstruction(KubeRequest k, Request request) {
    RequestBody body = request.body();
    if (body == null) {
      return false;
    }
    MediaType type = body.contentType();
    if (k.verb() == Verb.PATCH) {
      return type != null
          && type.type().equals(APPLY_PATCH.type())
          && type.subtype().equals(APPLY_PATCH.subtype());
    }
    if (k.verb() != Verb.UPDATE || body.isOneShot()) {
      return false;
    }
    try {
      Buffer buf = new Buffer();
      body.writeTo(buf);
      JsonElement root = JsonParser.parseString(buf.readUtf8());
      if (!root.isJsonObject()) {
        return false;
      }
      JsonElement meta = root.getAsJsonObject().get("metadata");
      if (meta == null || !meta.isJsonObject()) {
        return false;
      }
      JsonElement rv = ((JsonObject) meta).get("resourceVersion");
      return rv != null && rv.isJsonPrimitive() && !rv.getAsString().isEmpty();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private void pause(long nanos, String reason, KubeRequest k, int attempt) throws IOException {
    metrics.retry(reason);
    log.debug(
        "retrying {} after {} ms ({}; attempt {} of {})",
        k.requestLine(),
        TimeUnit.NANOSECONDS.toMillis(nanos),
        reason,
        attempt + 1,
        MAX_ATTEMPTS);
    try {
      clock.sleep(Duration.ofNanos(nanos));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while backing off");
    }
  }
}
