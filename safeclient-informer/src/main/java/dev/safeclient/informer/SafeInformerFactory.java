package dev.safeclient.informer;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.informer.internal.NegotiatedWatchFormat;
import dev.safeclient.informer.internal.ObjectTransform;
import dev.safeclient.informer.internal.RecoveryWave;
import dev.safeclient.informer.internal.Reflector;
import dev.safeclient.informer.internal.ReflectorConfig;
import dev.safeclient.informer.internal.ReflectorDecoder;
import dev.safeclient.informer.internal.ReflectorHealth;
import dev.safeclient.informer.internal.ResourceEndpoint;
import dev.safeclient.informer.internal.SafeSharedIndexInformer;
import dev.safeclient.informer.internal.TypedDecoder;
import dev.safeclient.informer.internal.WatchStreamFormat;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.random.RandomGenerator;
import okhttp3.OkHttpClient;

/**
 * A drop-in for client-java's {@code SharedInformerFactory}: the same {@link SharedIndexInformer},
 * {@code Lister}, {@code Indexer} and {@code ResourceEventHandler} types, fed by a reflector that
 * is gentle on the control plane (see {@code README.md}, "Informers").
 *
 * <p>Informers are shared by (type, group/version/plural, namespace, label selector, field
 * selector, transform): the same key gives back the same instance; another namespace or selector
 * gives another informer.
 */
public class SafeInformerFactory implements AutoCloseable {
  private final SafeClient client;
  private final TimeSource clock;
  // Only a clock this factory made is closed by it; a caller's clock stays the caller's.
  private boolean ownsClock;
  private final RandomGenerator random;
  // The one place the watch encoding is chosen: Protobuf where the client negotiates it, else JSON.
  private final WatchStreamFormat watchFormat;
  private final Map<InformerKey, SafeSharedIndexInformer<?>> informers = new LinkedHashMap<>();
  private final List<RawFeed> feeds = new ArrayList<>();
  private OkHttpClient watchHttp;

  /**
   * On the client's clock ({@code SafeClient.Builder#clock}), so that one virtual timeline runs
   * from the reflectors down to the client's token buckets. On real time, this factory's timers get
   * a thread of its own, released by {@link #close()}.
   */
  public SafeInformerFactory(SafeClient client) {
    this(client, ownClock(client.config().clock()));
    this.ownsClock = client.config().clock().isSystem();
  }

  private static TimeSource ownClock(TimeSource clientClock) {
    return clientClock.isSystem() ? TimeSource.system() : clientClock;
  }

  /**
   * With a clock other than the client's: a drill whose informers run on real time while its client
   * runs on a rehearsal's scaled time.
   */
  public SafeInformerFactory(SafeClient client, TimeSource clock) {
    // java.util.Random is thread-safe; the reflectors of one factory share it.
    this(client, clock, new Random(), watchFormatOf(client));
  }

  SafeInformerFactory(
      SafeClient client, TimeSource clock, RandomGenerator random, WatchStreamFormat format) {
    this.client = Objects.requireNonNull(client, "client");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.watchFormat = Objects.requireNonNull(format, "format");
  }

  /** Protobuf watch frames for built-in types unless the client turned Protobuf off (SC103). */
  static WatchStreamFormat watchFormatOf(SafeClient client) {
    ClientInternals parts = ClientInternals.of(client);
    WatchStreamFormat json = WatchStreamFormat.jsonLines(parts.tolerantJson());
    return client.config().protobuf() ? new NegotiatedWatchFormat(parts.protobuf(), json) : json;
  }

  /** With {@link InformerOptions#defaults()}: all namespaces, no selectors. */
  public <T extends KubernetesObject, L extends KubernetesListObject>
      SharedIndexInformer<T> sharedIndexInformerFor(
          Class<T> type,
          Class<L> listType,
          String group,
          String version,
          String plural,
          long resyncMillis) {
    return sharedIndexInformerFor(
        type, listType, group, version, plural, resyncMillis, InformerOptions.defaults());
  }

