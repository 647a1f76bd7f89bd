package dev.safeclient.spring;

import dev.safeclient.core.RelayRoute;
import dev.safeclient.core.SafeClient;
import dev.safeclient.core.TokenSource;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.informer.SafeInformerFactory;
import dev.safeclient.model.time.TimeSource;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The safe client beans. Each can be replaced by a bean of the user's:
 *
 * <ul>
 *   <li>an {@link ApiClient} of the user's becomes the base that {@link SafeClient} wraps;
 *   <li>a {@link TokenSource} of the user's answers 401s (else the kubeconfig's or service
 *       account's, when the starter found the base client itself);
 *   <li>a {@link SafeClient};
 *   <li>a {@code @Primary} {@link ApiClient} (or a bean named {@value #SAFE_API_CLIENT});
 *   <li>a {@link SafeInformerFactory};
 *   <li>a {@link TimeSource} of the user's is the client's clock, and so its informers' and the
 *       declared informers' sync timeout.
 * </ul>
 */
@AutoConfiguration
@EnableConfigurationProperties(SafeClientProperties.class)
public class SafeClientAutoConfiguration {
  /** The base {@link ApiClient} found from kubeconfig or the in-cluster service account. */
  public static final String BASE_API_CLIENT = "safeClientBaseApiClient";

  /** The safe {@link ApiClient}, {@code SafeClient.apiClient()}, marked primary. */
  public static final String SAFE_API_CLIENT = "safeApiClient";

  static final String CONNECTION = "safeclientKubernetesConnection";
  static final String SAFE_CLIENT = "safeClient";
  static final String SAFE_INFORMER_FACTORY = "safeInformerFactory";

  @Bean(name = CONNECTION)
  @ConditionalOnMissingBean({ApiClient.class, SafeClient.class, KubernetesConnection.class})
  KubernetesConnection safeclientKubernetesConnection(
      Environment env, SafeClientProperties properties) {
    return new KubeconfigLoadingRules(env, properties).load();
  }

  @Bean(name = BASE_API_CLIENT)
  @ConditionalOnMissingBean({ApiClient.class, SafeClient.class})
  public ApiClient safeClientBaseApiClient(KubernetesConnection connection) {
    return connection.apiClient();
  }

  @Bean(name = SAFE_CLIENT)
  @ConditionalOnMissingBean
  public SafeClient safeClient(
      ConfigurableListableBeanFactory beanFactory,
      SafeClientProperties properties,
      Environment env,
      ObjectProvider<SafeClientMetrics> metrics,
      ObjectProvider<TokenSource> tokenSource,
      ObjectProvider<KubernetesConnection> connection,
      ObjectProvider<TimeSource> clock,
      ObjectProvider<SafeClientBuilderCustomizer> customizers) {
    String baseName = baseApiClientName(beanFactory);
    SafeClient.Builder builder = SafeClient.builder(beanFactory.getBean(baseName, ApiClient.class));
    applyProperties(builder, properties, env);
    TokenSource source = tokenSource.getIfUnique();
    if (source == null && baseName.equals(BASE_API_CLIENT)) {
      KubernetesConnection found = connection.getIfUnique();
      source = found == null ? null : found.tokenSource();
    }
    if (source != null) {
      builder.tokenSource(source);
    }
    clock.ifUnique(builder::clock);
    builder.metrics(new BreakerStates(metrics.getIfUnique(() -> SafeClientMetrics.NOOP)));
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return builder.build();
  }

  @Bean(name = SAFE_API_CLIENT)
  @Primary
  @Conditional(NoPrimaryApiClientOfTheUser.class)
  public ApiClient safeApiClient(SafeClient safeClient) {
    return safeClient.apiClient();
  }

  // Informers registered in code stop with the context too (declared ones stop earlier, in
  // DeclaredInformers' lifecycle phase); stopping twice is harmless.
  @Bean(name = SAFE_INFORMER_FACTORY, destroyMethod = "stopAllRegisteredInformers")
  @ConditionalOnMissingBean
  public SafeInformerFactory safeInformerFactory(SafeClient safeClient) {
    return new SafeInformerFactory(safeClient);
  }

  @Bean
  @ConditionalOnMissingBean
  public DeclaredInformers safeclientDeclaredInformers(
      ObjectProvider<SafeInformerFactory> factory,
      ObjectProvider<SafeClient> client,
      SafeClientProperties properties,
      ResourceLoader resourceLoader) {
    return new DeclaredInformers(factory, client, properties, resourceLoader.getClassLoader());
  }

  /**
   * {@code safeclient.lazy=true}: the client beans are created on first use, so an app starts
   * without a cluster. Its informers then report through readiness instead of failing startup.
   */
  @Bean
  @ConditionalOnProperty(prefix = "safeclient", name = "lazy", havingValue = "true")
  public static BeanFactoryPostProcessor safeclientLazyClientBeans() {
    return beanFactory -> {
      for (String name :
          List.of(
              CONNECTION, BASE_API_CLIENT, SAFE_CLIENT, SAFE_API_CLIENT, SAFE_INFORMER_FACTORY)) {
        if (beanFactory.containsBeanDefinition(name)) {
          beanFactory.getBeanDefinition(name).setLazyInit(true);
        }
      }
    };
  }

  static void applyProperties(SafeClient.Builder b, SafeClientProperties p, Environment env) {
    PropertyMapper map = PropertyMapper.get().alwaysApplyingWhenNonNull();
    map.from(p::mode).to(refusalNamed("safeclient.mode", b::mode));
    p.rules()
        .forEach(
            (id, rule) ->
                map.from(rule::mode)
                    .to(
                        refusalNamed(
                            "safeclient.rules." + id + ".mode",
                            mode -> b.ruleMode(id.toUpperCase(Locale.ROOT), mode))));
    map.from(
            () ->
                p.userAgent() != null ? p.userAgent() : env.getProperty("spring.application.name"))
        .whenHasText()
        .to(b::userAgent);
    map.from(p::qps).to(refusalNamed("safeclient.qps", b::qps));
    map.from(p::burst).to(refusalNamed("safeclient.burst", b::burst));
    map.from(p::listCostPerSecond)
        .to(refusalNamed("safeclient.list-cost-per-second", b::listCostPerSecond));
    map.from(p::maxInFlight).to(refusalNamed("safeclient.max-in-flight", b::maxInFlight));
    map.from(p::maxWatches).to(refusalNamed("safeclient.max-watches", b::maxWatches));
    map.from(p::listPageSize).to(refusalNamed("safeclient.list-page-size", b::listPageSize));
    map.from(p::allowStaleListReads).to(b::allowStaleListReads);
    map.from(p.protobuf()::enabled).to(b::protobuf);
    map.from(p::nodeName).whenHasText().to(b::nodeName);
    map.from(p::warningInterval)
        .to(refusalNamed("safeclient.warning-interval", b::warningInterval));
    map.from(p::maxBudgetWait).to(refusalNamed("safeclient.max-budget-wait", b::maxBudgetWait));
    map.from(p::callTimeout).to(refusalNamed("safeclient.call-timeout", b::callTimeout));
    map.from(p::pingInterval).to(refusalNamed("safeclient.ping-interval", b::pingInterval));
    SafeClientProperties.Breaker breaker = p.breaker();
    map.from(breaker::enabled).to(b::breakerEnabled);
    map.from(breaker::openDuration)
        .to(refusalNamed("safeclient.breaker.open-duration", b::breakerOpenDuration));
    map.from(breaker::failureRateThreshold)
        .to(
            refusalNamed(
                "safeclient.breaker.failure-rate-threshold", b::breakerFailureRateThreshold));
    if (p.relay().url() != null) {
      b.relay(relayRoute(p.relay()));
    }
  }

  private static RelayRoute relayRoute(SafeClientProperties.Relay r) {
    if (r.resources().isEmpty()) {
      throw new InvalidSafeClientPropertyException(
          "safeclient.relay.resources",
          "a relay (safeclient.relay.url) needs it.",
          "Name the relayed resources, such as v1/pods.");
    }
    RelayRoute.Builder route;
    try {
      route = RelayRoute.builder(r.url());
    } catch (IllegalArgumentException e) {
      throw new InvalidSafeClientPropertyException(
          "safeclient.relay.url", e.getMessage() + ".", "Give the relay's https:// URL.");
    }
    refusalNamed(
            "safeclient.relay.resources",
            (List<String> rs) -> route.resources(rs.toArray(String[]::new)))
        .accept(r.resources());
    if (r.caFile() != null) {
      try {
        route.caFile(r.caFile());
      } catch (IOException e) {
        throw new InvalidSafeClientPropertyException(
            "safeclient.relay.ca-file",
            "the file cannot be read (" + e.getClass().getSimpleName() + ").",
            "Mount the relay's CA there, or change safeclient.relay.ca-file.");
      }
    }
    if (r.tokenFile() != null) {
      route.tokenFile(r.tokenFile());
    }
    try {
      // Core's route reads what is unset from its default mounts.
      return route.directFallback(r.directFallback()).build();
    } catch (IllegalStateException e) {
      List<String> unset = new ArrayList<>();
      if (r.caFile() == null) {
        unset.add("safeclient.relay.ca-file");
      }
      if (r.tokenFile() == null) {
        unset.add("safeclient.relay.token-file");
      }
      throw new InvalidSafeClientPropertyException(
          unset.isEmpty() ? "safeclient.relay" : String.join(", ", unset),
          e.getMessage() + ".",
          "Mount the relay's CA and token where the defaults say, or set the property to where"
              + " they are mounted.");
    }
  }

  /**
   * The builder's setter, with a value it refuses turned into an {@link
   * InvalidSafeClientPropertyException} that names the property, not a stack trace.
   */
  private static <T> Consumer<T> refusalNamed(String property, Consumer<T> setter) {
    return value -> {
      try {
        setter.accept(value);
      } catch (IllegalArgumentException e) {
        throw new InvalidSafeClientPropertyException(
            property,
            e.getMessage() + ".",
            "Change " + property + ", or remove it to keep the default.");
      }
    };
  }

  /**
   * The base client: the only {@link ApiClient} bean other than the safe one (preferring one not
   * marked primary), or the starter's own when there are several.
   */
  private static String baseApiClientName(ConfigurableListableBeanFactory beanFactory) {
    List<String> all = new ArrayList<>();
    List<String> notPrimary = new ArrayList<>();
    for (String name : beanFactory.getBeanNamesForType(ApiClient.class, true, false)) {
      if (!name.equals(SAFE_API_CLIENT)) {
        all.add(name);
        if (!isPrimary(beanFactory, name)) {
          notPrimary.add(name);
        }
      }
    }
    String chosen =
        notPrimary.size() == 1
            ? notPrimary.get(0)
            : all.size() == 1 ? all.get(0) : all.contains(BASE_API_CLIENT) ? BASE_API_CLIENT : null;
    if (chosen == null) {
      throw new IllegalStateException(
          "safeclient needs one base ApiClient bean to wrap, found "
              + (all.isEmpty() ? "none" : all)
              + ". Keep one ApiClient bean, or define your own SafeClient bean.");
    }
    return chosen;
  }

  private static boolean isPrimary(ConfigurableListableBeanFactory beanFactory, String name) {
    return beanFactory.containsBeanDefinition(name)
        && beanFactory.getBeanDefinition(name).isPrimary();
  }

  /** Matches unless the user defined a {@code @Primary ApiClient} or a bean named like ours. */
  static final class NoPrimaryApiClientOfTheUser extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      ConfigurableListableBeanFactory bf = context.getBeanFactory();
      if (bf == null) {
        return ConditionOutcome.match();
      }
      if (bf.containsBeanDefinition(SAFE_API_CLIENT)) {
        return ConditionOutcome.noMatch("a bean named " + SAFE_API_CLIENT + " exists");
      }
      for (String name : bf.getBeanNamesForType(ApiClient.class, true, false)) {
        if (isPrimary(bf, name)) {
          return ConditionOutcome.noMatch("@Primary ApiClient bean '" + name + "' exists");
        }
      }
      return ConditionOutcome.match("no @Primary ApiClient bean");
    }
  }
}
