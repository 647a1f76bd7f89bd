package dev.safeclient.spring;

import dev.safeclient.core.metrics.MicrometerSafeClientMetrics;
import dev.safeclient.core.metrics.SafeClientMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Binds core's {@link SafeClientMetrics} to the app's {@link MeterRegistry} when Micrometer is
 * present (meter names in {@link MicrometerSafeClientMetrics}). The binding itself is core's; this
 * only hands it the registry.
 */
@AutoConfiguration(
    before = SafeClientAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
public class SafeClientMetricsAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean
  public SafeClientMetrics safeClientMetrics(MeterRegistry registry) {
    return new MicrometerSafeClientMetrics(registry);
  }
}
