package dev.safeclient.spring;

import dev.safeclient.informer.InformerHealth;
import dev.safeclient.informer.InformerHealth.LocalState;
import dev.safeclient.informer.SafeInformerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Liveness of the informers' own machinery: DOWN only when an informer stopped for good after
 * {@code Error}s in a row (out of memory on every relist). That is local to this process, not an
 * API-server outage: a restart is the cure, and the kubelet's CrashLoopBackOff paces a fleet doing
 * the same. An API-server outage never takes this DOWN; a reflector restarting after one Error
 * takes readiness out, not liveness.
 */
class InformerLivenessIndicator implements HealthIndicator {
  /** The contributor name: the bean name without "HealthIndicator". */
  public static final String NAME = "safeclientInformerLiveness";

  private final DeclaredInformers declared;
  private final ObjectProvider<SafeInformerFactory> factory;

  InformerLivenessIndicator(
      DeclaredInformers declared, ObjectProvider<SafeInformerFactory> factory) {
    this.declared = declared;
    this.factory = factory;
  }

  @Override
  public Health health() {
    List<String> stopped = new ArrayList<>();
    for (Map.Entry<String, InformerHealth> e :
        LocalInformerFailures.find(declared, factory).entrySet()) {
      if (e.getValue().localState() == LocalState.STOPPED_ON_ERRORS) {
        stopped.add(LocalInformerFailures.describe(e.getKey(), e.getValue()));
      }
    }
    return stopped.isEmpty()
        ? Health.up().build()
        : Health.down().withDetail("stopped", stopped).build();
  }
}
