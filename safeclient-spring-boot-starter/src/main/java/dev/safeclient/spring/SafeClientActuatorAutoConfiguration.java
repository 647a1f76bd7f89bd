package dev.safeclient.spring;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.SafeInformerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.autoconfigure.info.ConditionalOnEnabledInfoContributor;
import org.springframework.boot.actuate.health.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Actuator: the informer readiness contributor (readiness group only), the informer liveness
 * contributor (local failures only; liveness and primary groups) and the info contributor. Ordered
 * after Spring Boot's probe groups so that {@link InformerReadinessGroup} sees the final {@code
 * readiness} group. Each bean gives way to one of the user's with its name.
 */
@AutoConfiguration(
    after = SafeClientAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.actuate.autoconfigure.availability.AvailabilityProbesAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration"
    })
@ConditionalOnClass(
    value = HealthIndicator.class,
    name =
        "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator")
@ConditionalOnBean(DeclaredInformers.class)
public class SafeClientActuatorAutoConfiguration {

  @Bean
  @ConditionalOnEnabledHealthIndicator("safeclient-informers")
  @ConditionalOnMissingBean(name = "safeclientInformersHealthIndicator")
  InformerHealthIndicator safeclientInformersHealthIndicator(
      DeclaredInformers declared,
      ObjectProvider<SafeInformerFactory> factory,
      SafeClientProperties properties) {
    return new InformerHealthIndicator(declared, factory, properties);
  }

  @Bean
  @ConditionalOnEnabledHealthIndicator("safeclient-informers")
  @ConditionalOnMissingBean(name = "safeclientInformerLivenessHealthIndicator")
  InformerLivenessIndicator safeclientInformerLivenessHealthIndicator(
      DeclaredInformers declared, ObjectProvider<SafeInformerFactory> factory) {
    return new InformerLivenessIndicator(declared, factory);
  }

  @Bean
  @ConditionalOnEnabledHealthIndicator("safeclient-informers")
  @ConditionalOnMissingBean(name = "safeclientInformerReadinessGroup")
  public static HealthEndpointGroupsPostProcessor safeclientInformerReadinessGroup() {
    return new InformerReadinessGroup();
  }

  @Bean
  @ConditionalOnEnabledInfoContributor("safeclient")
  @ConditionalOnMissingBean(name = "safeclientInfoContributor")
  SafeClientInfoContributor safeclientInfoContributor(
      ObjectProvider<SafeClient> client, DeclaredInformers declared) {
    return new SafeClientInfoContributor(client, declared);
  }
}