  /**
   * The shared informer for this key, registered to start with {@link
   * #startAllRegisteredInformers()}. {@code group} is {@code ""} for the core group.
   */
  public synchronized <T extends KubernetesObject, L extends KubernetesListObject>
      SharedIndexInformer<T> sharedIndexInformerFor(
          Class<T> type,
          Class<L> listType,
          String group,
          String version,
          String plural,
          long resyncMillis,
          InformerOptions options) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(listType, "listType");
    Objects.requireNonNull(options, "options");
    ResourceEndpoint endpoint =
        new ResourceEndpoint(
            group,
            version,
            plural,
            options.namespace(),
            options.labelSelector(),
            options.fieldSelector());
    InformerKey key =
        new InformerKey(type, endpoint, options.transform(), options.stripManagedFields());
    @SuppressWarnings("unchecked")
    SafeSharedIndexInformer<T> existing = (SafeSharedIndexInformer<T>) informers.get(key);
    if (existing != null) {
      return existing;
    }
    SafeSharedIndexInformer<T> informer =
        create(type, listType, endpoint, resyncMillis, options, callSite());
    informers.put(key, informer);
    return informer;
  }

  private <T extends KubernetesObject, L extends KubernetesListObject>
      SafeSharedIndexInformer<T> create(
          Class<T> type,
          Class<L> listType,
          ResourceEndpoint endpoint,
          long resyncMillis,
          InformerOptions options,
          String callSite) {
    String display = endpoint.displayName();
    // Informers that differ only by transform would share metric names otherwise.
    long same =
        informers.values().stream()
            .filter(i -> i.name().equals(display) || i.name().startsWith(display + " #"))
            .count();
    String name = same == 0 ? display : display + " #" + (same + 1);
    ReflectorHealth health = new ReflectorHealth(name, clock, options.watchdogTimeout());
    ObjectTransform transform =
        new ObjectTransform(options.stripManagedFields(), options.transform());
    SafeSharedIndexInformer<T> informer =
        new SafeSharedIndexInformer<>(
            name,
            clock,
            transform,
            health,
            resyncMillis,
            e -> {
              health.handlerFailure(e);
              client.config().metrics().informerLocalFailure(name, "handler");
            });
    ApiClient api = ClientInternals.of(client).libraryApiClient();
    Reflector<T> reflector =
        reflector(
            name,
            callSite,
            endpoint,
            new TypedDecoder<>(type, listType, api, watchFormat, transform),
            informer,
            health,
            options);
    informer.reflector(reflector);
    return informer;
  }

  /**
   * A raw feed of one resource: the informer's reflector (same list and watch, same recovery, same
   * budgets), handing {@code listener} the bytes the server sent instead of client-java models. It
   * starts with {@link #startAllRegisteredInformers()} (or its own {@link RawFeed#start()}), stops
   * with {@link #stopAllRegisteredInformers()}, and is in {@link #health()}. Each call makes a new
   * feed: raw feeds are not shared.
   *
   * <p>Its lists and watches ask for {@code application/json} only, whatever the client negotiates
   * elsewhere (SC103's Protobuf, the informers' Protobuf watches); Protobuf comes in a later
   * release. The objects are never altered: {@link InformerOptions#stripManagedFields()} does not
   * apply, and a transform is refused.
   *
   * @param group {@code ""} for the core group
   * @param options namespace, selectors, start jitter, watchdog, streaming list, error limit,
   *     recovery wave: as for an informer
   * @throws IllegalArgumentException when {@code options} has a transform
   */
  public synchronized RawFeed rawFeed(
      String group,
      String version,
      String plural,
      InformerOptions options,
      RawFeedListener listener) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
    if (options.transform() != null) {
      throw new IllegalArgumentException(
          "a raw feed hands on the bytes the server sent; a transform cannot apply to them");
    }
    ResourceEndpoint endpoint =
        new ResourceEndpoint(
            group,
            version,
            plural,
            options.namespace(),
            options.labelSelector(),
            options.fieldSelector());
    String display = endpoint.displayName() + " (raw)";
    long same =
        feeds.stream()
            .filter(f -> f.name().equals(display) || f.name().startsWith(display + " #"))
            .count();
    String name = same == 0 ? display : display + " #" + (same + 1);
    ReflectorHealth health = new ReflectorHealth(name, clock, options.watchdogTimeout());
    Reflector<RawObject> reflector =
        reflector(
            name,
            callSite(),
            endpoint,
            new RawDecoder(ClientInternals.of(client).tolerantJson(), endpoint.plural()),
            new RawFeed.ListenerStore(listener),
            health,
            options);
    RawFeed feed = new RawFeed(name, reflector, health);
    feeds.add(feed);
    return feed;
  }

  /** The reflector of an informer or a raw feed, with its metrics. */
  private <O> Reflector<O> reflector(
      String name,
      String callSite,
      ResourceEndpoint endpoint,
      ReflectorDecoder<O> decoder,
      Reflector.Store<O> store,
      ReflectorHealth health,
      InformerOptions options) {
    ApiClient api = ClientInternals.of(client).libraryApiClient();
    Reflector<O> reflector =
        new Reflector<>(
            new ReflectorConfig<>(
                "Reflector " + name + " (" + callSite + ")",
                endpoint,
                decoder,
                api,
                watchHttp(api),
                clock,
                random,
                store,
                health,
                client.config().metrics(),
                startJitter(options),
                options.watchdogTimeout(),
                options.watchList(),
                client.config().listPageSize(),
                options.maxConsecutiveErrors(),
                options.recoveryPullForward() ? RecoveryWave.of(client, clock) : null));
    String groupResource =
        endpoint.group().isEmpty() ? endpoint.plural() : endpoint.plural() + "." + endpoint.group();
    reflector.onChange(() -> ClientInternals.of(client).resourceActivity().changed(groupResource));
    var metrics = client.config().metrics();
    metrics.informerGauge(name, "synced", () -> health.hasSynced() ? 1 : 0);
    metrics.informerGauge(name, "staleness.seconds", () -> health.staleness().toMillis() / 1000.0);
    metrics.informerGauge(name, "watch.connected", () -> health.watchConnected() ? 1 : 0);
    metrics.informerGauge(
        name,
        "stopped.on.errors",
        () -> health.localState() == ReflectorHealth.LocalState.STOPPED_ON_ERRORS ? 1 : 0);
    return reflector;
  }

  /**
   * Watches stream for up to ten minutes: no read timeout (the watchdog and the call deadline of
   * timeoutSeconds plus a grace take its place); same pipeline, pool and budgets as every call.
   */
  private OkHttpClient watchHttp(ApiClient api) {
    if (watchHttp == null) {
      watchHttp =
          api.getHttpClient()
              .newBuilder()
              .readTimeout(Duration.ZERO)
              .callTimeout(Duration.ZERO)
              .build();
    }
    return watchHttp;
  }

  private Duration startJitter(InformerOptions options) {
    if (options.startJitter() != null) {
      return options.startJitter();
    }
    return client.config().nodeName().isPresent()
        ? InformerOptions.NODE_AGENT_START_JITTER
        : Duration.ZERO;
  }

  /**
   * The caller's file:line, as client-go names reflectors, so logs point at the informer's owner.
   */
  private static String callSite() {
    String factory = SafeInformerFactory.class.getName();
    return StackWalker.getInstance()
        .walk(
            frames ->
                frames
                    .dropWhile(f -> !f.getClassName().equals(factory))
                    .dropWhile(f -> f.getClassName().equals(factory))
                    .findFirst()
                    .map(f -> f.getFileName() + ":" + f.getLineNumber())
                    .orElse("unknown"));
  }

  /** Starts every registered informer and raw feed not started yet; returns at once. */
  public synchronized void startAllRegisteredInformers() {
    informers.values().forEach(SafeSharedIndexInformer::start);
    feeds.forEach(RawFeed::start);
  }

  /**
   * Stops every registered informer and raw feed, and releases its threads and connections; the
   * registry is emptied, so later calls build fresh informers.
   */
  public synchronized void stopAllRegisteredInformers() {
    informers.values().forEach(SafeSharedIndexInformer::stop);
    informers.clear();
    feeds.forEach(RawFeed::stop);
    feeds.clear();
    if (watchHttp != null) {
      // Idle watch connections would otherwise linger in the shared pool for five minutes.
      watchHttp.connectionPool().evictAll();
    }
    if (ownsClock) {
      clock.close();
    }
  }

  /**
   * As {@link #stopAllRegisteredInformers()}: every reflector, handler and timer thread of this
   * factory ends. The {@link SafeClient} is the caller's and stays open.
   */
  @Override
  public void close() {
    stopAllRegisteredInformers();
  }

  /** The health of every registered informer and raw feed. */
  public synchronized Collection<InformerHealth> health() {
    List<InformerHealth> all = new ArrayList<>();
    informers.values().forEach(i -> all.add(new InformerHealthView(i.health())));
    feeds.forEach(f -> all.add(f.health()));
    return all;
  }

  /** The health of one informer this factory built. */
  public Optional<InformerHealth> health(SharedIndexInformer<?> informer) {
    return informer instanceof SafeSharedIndexInformer<?> s
        ? Optional.of(new InformerHealthView(s.health()))
        : Optional.empty();
  }

  private record InformerKey(
      Class<?> type, ResourceEndpoint endpoint, Object transform, boolean stripManagedFields) {}
}
