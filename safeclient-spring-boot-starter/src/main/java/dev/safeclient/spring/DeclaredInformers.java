package dev.safeclient.spring;

import dev.safeclient.informer.InformerHealth;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.SafeInformerFactory;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * <p>On shutdown it stops every informer of the factory, those registered in code included.
 */
public class DeclaredInformers implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(DeclaredInformers.class);

  /** One declared informer, as registered. */
  public record Declared(
      String name, boolean required, SharedIndexInformer<? extends KubernetesObject> informer) {}

  private final ObjectProvider<SafeInformerFactory> factoryProvider;
  private final SafeClientProperties properties;
  private final ClassLoader classLoader;
  private final Clock clock;
  private final Object lock = new Object();
  private Map<String, Declared> declared;
  private RuntimeException registrationFailure;
  private volatile Instant startedAt;
  private volatile boolean running;
  private volatile boolean syncOverdueReported;
  private ScheduledExecutorService syncWatch;

  public DeclaredInformers(
      ObjectProvider<SafeInformerFactory> factoryProvider,
      SafeClientProperties properties,
      ClassLoader classLoader,
      Clock clock) {
    this.factoryProvider = factoryProvider;
    this.properties = properties;
    this.classLoader = classLoader;
    this.clock = clock;
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
  public boolean anyRequiredDeclared() {
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
  public Optional<InformerHealth> health(Declared d) {
    return factoryProvider.getObject().health(d.informer());
  }

  /** Started longer than the sync timeout ago and still not synced. */
  public boolean syncOverdue(Declared d) {
    Instant start = startedAt;
    return start != null
        && !d.informer().hasSynced()
        && !clock.instant().isBefore(start.plus(properties.informer().syncTimeout()));
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
    startedAt = clock.instant();
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
    factoryProvider.getObject().startAllRegisteredInformers();
    Duration timeout = properties.informer().syncTimeout();
    syncWatch =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "safeclient-informer-sync-watch");
              t.setDaemon(true);
              return t;
            });
    syncWatch.schedule(this::reportUnsynced, timeout.toMillis(), TimeUnit.MILLISECONDS);
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
  public boolean syncOverdueReported() {
    return syncOverdueReported;
  }

  @Override
  public void stop() {
    running = false;
    if (syncWatch != null) {
      syncWatch.shutdownNow();
      syncWatch = null;
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
