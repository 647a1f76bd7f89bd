package dev.safeclient.spring;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerHealth;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.context.SmartLifecycle;

/**
 * The informers declared under {@code safeclient.informers}. They are registered with the {@link
 * SafeInformerFactory} on first use (or at start), started after the context is refreshed and
 * stopped on shutdown. One that has not synced within {@code safeclient.informer.sync-timeout} is
 * reported (ERROR log, health detail); startup never waits for it.
 *
 * <p>The sync timeout runs on the client's {@link TimeSource} ({@code SafeClient.Builder#clock}),
 * the one its informers run on, so a test moves both on one virtual timeline.
 *
 * <p>On shutdown it stops every informer of the factory, those registered in code included.
 */
public class DeclaredInformers implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(DeclaredInformers.class);

  /** One declared informer, as registered. */
  public record Declared(
      String name, boolean required, SharedIndexInformer<? extends KubernetesObject> informer) {}

  /** When the informers were started, on the clock that times their sync. */
  private record Started(TimeSource clock, long nanoTime) {
    Duration elapsed() {
      return Duration.ofNanos(clock.nanoTime() - nanoTime);
    }
  }

  private final ObjectProvider<SafeInformerFactory> factoryProvider;
  // Read only at start, once the informers are registered: a lazy app may have no client before.
  private final ObjectProvider<SafeClient> clientProvider;
  private final SafeClientProperties properties;
  private final ClassLoader classLoader;
  private final Object lock = new Object();
  // Built on first use or at start; null until then.
  private Map<String, Declared> declared;
  // Why registering failed at start in a lazy app (no cluster yet); readiness reports it.
  private RuntimeException registrationFailure;
  // Null until started with informers registered: nothing is overdue before.
  private volatile Started started;
  private volatile boolean running;
  // The sync-timeout report fired with an informer unsynced.
  private volatile boolean syncOverdueReported;
  // The one sync-timeout report, cancelled on stop.
  private TimeSource.Timer syncTimer;
  // A real-time source of this bean's own, closed on stop (its timer thread with it); a client's
  // virtual or scaled clock is the client's to close.
  private TimeSource ownClock;

  DeclaredInformers(
      ObjectProvider<SafeInformerFactory> factoryProvider,
      ObjectProvider<SafeClient> clientProvider,
      SafeClientProperties properties,
      ClassLoader classLoader) {
    this.factoryProvider = factoryProvider;
    this.clientProvider = clientProvider;
    this.properties = properties;
    this.classLoader = classLoader;
  }

  /** The declared informer with this name (its resource unless named). */
  @SuppressWarnings("unchecked")
  public <T extends KubernetesObject> SharedIndexInformer<T> informer(String name) {
    Declared d = registered().get(name);
    if (d == null) {
      throw new IllegalArgumentException(
          "No informer named '" + name + "' in safeclient.informers: " + registered().keySet());
    }
    return (SharedIndexInformer<T>) d.informer();
  }

  /** Every declared informer, in declaration order. */
  public Collection<Declared> all() {
    return List.copyOf(registered().values());
  }

  /** True when none is declared. */
  public boolean isEmpty() {
    return properties.informers().isEmpty();
  }

  /** At least one declared informer is required. */
  boolean anyRequiredDeclared() {
    return properties.informers().stream()
        .anyMatch(SafeClientProperties.DeclaredInformer::required);
  }

  /**
   * Why the informers could not be registered (no cluster configuration in a lazy app, a bad class
   * name), if so.
   */
  public Optional<RuntimeException> registrationFailure() {
    synchronized (lock) {
      return Optional.ofNullable(registrationFailure);
    }
  }

  /** The health the factory keeps for a declared informer. */
  Optional<InformerHealth> health(Declared d) {
    return factoryProvider.getObject().health(d.informer());
  }

  /** Started longer than the sync timeout ago and still not synced. */
  boolean syncOverdue(Declared d) {
    Started s = started;
    return s != null
        && !d.informer().hasSynced()
        && s.elapsed().compareTo(properties.informer().syncTimeout()) >= 0;
  }

  private Map<String, Declared> registered() {
    synchronized (lock) {
      if (declared == null) {
        declared = register();
      }
      return declared;
    }
  }

  private Map<String, Declared> register() {
    Map<String, Declared> result = new LinkedHashMap<>();
    if (isEmpty()) {
      return result;
    }
    SafeInformerFactory factory = factoryProvider.getObject();
    List<SafeClientProperties.DeclaredInformer> all = properties.informers();
    for (int i = 0; i < all.size(); i++) {
      SafeClientProperties.DeclaredInformer d = all.get(i);
      result.put(
          d.name(),
          new Declared(
              d.name(), d.required(), register(factory, "safeclient.informers[" + i + "]", d)));
    }
    return result;
  }

  /**
   * @param where the informer's property path; the properties were validated when bound, so only a
   *     class name that does not load fails here
   */
  private SharedIndexInformer<? extends KubernetesObject> register(
      SafeInformerFactory factory, String where, SafeClientProperties.DeclaredInformer d) {
    String group = d.group();
    String version = d.version();
    Class<? extends KubernetesObject> type;
    Class<? extends KubernetesListObject> listType;
    if (d.type() != null) {
      type = load(d.type(), KubernetesObject.class, where + ".type");
      listType = load(d.listType(), KubernetesListObject.class, where + ".list-type");
    } else {
      BuiltInResources.Resource r = BuiltInResources.require(where, d.resource(), group, version);
      group = r.group();
      version = r.version();
      type = r.type();
      listType = r.listType();
    }
    return factory.sharedIndexInformerFor(
        type, listType, group, version, d.resource(), d.resync().toMillis(), options(d));
  }

  InformerOptions options(SafeClientProperties.DeclaredInformer d) {
    SafeClientProperties.Informer global = properties.informer();
    InformerOptions.Builder b = InformerOptions.builder();
    PropertyMapper map = PropertyMapper.get().alwaysApplyingWhenNonNull();
    map.from(d::namespace).to(b::namespace);
    map.from(d::labelSelector).to(b::labelSelector);
    map.from(d::fieldSelector).to(b::fieldSelector);
    map.from(global::startJitter).to(b::startJitter);
    map.from(global::stripManagedFields).to(b::stripManagedFields);
    map.from(global::watchList).to(b::watchList);
    return b.build();
  }

  private <C> Class<? extends C> load(String className, Class<C> expected, String property) {
    Class<?> c;
    try {
      c = Class.forName(className, false, classLoader);
    } catch (ClassNotFoundException e) {
      throw new InvalidSafeClientPropertyException(
          property,
          "no class " + className + " on the class path.",
          "Name the model class by its fully qualified name, such as"
              + " io.kubernetes.client.openapi.models.V1Pod, and check its jar is a dependency.");
    }
    if (!expected.isAssignableFrom(c)) {
      throw new InvalidSafeClientPropertyException(
          property,
          className + " does not implement " + expected.getName() + ".",
          "Name a model class that implements " + expected.getSimpleName() + ".");
    }
    return c.asSubclass(expected);
  }

  @Override
  public void start() {
    running = true;
    if (isEmpty()) {
      return;
    }
    try {
      registered();
    } catch (RuntimeException e) {
      // In a lazy app the cluster may be missing at startup: report it through readiness (the
      // required informers never sync) rather than failing the whole context.
      if (!properties.lazy()) {
        throw e;
      }
      RuntimeException cause = noClusterConfiguration(e);
      synchronized (lock) {
        registrationFailure = cause;
      }
      log.error(
          "safeclient: the declared informers could not be registered: {}", cause.getMessage());
      return;
    }
    TimeSource clock = clientClock();
    started = new Started(clock, clock.nanoTime());
    factoryProvider.getObject().startAllRegisteredInformers();
    syncTimer = clock.schedule(properties.informer().syncTimeout(), this::reportUnsynced);
  }

  /**
   * The client's clock. Real time is read alike by every system source, so for it this bean keeps
   * one of its own whose timer thread it can release on stop, as {@link SafeInformerFactory} does.
   */
  private TimeSource clientClock() {
    SafeClient client;
    try {
      client = clientProvider.getIfAvailable();
    } catch (RuntimeException e) {
      // A lazy app whose own informer factory registered the informers while the client bean
      // cannot be built yet (no cluster): the sync timeout then runs on real time.
      client = null;
    }
    TimeSource clock = client == null ? null : client.config().clock();
    if (clock == null || clock.isSystem()) {
      ownClock = TimeSource.system();
      return ownClock;
    }
    return clock;
  }

  /** The missing configuration under Spring's bean-creation wrappers, if that is the cause. */
  private static RuntimeException noClusterConfiguration(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof NoClusterConfigurationException n) {
        return n;
      }
    }
    return e;
  }

  /** Logs every declared informer still not synced; runs once, at the sync timeout. */
  void reportUnsynced() {
    List<String> unsynced = new ArrayList<>();
    for (Declared d : all()) {
      if (!d.informer().hasSynced()) {
        unsynced.add(d.name() + (d.required() ? " (required)" : ""));
      }
    }
    if (!unsynced.isEmpty()) {
      syncOverdueReported = true;
      log.error(
          "safeclient: informers not synced within {}: {}. Readiness stays OUT_OF_SERVICE while a"
              + " required one has never synced; see the safeclientInformers health details.",
          properties.informer().syncTimeout(),
          unsynced);
    }
  }

  /** The sync-timeout report fired with at least one informer unsynced. */
  boolean syncOverdueReported() {
    return syncOverdueReported;
  }

  @Override
  public void stop() {
    running = false;
    if (syncTimer != null) {
      syncTimer.cancel();
      syncTimer = null;
    }
    if (ownClock != null) {
      ownClock.close();
      ownClock = null;
    }
    boolean registeredAny;
    synchronized (lock) {
      registeredAny = declared != null && !declared.isEmpty();
    }
    if (registeredAny) {
      factoryProvider.getObject().stopAllRegisteredInformers();
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Late to start, early to stop: informers stop before the beans their handlers call. */
  @Override
  public int getPhase() {
    return DEFAULT_PHASE - 512;
  }
}
