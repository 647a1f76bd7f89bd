package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.core.SafeClientConfig;
import dev.safeclient.core.SafetyMode;
import dev.safeclient.core.TokenSource;
import dev.safeclient.core.internal.ClientInternals;
import dev.safeclient.core.internal.auth.KubeConfigTokenSource;
import dev.safeclient.core.metrics.SafeClientMetrics;
import dev.safeclient.informer.SafeInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

class SafeClientAutoConfigurationTest {
  @TempDir Path tmp;
  private Path home;
  private Path kubeconfig;
  private ApplicationContextRunner runner;

  @BeforeEach
  void setUp() throws Exception {
    home = Files.createDirectories(tmp.resolve("home"));
    kubeconfig = TestKubeconfig.write(tmp, "https://main.invalid:6443");
    runner =
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SafeClientAutoConfiguration.class))
            .withPropertyValues(TestKubeconfig.isolated(home))
            .withPropertyValues("safeclient.kubeconfig=" + kubeconfig);
  }

  @Test
  void defaultsWrapTheKubeconfigClientWithCoreDefaults() {
    runner.run(
        ctx -> {
          assertThat(ctx).hasNotFailed();
          SafeClient safe = ctx.getBean(SafeClient.class);
          assertThat(safe.base().getBasePath()).isEqualTo("https://main.invalid:6443");
          assertThat(ctx.getBean(SafeClientAutoConfiguration.BASE_API_CLIENT))
              .isSameAs(safe.base());
          // The primary ApiClient is the safe one: what every generated API gets injected.
          ApiClient primary = ctx.getBean(ApiClient.class);
          assertThat(primary)
              .isSameAs(safe.apiClient())
              .isNotSameAs(safe.consistentApiClient())
              .isNotSameAs(ClientInternals.of(safe).libraryApiClient());
          assertThat(ctx)
              .hasSingleBean(SafeInformerFactory.class)
              .hasSingleBean(DeclaredInformers.class);

          // Nothing set: every option is core's own default, not a second copy of it.
          SafeClientConfig expected = SafeClient.wrap(safe.base()).config();
          SafeClientConfig actual = safe.config();
          assertThat(actual.mode()).isEqualTo(SafetyMode.ENFORCE).isEqualTo(expected.mode());
          assertThat(actual.ruleModes()).isEmpty();
          assertThat(actual.userAgent()).isEqualTo(expected.userAgent());
          assertThat(actual.qps()).isEqualTo(expected.qps());
          assertThat(actual.burst()).isEqualTo(expected.burst());
          assertThat(actual.listCostPerSecond()).isEqualTo(expected.listCostPerSecond());
          assertThat(actual.maxInFlight()).isEqualTo(expected.maxInFlight());
          assertThat(actual.maxWatches()).isEqualTo(expected.maxWatches());
          assertThat(actual.listPageSize()).isEqualTo(expected.listPageSize());
          assertThat(actual.allowStaleListReads()).isFalse();
          assertThat(actual.protobuf()).isTrue();
          assertThat(actual.nodeName()).isEqualTo(expected.nodeName());
          assertThat(actual.warningInterval()).isEqualTo(expected.warningInterval());
          assertThat(actual.maxBudgetWait()).isEqualTo(expected.maxBudgetWait());
          assertThat(actual.callTimeout()).isEqualTo(expected.callTimeout());
          assertThat(actual.pingInterval()).isEqualTo(expected.pingInterval());
          assertThat(actual.breakerEnabled()).isTrue();
          assertThat(actual.breakerOpenDuration()).isEqualTo(expected.breakerOpenDuration());
          assertThat(actual.breakerFailureRateThreshold())
              .isEqualTo(expected.breakerFailureRateThreshold());
          // A 401 re-reads the kubeconfig the client came from.
          assertThat(actual.tokenSource()).isInstanceOf(KubeConfigTokenSource.class);
          // No Micrometer registry in this context: metrics are core's no-op.
          assertThat(((BreakerStates) actual.metrics()).delegate())
              .isSameAs(SafeClientMetrics.NOOP);
        });
  }

  @Test
  void userAgentDefaultsToTheApplicationName() {
    runner
        .withPropertyValues("spring.application.name=node-agent")
        .run(
            ctx ->
                assertThat(ctx.getBean(SafeClient.class).config().userAgent())
                    .isEqualTo("node-agent"));
    runner
        .withPropertyValues("spring.application.name=node-agent", "safeclient.user-agent=agent/2.0")
        .run(
            ctx ->
                assertThat(ctx.getBean(SafeClient.class).config().userAgent())
                    .isEqualTo("agent/2.0"));
  }

  @Test
  void everyPropertyReachesTheBuiltClient() {
    runner
        .withPropertyValues(
            "safeclient.mode=STRICT",
            "safeclient.rules.SC106.mode=OBSERVE",
            "safeclient.rules.sc104.mode=ENFORCE",
            "safeclient.qps=20.5",
            "safeclient.burst=40",
            "safeclient.list-cost-per-second=12",
            "safeclient.max-in-flight=3",
            "safeclient.max-watches=7",
            "safeclient.list-page-size=250",
            "safeclient.allow-stale-list-reads=true",
            "safeclient.protobuf.enabled=false",
            "safeclient.node-name=node-a",
            "safeclient.warning-interval=5m",
            "safeclient.max-budget-wait=2s",
            "safeclient.call-timeout=15s",
            "safeclient.ping-interval=10s",
            "safeclient.breaker.enabled=false",
            "safeclient.breaker.open-duration=45s",
            "safeclient.breaker.failure-rate-threshold=80")
        .run(
            ctx -> {
              SafeClientConfig c = ctx.getBean(SafeClient.class).config();
              assertThat(c.mode()).isEqualTo(SafetyMode.STRICT);
              assertThat(c.modeFor("SC106")).isEqualTo(SafetyMode.OBSERVE);
              assertThat(c.modeFor("SC104")).isEqualTo(SafetyMode.ENFORCE);
              assertThat(c.modeFor("SC101")).isEqualTo(SafetyMode.STRICT);
              assertThat(c.qps()).isEqualTo(20.5);
              assertThat(c.burst()).isEqualTo(40);
              assertThat(c.listCostPerSecond()).isEqualTo(12.0);
              assertThat(c.maxInFlight()).isEqualTo(3);
              assertThat(c.maxWatches()).isEqualTo(7);
              assertThat(c.listPageSize()).isEqualTo(250);
              assertThat(c.allowStaleListReads()).isTrue();
              assertThat(c.protobuf()).isFalse();
              assertThat(c.nodeName()).contains("node-a");
              assertThat(c.warningInterval()).isEqualTo(Duration.ofMinutes(5));
              assertThat(c.maxBudgetWait()).isEqualTo(Duration.ofSeconds(2));
              assertThat(c.callTimeout()).isEqualTo(Duration.ofSeconds(15));
              assertThat(c.pingInterval()).isEqualTo(Duration.ofSeconds(10));
              assertThat(c.breakerEnabled()).isFalse();
              assertThat(c.breakerOpenDuration()).isEqualTo(Duration.ofSeconds(45));
              assertThat(c.breakerFailureRateThreshold()).isEqualTo(80f);
            });
  }

  @Test
  void invalidValuesFailStartupNamingTheProperty() {
    runner
        .withPropertyValues("safeclient.qps=0")
        .run(
            ctx ->
                assertThat(ctx).getFailure().rootCause().hasMessageContaining("qps must be > 0"));
    runner
        .withPropertyValues("safeclient.rules.X1.mode=OBSERVE")
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("safeclient.rules.X1"));
    runner
        .withPropertyValues("safeclient.informers[0].namespace=default")
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(InvalidSafeClientPropertyException.class)
                    .hasMessageContaining(
                        "safeclient.informers[0].resource: every declared informer needs a"
                            + " resource"));
  }

  @Test
  void kubeconfigContextIsHonoured() {
    runner
        .withPropertyValues("safeclient.context=other")
        .run(
            ctx -> {
              SafeClient safe = ctx.getBean(SafeClient.class);
              assertThat(safe.base().getBasePath()).isEqualTo("https://other.invalid:6443");
              // A chosen context keeps 401 refresh, pinned to its user and server.
              assertThat(safe.config().tokenSource())
                  .isInstanceOfSatisfying(
                      KubeConfigTokenSource.class,
                      s -> {
                        assertThat(s.user()).isEqualTo("u");
                        assertThat(s.server()).isEqualTo("https://other.invalid:6443");
                      });
            });
    runner
        .withPropertyValues("safeclient.context=missing")
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(NoClusterConfigurationException.class)
                    .hasMessageContaining("no context named 'missing'"));
  }

  @Test
  void kubeconfigVariableThenHomeAreLookedAt() throws Exception {
    Path fromVar = TestKubeconfig.write(tmp, "https://from-var.invalid:6443");
    Path missing = tmp.resolve("missing.yaml");
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SafeClientAutoConfiguration.class))
        .withPropertyValues(TestKubeconfig.isolated(home))
        .withPropertyValues("KUBECONFIG=" + missing + java.io.File.pathSeparator + fromVar)
        .run(
            ctx ->
                assertThat(ctx.getBean(SafeClient.class).base().getBasePath())
                    .isEqualTo("https://from-var.invalid:6443"));

    Files.createDirectories(home.resolve(".kube"));
    Files.copy(
        TestKubeconfig.write(tmp, "https://from-home.invalid:6443"), home.resolve(".kube/config"));
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SafeClientAutoConfiguration.class))
        .withPropertyValues(TestKubeconfig.isolated(home))
        .run(
            ctx ->
                assertThat(ctx.getBean(SafeClient.class).base().getBasePath())
                    .isEqualTo("https://from-home.invalid:6443"));
  }

  @Test
  void aUserApiClientBecomesTheBase() {
    runner
        .withUserConfiguration(UserBaseClient.class)
        .run(
            ctx -> {
              assertThat(ctx).doesNotHaveBean(SafeClientAutoConfiguration.BASE_API_CLIENT);
              SafeClient safe = ctx.getBean(SafeClient.class);
              assertThat(safe.base()).isSameAs(ctx.getBean("userBase"));
              assertThat(safe.config().tokenSource()).isNull();
              assertThat(ctx.getBean(ApiClient.class)).isSameAs(safe.apiClient());
            });
  }

  @Test
  void userBeansWin() {
    runner
        .withUserConfiguration(UserSafeClient.class)
        .run(
            ctx -> {
              assertThat(ctx).doesNotHaveBean(SafeClientAutoConfiguration.BASE_API_CLIENT);
              SafeClient safe = ctx.getBean(SafeClient.class);
              assertThat(safe).isSameAs(ctx.getBean("mySafeClient"));
              assertThat(ctx.getBean(ApiClient.class)).isSameAs(safe.apiClient());
              assertThat(ctx.getBean(SafeInformerFactory.class)).isSameAs(ctx.getBean("myFactory"));
            });
    runner
        .withUserConfiguration(UserPrimaryApiClient.class)
        .run(
            ctx -> {
              assertThat(ctx).doesNotHaveBean(SafeClientAutoConfiguration.SAFE_API_CLIENT);
              assertThat(ctx.getBean(ApiClient.class)).isSameAs(ctx.getBean("myPrimary"));
            });
  }

  @Test
  void aConnectionBeanReplacesTheKubeconfigLookup() {
    TokenSource credentials =
        new TokenSource() {
          @Override
          public String token() {
            return "t";
          }

          @Override
          public String refresh() {
            return "t2";
          }
        };
    ApiClient base = new ApiClient().setBasePath("https://given.invalid:6443");
    runner
        // The kubeconfig the runner names would fail the lookup if it ran.
        .withPropertyValues("safeclient.kubeconfig=" + tmp.resolve("absent"))
        .withBean(
            KubernetesConnection.class, () -> new KubernetesConnection(base, credentials, "test"))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              SafeClient safe = ctx.getBean(SafeClient.class);
              assertThat(safe.base()).isSameAs(base);
              assertThat(safe.config().tokenSource()).isSameAs(credentials);
            });
  }

  @Test
  void aUserTokenSourceAnswers401s() {
    TokenSource mine =
        new TokenSource() {
          @Override
          public String token() {
            return "t";
          }

          @Override
          public String refresh() {
            return "t2";
          }
        };
    runner
        .withBean(TokenSource.class, () -> mine)
        .run(
            ctx -> assertThat(ctx.getBean(SafeClient.class).config().tokenSource()).isSameAs(mine));
  }

  @Test
  void customizersRunAfterTheProperties() {
    runner
        .withPropertyValues("safeclient.qps=7")
        .withBean(SafeClientBuilderCustomizer.class, () -> b -> b.burst(3).maxInFlight(2))
        .run(
            ctx -> {
              SafeClientConfig c = ctx.getBean(SafeClient.class).config();
              assertThat(c.qps()).isEqualTo(7.0);
              assertThat(c.burst()).isEqualTo(3);
              assertThat(c.maxInFlight()).isEqualTo(2);
            });
  }

  @Test
  void breakerStatesForwardsEveryMetricsMethod() {
    // A SafeClientMetrics method BreakerStates does not override would be dropped silently.
    for (Method m : SafeClientMetrics.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      assertThat(
              Arrays.stream(BreakerStates.class.getDeclaredMethods())
                  .anyMatch(
                      d ->
                          d.getName().equals(m.getName())
                              && Arrays.equals(d.getParameterTypes(), m.getParameterTypes())))
          .as("BreakerStates overrides %s", m)
          .isTrue();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class UserBaseClient {
    @Bean
    ApiClient userBase() {
      return new ApiClient().setBasePath("https://user.invalid:6443");
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class UserSafeClient {
    @Bean
    SafeClient mySafeClient() {
      return SafeClient.wrap(new ApiClient().setBasePath("https://mine.invalid:6443"));
    }

    @Bean
    SafeInformerFactory myFactory(SafeClient safe) {
      return new SafeInformerFactory(safe);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class UserPrimaryApiClient {
    @Bean
    ApiClient userBase() {
      return new ApiClient().setBasePath("https://user.invalid:6443");
    }

    @Bean
    @Primary
    ApiClient myPrimary(SafeClient safe) {
      return safe.consistentApiClient();
    }
  }
}
