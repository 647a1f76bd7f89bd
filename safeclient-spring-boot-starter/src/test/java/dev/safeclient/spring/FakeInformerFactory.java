package dev.safeclient.spring;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerHealth;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.informer.SafeInformerFactory;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A factory whose informers' state the test sets: it stands in for the API server's side of the
 * informers so that the starter's mapping (health, lifecycle, resolution) is what is under test.
 */
class FakeInformerFactory extends SafeInformerFactory {
  /** One sharedIndexInformerFor call. */
  record Registration(
      Class<?> type,
      Class<?> listType,
      String group,
      String version,
      String plural,
      long resyncMillis,
      InformerOptions options,
      FakeState state) {}

  /** The state a test drives. */
  static final class FakeState implements InformerHealth {
    final String name;
    volatile boolean synced;
    volatile boolean bookmarkSeen;
    volatile boolean watchConnected;
    volatile Duration sinceLastEvent;
    volatile long relists;
    volatile Duration staleness = Duration.ZERO;
    volatile LocalState localState = LocalState.RUNNING;
    volatile long localFailures;

    FakeState(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public boolean hasSynced() {
      return synced;
    }

    @Override
    public Optional<Instant> lastSyncTime() {
      return synced ? Optional.of(Instant.EPOCH) : Optional.empty();
    }

    @Override
    public Optional<Duration> sinceLastEvent() {
      return Optional.ofNullable(sinceLastEvent);
    }

    @Override
    public boolean bookmarkSeen() {
      return bookmarkSeen;
    }

    @Override
    public boolean watchConnected() {
      return watchConnected;
    }

    @Override
    public long relists() {
      return relists;
    }

    @Override
    public Duration staleness() {
      return staleness;
    }

    @Override
    public LocalState localState() {
      return localState;
    }

    @Override
    public long localFailures() {
      return localFailures;
    }

    @Override
    public Optional<String> lastLocalFailure() {
      return localFailures > 0
          ? Optional.of("java.lang.OutOfMemoryError: Java heap space")
          : Optional.empty();
    }
  }

  final List<Registration> registrations = new CopyOnWriteArrayList<>();
  final AtomicInteger starts = new AtomicInteger();
  final AtomicInteger stops = new AtomicInteger();
  final AtomicInteger closes = new AtomicInteger();

  FakeInformerFactory() {
    super(SafeClient.wrap(new ApiClient().setBasePath("https://test.invalid:6443")));
  }

  @Override
  public <T extends KubernetesObject, L extends KubernetesListObject>
      SharedIndexInformer<T> sharedIndexInformerFor(
          Class<T> type,
          Class<L> listType,
          String group,
          String version,
          String plural,
          long resyncMillis,
          InformerOptions options) {
    FakeState state = new FakeState(group + "/" + version + "/" + plural);
    registrations.add(
        new Registration(type, listType, group, version, plural, resyncMillis, options, state));
    return informer(state);
  }

  @SuppressWarnings("unchecked")
  private static <T extends KubernetesObject> SharedIndexInformer<T> informer(FakeState state) {
    return (SharedIndexInformer<T>)
        Proxy.newProxyInstance(
            FakeInformerFactory.class.getClassLoader(),
            new Class<?>[] {SharedIndexInformer.class, InformerHealth.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == InformerHealth.class) {
                return method.invoke(state, args);
              }
              return switch (method.getName()) {
                case "hasSynced" -> state.synced;
                case "toString" -> "FakeInformer[" + state.name + "]";
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "run", "stop" -> null;
                default -> throw new UnsupportedOperationException(method.getName());
              };
            });
  }

  FakeState state(String plural) {
    return registrations.stream()
        .filter(r -> r.plural().equals(plural))
        .findFirst()
        .orElseThrow()
        .state();
  }

  @Override
  public void startAllRegisteredInformers() {
    starts.incrementAndGet();
  }

  @Override
  public void stopAllRegisteredInformers() {
    stops.incrementAndGet();
  }

  /** Counted apart: Spring closes an AutoCloseable bean at shutdown, whoever registered it. */
  @Override
  public void close() {
    closes.incrementAndGet();
  }

  @Override
  public Optional<InformerHealth> health(SharedIndexInformer<?> informer) {
    return informer instanceof InformerHealth h ? Optional.of(h) : Optional.empty();
  }

  @Override
  public Collection<InformerHealth> health() {
    List<InformerHealth> all = new ArrayList<>();
    registrations.forEach(r -> all.add(r.state()));
    return all;
  }
}
