package dev.safeclient.spring;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.TokenSource;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.informer.SafeInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Clock;
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
 *   <li>a {@link SafeInformerFactory}.
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
  public KubernetesConnection safeclientKubernetesConnection(
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
      SafeClientProperties properties,
      ResourceLoader resourceLoader) {
    return new DeclaredInformers(
        factory, properties, resourceLoader.getClassLoader(), Clock.systemUTC());
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
    set("safeclient.mode", p.getMode(), b::mode);
    p.getRules()
        .forEach(
            (id, rule) ->
                set(
                    "safeclient.rules." + id + ".mode",
                    rule.getMode(),
                    mode -> b.ruleMode(id.toUpperCase(Locale.ROOT), mode)));
    String userAgent =
        p.getUserAgent() != null ? p.getUserAgent() : env.getProperty("spring.application.name");
    if (userAgent != null && !userAgent.isBlank()) {
      b.userAgent(userAgent);
    }
    set("safeclient.qps", p.getQps(), b::qps);
    set("safeclient.burst", p.getBurst(), b::burst);
    set("safeclient.list-cost-per-second", p.getListCostPerSecond(), b::listCostPerSecond);
    set("safeclient.max-in-flight", p.getMaxInFlight(), b::maxInFlight);
    set("safeclient.max-watches", p.getMaxWatches(), b::maxWatches);
    set("safeclient.list-page-size", p.getListPageSize(), b::listPageSize);
    set("safeclient.allow-stale-list-reads", p.getAllowStaleListReads(), b::allowStaleListReads);
    set("safeclient.protobuf.enabled", p.getProtobuf().getEnabled(), b::protobuf);
    if (p.getNodeName() != null && !p.getNodeName().isBlank()) {
      b.nodeName(p.getNodeName());
    }
    set("safeclient.warning-interval", p.getWarningInterval(), b::warningInterval);
    set("safeclient.max-budget-wait", p.getMaxBudgetWait(), b::maxBudgetWait);
    set("safeclient.call-timeout", p.getCallTimeout(), b::callTimeout);
    set("safeclient.ping-interval", p.getPingInterval(), b::pingInterval);
    SafeClientProperties.Breaker breaker = p.getBreaker();
    set("safeclient.breaker.enabled", breaker.getEnabled(), b::breakerEnabled);
    set("safeclient.breaker.open-duration", breaker.getOpenDuration(), b::breakerOpenDuration);
    set(
        "safeclient.breaker.failure-rate-threshold",
        breaker.getFailureRateThreshold(),
        b::breakerFailureRateThreshold);
  }

  /**
   * Hands a set property to the builder; a value the builder refuses becomes an {@link
   * InvalidSafeClientPropertyException} that names the property, not a stack trace.
   */
  private static <T> void set(String property, T value, Consumer<T> setter) {
    if (value == null) {
      return;
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidSafeClientPropertyException(
          property,
          e.getMessage() + ".",
          "Change " + property + ", or remove it to keep the default.");
    }
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
