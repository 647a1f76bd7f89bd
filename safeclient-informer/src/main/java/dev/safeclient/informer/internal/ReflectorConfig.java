package dev.safeclient.informer.internal;

import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.random.RandomGenerator;
import okhttp3.OkHttpClient;

/**
 * What one reflector is given, fixed for its life.
 *
 * @param name names the reflector in every log line: the resource and the informer's call site
 * @param endpoint the collection it lists and watches, with its selectors
 * @param decoder what the objects are, and how lists and watch events are asked for and read
 * @param api the SafeClient's library view: lists go through the budgets, not the lint rewrites
 * @param watchHttp the same pipeline without a read timeout: a watch is a ten-minute stream
 * @param clock the client's time source: backoff, watchdog and timeouts on one timeline
 * @param random draws the jitter of the start, of the backoff and of the watch timeouts
 * @param store the informer's cache and handlers, or a raw feed's listener
 * @param health what the informer reports of itself
 * @param metrics where relists and local failures are counted
 * @param startJitter the first list waits a random part of this, to spread a rollout's lists
 * @param watchdogTimeout a watch silent this long after a bookmark was seen is restarted
 * @param watchList whether to try a streaming list ({@code sendInitialEvents}) instead of LIST
 * @param pageSize the {@code limit} of a paged list
 * @param maxConsecutiveErrors Errors of this process in a row after which the reflector stops
 * @param wave the client's recovery wave, or null when this informer takes no part in it
 */
public record ReflectorConfig<O>(
    String name,
    ResourceEndpoint endpoint,
    ReflectorDecoder<O> decoder,
    ApiClient api,
    OkHttpClient watchHttp,
    TimeSource clock,
    RandomGenerator random,
    Reflector.Store<O> store,
    ReflectorHealth health,
    SafeClientMetrics metrics,
    Duration startJitter,
    Duration watchdogTimeout,
    boolean watchList,
    int pageSize,
    int maxConsecutiveErrors,
    RecoveryWave wave) {}
