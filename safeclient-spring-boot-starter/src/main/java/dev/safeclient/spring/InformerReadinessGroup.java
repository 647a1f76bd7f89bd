package dev.safeclient.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.health.AdditionalHealthEndpointPath;
import org.springframework.boot.actuate.health.HealthEndpointGroup;
import org.springframework.boot.actuate.health.HealthEndpointGroups;
import org.springframework.boot.actuate.health.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.actuate.health.HttpCodeStatusMapper;
import org.springframework.boot.actuate.health.StatusAggregator;

/**
 * Puts the {@value InformerHealthIndicator#NAME} contributor in the {@code readiness} group and
 * takes it out of every other one: the primary group ({@code /actuator/health}, often wired to a
 * liveness probe) and {@code liveness} always. The {@value InformerLivenessIndicator#NAME}
 * contributor (local failures only) goes the other way: in {@code liveness} and the primary group,
 * not in {@code readiness}. Other groups keep their own include/exclude.
 *
 * <p>The {@code readiness} group exists when Actuator's probes are on: in Kubernetes they are by
 * default, elsewhere set {@code management.endpoint.health.probes.enabled=true}. It runs after
 * Spring Boot's own probe post-processor (the auto-configuration is ordered after it), so the group
 * it finds is the final one.
 */
class InformerReadinessGroup implements HealthEndpointGroupsPostProcessor {
  private static final Logger log = LoggerFactory.getLogger(InformerReadinessGroup.class);
  static final String READINESS = "readiness";
  static final String LIVENESS = "liveness";

  @Override
  public HealthEndpointGroups postProcessHealthEndpointGroups(HealthEndpointGroups groups) {
    Map<String, HealthEndpointGroup> result = new LinkedHashMap<>();
    for (String name : groups.getNames()) {
      HealthEndpointGroup group = groups.get(name);
      if (name.equals(READINESS)) {
        result.put(name, new Membership(group, true));
      } else if (name.equals(LIVENESS)) {
        result.put(name, new Membership(group, false));
      } else {
        result.put(name, group);
      }
    }
    if (!result.containsKey(READINESS)) {
      log.warn(
          "safeclient: no '{}' health group (management.endpoint.health.probes.enabled=false?):"
              + " the {} contributor is in no group",
          READINESS,
          InformerHealthIndicator.NAME);
    }
    return HealthEndpointGroups.of(new Membership(groups.getPrimary(), false), result);
  }

  /** A group whose membership of the informer contributor is fixed; the rest is the delegate's. */
  private record Membership(HealthEndpointGroup delegate, boolean member)
      implements HealthEndpointGroup {
    @Override
    public boolean isMember(String name) {
      if (name.equals(InformerHealthIndicator.NAME)) {
        return member;
      }
      if (name.equals(InformerLivenessIndicator.NAME)) {
        // A local failure only: in liveness and the primary group, never in readiness (the
        // readiness contributor reports it there already).
        return !member;
      }
      return delegate.isMember(name);
    }

    @Override
    public boolean showComponents(SecurityContext securityContext) {
      return delegate.showComponents(securityContext);
    }

    @Override
    public boolean showDetails(SecurityContext securityContext) {
      return delegate.showDetails(securityContext);
    }

    @Override
    public StatusAggregator getStatusAggregator() {
      return delegate.getStatusAggregator();
    }

    @Override
    public HttpCodeStatusMapper getHttpCodeStatusMapper() {
      return delegate.getHttpCodeStatusMapper();
    }

    @Override
    public AdditionalHealthEndpointPath getAdditionalPath() {
      return delegate.getAdditionalPath();
    }
  }
}
