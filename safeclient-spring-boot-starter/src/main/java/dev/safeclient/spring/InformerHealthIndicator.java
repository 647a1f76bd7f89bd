package dev.safeclient.spring;

import dev.safeclient.informer.InformerHealth;
import dev.safeclient.informer.SafeInformerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/**
 * Readiness of the informers; a member of the readiness group only (see {@link
 * InformerReadinessGroup}), never of liveness: a liveness probe failing on every pod during an
 * API-server outage would restart the whole fleet at once, and its relists would be a storm of its
 * own.
 *
 * <p>OUT_OF_SERVICE while a required declared informer has <em>never</em> synced, and while an
 * informer's own reflector is restarting after, or stopped by, an {@code Error} of this process
 * (this replica is broken; see {@link InformerLivenessIndicator} for the stopped case). An informer
 * that synced once keeps serving its (possibly stale) cache through an outage, and the pod stays in
 * its Service. Staleness (time since the last event or bookmark, armed only after a first bookmark,
 * since etcd-served watches get none) is a detail; it takes the pod out only with the opt-in {@code
 * safeclient.health.readiness.staleness-threshold}.
 */
class InformerHealthIndicator implements HealthIndicator {
  /** The contributor name: the bean name without "HealthIndicator". */
  public static final String NAME = "safeclientInformers";

  private final DeclaredInformers declared;
  private final ObjectProvider<SafeInformerFactory> factory;
  private final Duration stalenessThreshold;

  InformerHealthIndicator(
      DeclaredInformers declared,
      ObjectProvider<SafeInformerFactory> factory,
      SafeClientProperties properties) {
    this.declared = declared;
    this.factory = factory;
    this.stalenessThreshold = properties.health().readiness().stalenessThreshold();
  }

  @Override
  public Health health() {
    Map<String, Object> informers = new LinkedHashMap<>();
    List<String> notReady = new ArrayList<>();
    Optional<RuntimeException> failure = declared.registrationFailure();
    Collection<InformerHealth> all = factoryHealth(informers);
    Set<InformerHealth> shown = Collections.newSetFromMap(new IdentityHashMap<>());

    if (failure.isPresent()) {
      informers.put("registrationError", failure.get().getMessage());
      if (declared.anyRequiredDeclared()) {
        notReady.add("declared informers could not be registered");
      }
    } else if (!declared.isEmpty()) {
      for (DeclaredInformers.Declared d : declared.all()) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("required", d.required());
        boolean synced = d.informer().hasSynced();
        detail.put("synced", synced);
        if (declared.syncOverdue(d)) {
          detail.put("syncOverdue", true);
        }
        Optional<InformerHealth> h = declared.health(d);
        h.ifPresent(
            health -> {
              shown.add(health);
              details(health, detail);
            });
        informers.put(d.name(), detail);
        if (d.required() && !synced) {
          notReady.add(d.name() + " has never synced");
        } else if (d.required() && stalenessThreshold != null && h.isPresent()) {
          stale(h.get()).ifPresent(s -> notReady.add(d.name() + " stale for " + s));
        }
      }
    }
    for (InformerHealth h : all) {
      if (!shown.contains(h)) {
        Map<String, Object> detail = new LinkedHashMap<>();
        details(h, detail);
        informers.put(h.name(), detail);
      }
    }

    // This replica's own informer machinery failed (an Error, not the server): it is broken, unlike
    // one serving a stale cache through an outage that every replica shares.
    LocalInformerFailures.find(declared, factory)
        .forEach((name, h) -> notReady.add(LocalInformerFailures.describe(name, h)));

    Health.Builder b = notReady.isEmpty() ? Health.up() : Health.status(Status.OUT_OF_SERVICE);
    if (!notReady.isEmpty()) {
      b.withDetail("reasons", notReady);
    }
    if (stalenessThreshold != null) {
      b.withDetail("readinessStalenessThreshold", stalenessThreshold.toString());
    }
    return b.withDetail("informers", informers).build();
  }

  /** How long past the threshold this informer has been quiet, if it is. */
  private Optional<Duration> stale(InformerHealth h) {
    if (!h.bookmarkSeen()) {
      return Optional.empty();
    }
    return h.sinceLastEvent().filter(since -> since.compareTo(stalenessThreshold) > 0);
  }

  private Collection<InformerHealth> factoryHealth(Map<String, Object> informers) {
    try {
      SafeInformerFactory f = factory.getIfAvailable();
      return f == null ? List.of() : f.health();
    } catch (RuntimeException e) {
      // A lazy app without a cluster: the factory cannot be built yet.
      informers.put("factoryError", e.getMessage());
      return List.of();
    }
  }

  private static void details(InformerHealth h, Map<String, Object> detail) {
    detail.put("informer", h.name());
    detail.put("synced", h.hasSynced());
    h.lastSyncTime().ifPresent(t -> detail.put("lastSyncTime", t.toString()));
    detail.put("watchConnected", h.watchConnected());
    detail.put("bookmarkSeen", h.bookmarkSeen());
    detail.put("staleness", h.staleness().toString());
    // The readiness opt-in reads this, and only after a first bookmark: an etcd-served watch
    // never sends one, so its quiet is no sign of trouble.
    h.sinceLastEvent().ifPresent(s -> detail.put("sinceLastEvent", s.toString()));
    detail.put("relists", h.relists());
    detail.put("localState", h.localState().name());
    if (h.localFailures() > 0) {
      detail.put("localFailures", h.localFailures());
      h.lastLocalFailure().ifPresent(f -> detail.put("lastLocalFailure", f));
    }
  }
}
