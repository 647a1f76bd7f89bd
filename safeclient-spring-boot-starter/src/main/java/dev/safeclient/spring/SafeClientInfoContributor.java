package dev.safeclient.spring;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafeClientConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/**
 * {@code /actuator/info} under {@code safeclient}: the mode, the rules whose mode differs from it,
 * the breaker's settings and the last state of each breaker, and the declared informers.
 */
class SafeClientInfoContributor implements InfoContributor {
  private final ObjectProvider<SafeClient> client;
  private final DeclaredInformers declared;

  SafeClientInfoContributor(ObjectProvider<SafeClient> client, DeclaredInformers declared) {
    this.client = client;
    this.declared = declared;
  }

  @Override
  public void contribute(Info.Builder builder) {
    Map<String, Object> info = new LinkedHashMap<>();
    SafeClient safe;
    try {
      safe = client.getIfAvailable();
    } catch (RuntimeException e) {
      // A lazy app without a cluster yet.
      info.put("error", e.getMessage());
      builder.withDetail("safeclient", info);
      return;
    }
    if (safe == null) {
      return;
    }
    SafeClientConfig config = safe.config();
    info.put("mode", config.mode().name());
    Map<String, String> rules = new TreeMap<>();
    config.ruleModes().forEach((id, mode) -> rules.put(id, mode.name()));
    info.put("ruleModes", rules);
    if (config.userAgent() != null) {
      info.put("userAgent", config.userAgent());
    }
    Map<String, Object> breaker = new LinkedHashMap<>();
    breaker.put("enabled", config.breakerEnabled());
    breaker.put("openDuration", config.breakerOpenDuration().toString());
    breaker.put("failureRateThreshold", config.breakerFailureRateThreshold());
    if (config.metrics() instanceof BreakerStates states) {
      // Breakers that never changed state are closed; only transitions are reported.
      breaker.put("states", states.states());
    }
    info.put("breaker", breaker);
    if (!declared.isEmpty() && declared.registrationFailure().isEmpty()) {
      info.put("informers", declared.all().stream().map(DeclaredInformers.Declared::name).toList());
    }
    builder.withDetail("safeclient", info);
  }
}
