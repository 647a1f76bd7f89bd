package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.autoconfigure.availability.AvailabilityHealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.availability.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.info.InfoContributorAutoConfiguration;
import org.springframework.boot.actuate.health.CompositeHealth;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.HealthEndpointGroups;
import org.springframework.boot.actuate.health.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class ActuatorTest {
  private static final String NAME = InformerHealthIndicator.NAME;
  @TempDir Path tmp;
  private ApplicationContextRunner runner;

  @BeforeEach
  void setUp() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    runner =
        new ApplicationContextRunner()
            .withConfiguration(
                AutoConfigurations.of(
                    SafeClientAutoConfiguration.class,
                    SafeClientActuatorAutoConfiguration.class,
                    ApplicationAvailabilityAutoConfiguration.class,
                    AvailabilityHealthContributorAutoConfiguration.class,
                    AvailabilityProbesAutoConfiguration.class,
                    EndpointAutoConfiguration.class,
                    HealthContributorAutoConfiguration.class,
                    HealthEndpointAutoConfiguration.class,
                    InfoContributorAutoConfiguration.class))
            .withPropertyValues(TestKubeconfig.isolated(home))
            .withPropertyValues(
                "safeclient.kubeconfig=" + TestKubeconfig.write(tmp, "https://main.invalid:6443"),
                "management.endpoint.health.probes.enabled=true",
                "management.endpoint.health.show-details=always",
                "safeclient.informers[0].resource=pods",
                "safeclient.informers[1].resource=configmaps",
                "safeclient.informers[1].required=false")
            .withBean(FakeInformerFactory.class, FakeInformerFactory::new);
  }

  @Test
  void theInformerContributorIsInReadinessOnly() {
    runner.run(
        ctx -> {
          assertThat(ctx).hasNotFailed().hasBean("safeclientInformersHealthIndicator");
          HealthEndpointGroups groups = ctx.getBean(HealthEndpointGroups.class);
          assertThat(groups.get("readiness").isMember(NAME)).isTrue();
          assertThat(groups.get("readiness").isMember("readinessState")).isTrue();
          assertThat(groups.get("liveness").isMember(NAME)).isFalse();
          assertThat(groups.get("liveness").isMember("livenessState")).isTrue();
          // /actuator/health is often wired to a liveness probe: never there either.
          assertThat(groups.getPrimary().isMember(NAME)).isFalse();
          assertThat(groups.getPrimary().isMember("livenessState")).isTrue();

          acceptTraffic(ctx);
          HealthEndpoint endpoint = ctx.getBean(HealthEndpoint.class);
          assertThat(endpoint.healthForPath("liveness").getStatus()).isEqualTo(Status.UP);
          assertThat(components(endpoint.healthForPath("liveness"))).doesNotContainKey(NAME);
          assertThat(components(endpoint.health())).doesNotContainKey(NAME);
          assertThat(components(endpoint.healthForPath("readiness"))).containsKey(NAME);

          // The local-failure contributor goes the other way.
          String live = InformerLivenessIndicator.NAME;
          assertThat(groups.get("liveness").isMember(live)).isTrue();
          assertThat(groups.getPrimary().isMember(live)).isTrue();
          assertThat(groups.get("readiness").isMember(live)).isFalse();
        });
  }

  @Test
  void aLocalReflectorFailureIsToldApartFromAnApiOutage() {
    runner.run(
        ctx -> {
          acceptTraffic(ctx);
          HealthEndpoint endpoint = ctx.getBean(HealthEndpoint.class);
          FakeInformerFactory f = ctx.getBean(FakeInformerFactory.class);
          FakeInformerFactory.FakeState pods = f.state("pods");
          pods.synced = true;

          // An API-server outage: every replica sees it, none leaves its Service, none restarts.
          pods.watchConnected = false;
          pods.bookmarkSeen = true;
          pods.sinceLastEvent = Duration.ofHours(1);
          pods.staleness = Duration.ofHours(1);
          assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);
          assertThat(endpoint.healthForPath("liveness").getStatus()).isEqualTo(Status.UP);

          // This replica's reflector ran out of memory and is restarting: it is broken, not the
          // server. Out of the Service until it has relisted; not restarted yet.
          pods.localState = InformerHealth.LocalState.RESTARTING;
          pods.localFailures = 1;
          assertThat(endpoint.healthForPath("readiness").getStatus())
              .isEqualTo(Status.OUT_OF_SERVICE);
          assertThat(informerHealth(endpoint).getDetails().get("reasons").toString())
              .contains("pods: RESTARTING after 1 local failure(s)")
              .contains("OutOfMemoryError");
          assertThat(endpoint.healthForPath("liveness").getStatus()).isEqualTo(Status.UP);

          // It stopped for good after Errors in a row: liveness fails, so the kubelet restarts
          // this pod (paced by CrashLoopBackOff).
          pods.localState = InformerHealth.LocalState.STOPPED_ON_ERRORS;
          pods.localFailures = 3;
          assertThat(endpoint.healthForPath("liveness").getStatus()).isEqualTo(Status.DOWN);
          assertThat(endpoint.health().getStatus()).isEqualTo(Status.DOWN);
          assertThat(endpoint.healthForPath("readiness").getStatus())
              .isEqualTo(Status.OUT_OF_SERVICE);

          // A declared informer marked not required never fails either probe.
          pods.localState = InformerHealth.LocalState.RUNNING;
          f.state("configmaps").synced = true;
          f.state("configmaps").localState = InformerHealth.LocalState.STOPPED_ON_ERRORS;
          assertThat(endpoint.healthForPath("liveness").getStatus()).isEqualTo(Status.UP);
          assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);
        });
  }

  @Test
  void readinessIsOutOfServiceOnlyWhileARequiredInformerHasNeverSynced() {
    runner.run(
        ctx -> {
          acceptTraffic(ctx);
          HealthEndpoint endpoint = ctx.getBean(HealthEndpoint.class);
          FakeInformerFactory f = ctx.getBean(FakeInformerFactory.class);
          // configmaps is not required: its state never matters for readiness.
          assertThat(endpoint.healthForPath("readiness").getStatus())
              .isEqualTo(Status.OUT_OF_SERVICE);
          Health informers = informerHealth(endpoint);
          assertThat(informers.getDetails().get("reasons").toString())
              .contains("pods has never synced")
              .doesNotContain("configmaps");

          f.state("pods").synced = true;
          assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);

          // Then the API server goes away: the watch drops and nothing arrives for an hour. The
          // cache keeps serving; by default the pod stays in its Service.
          FakeInformerFactory.FakeState pods = f.state("pods");
          pods.bookmarkSeen = true;
          pods.watchConnected = false;
          pods.sinceLastEvent = Duration.ofHours(1);
          pods.staleness = Duration.ofHours(1);
          assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);
          @SuppressWarnings("unchecked")
          Map<String, Object> podDetail =
              (Map<String, Object>)
                  ((Map<String, Object>) informerHealth(endpoint).getDetails().get("informers"))
                      .get("pods");
          assertThat(podDetail)
              .containsEntry("staleness", "PT1H")
              .containsEntry("sinceLastEvent", "PT1H")
              .containsEntry("watchConnected", false)
              .containsEntry("synced", true);
          // Liveness never looks at informers.
          assertThat(endpoint.healthForPath("liveness").getStatus()).isEqualTo(Status.UP);
        });
  }

  @Test
  void stalenessTakesThePodOutOnlyWithTheOptIn() {
    runner
        .withPropertyValues("safeclient.health.readiness.staleness-threshold=5m")
        .run(
            ctx -> {
              acceptTraffic(ctx);
              HealthEndpoint endpoint = ctx.getBean(HealthEndpoint.class);
              FakeInformerFactory.FakeState pods =
                  ctx.getBean(FakeInformerFactory.class).state("pods");
              pods.synced = true;
              pods.sinceLastEvent = Duration.ofMinutes(10);
              // No bookmark ever seen (an etcd-served watch): staleness is not armed.
              assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);
              pods.bookmarkSeen = true;
              assertThat(endpoint.healthForPath("readiness").getStatus())
                  .isEqualTo(Status.OUT_OF_SERVICE);
              assertThat(informerHealth(endpoint).getDetails().get("reasons").toString())
                  .contains("pods stale for PT10M");
              pods.sinceLastEvent = Duration.ofMinutes(4);
              assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);
              assertThat(endpoint.healthForPath("liveness").getStatus()).isEqualTo(Status.UP);
            });
  }

  @Test
  void aLazyAppWithoutAClusterIsNotReadyAndSaysWhy() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                SafeClientAutoConfiguration.class,
                SafeClientActuatorAutoConfiguration.class,
                ApplicationAvailabilityAutoConfiguration.class,
                AvailabilityHealthContributorAutoConfiguration.class,
                AvailabilityProbesAutoConfiguration.class,
                EndpointAutoConfiguration.class,
                HealthContributorAutoConfiguration.class,
                HealthEndpointAutoConfiguration.class))
        .withPropertyValues(TestKubeconfig.isolated(tmp.resolve("home")))
        .withPropertyValues(
            "safeclient.lazy=true",
            "safeclient.informers[0].resource=pods",
            "management.endpoint.health.probes.enabled=true")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              acceptTraffic(ctx);
              HealthEndpoint endpoint = ctx.getBean(HealthEndpoint.class);
              assertThat(endpoint.healthForPath("readiness").getStatus())
                  .isEqualTo(Status.OUT_OF_SERVICE);
              Health informers = informerHealth(endpoint);
              assertThat(informers.getDetails().get("informers").toString())
                  .contains("registrationError")
                  .contains("No Kubernetes configuration found");
              assertThat(endpoint.healthForPath("liveness").getStatus()).isEqualTo(Status.UP);
            });
  }

  @Test
  void aStalenessThresholdUnderThreeMinutesIsRejected() {
    runner
        .withPropertyValues("safeclient.health.readiness.staleness-threshold=2m")
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(InvalidSafeClientPropertyException.class)
                    .hasMessageContaining(
                        "safeclient.health.readiness.staleness-threshold: it is 2m, below the"
                            + " minimum of 3m"));
    runner
        .withPropertyValues(
            "safeclient.health.readiness.staleness-threshold=2m",
            "safeclient.health.readiness.allow-short-staleness-threshold-for-tests=true")
        .run(ctx -> assertThat(ctx).hasNotFailed());
  }

  @Test
  void actuatorOffTheClasspathLeavesTheClientBeans() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                SafeClientAutoConfiguration.class, SafeClientActuatorAutoConfiguration.class))
        .withPropertyValues(TestKubeconfig.isolated(tmp.resolve("home")))
        .withPropertyValues(
            "safeclient.kubeconfig=" + TestKubeconfig.write(tmp, "https://main.invalid:6443"))
        .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().hasSingleBean(SafeClient.class);
              assertThat(ctx).doesNotHaveBean(HealthIndicator.class);
              assertThat(ctx).doesNotHaveBean(InfoContributor.class);
            });
  }

  @Test
  void theHealthIndicatorCanBeDisabled() {
    runner
        .withPropertyValues("management.health.safeclient-informers.enabled=false")
        .run(
            ctx -> {
              assertThat(ctx).doesNotHaveBean(InformerHealthIndicator.class);
              assertThat(ctx).hasSingleBean(SafeClientInfoContributor.class);
            });
  }

  @Test
  void theInfoContributorCanBeDisabled() {
    runner
        .withPropertyValues("management.info.safeclient.enabled=false")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().doesNotHaveBean(SafeClientInfoContributor.class);
              assertThat(ctx).hasSingleBean(InformerHealthIndicator.class);
            });
  }

  @Test
  void aUserBeanOfTheSameNameReplacesEachContributor() {
    HealthIndicator readiness = () -> Health.up().build();
    HealthIndicator liveness = () -> Health.up().build();
    HealthEndpointGroupsPostProcessor groups = g -> g;
    InfoContributor info = b -> b.withDetail("mine", true);
    runner
        .withBean("safeclientInformersHealthIndicator", HealthIndicator.class, () -> readiness)
        .withBean(
            "safeclientInformerLivenessHealthIndicator", HealthIndicator.class, () -> liveness)
        .withBean(
            "safeclientInformerReadinessGroup",
            HealthEndpointGroupsPostProcessor.class,
            () -> groups)
        .withBean("safeclientInfoContributor", InfoContributor.class, () -> info)
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx)
                  .doesNotHaveBean(InformerHealthIndicator.class)
                  .doesNotHaveBean(InformerLivenessIndicator.class)
                  .doesNotHaveBean(InformerReadinessGroup.class)
                  .doesNotHaveBean(SafeClientInfoContributor.class);
              assertThat(ctx.getBean("safeclientInformersHealthIndicator")).isSameAs(readiness);
              assertThat(ctx.getBean("safeclientInformerLivenessHealthIndicator"))
                  .isSameAs(liveness);
              assertThat(ctx.getBean("safeclientInformerReadinessGroup")).isSameAs(groups);
              assertThat(ctx.getBean("safeclientInfoContributor")).isSameAs(info);
            });
  }

  @Test
  void withoutTheClientAutoConfigurationThereAreNoContributors() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                SafeClientActuatorAutoConfiguration.class,
                HealthContributorAutoConfiguration.class,
                InfoContributorAutoConfiguration.class))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx)
                  .doesNotHaveBean(InformerHealthIndicator.class)
                  .doesNotHaveBean(InformerLivenessIndicator.class)
                  .doesNotHaveBean(InformerReadinessGroup.class)
                  .doesNotHaveBean(SafeClientInfoContributor.class);
            });
  }

  @Test
  void infoListsModeRulesAndBreakerState() {
    runner
        .withPropertyValues("safeclient.mode=STRICT", "safeclient.rules.SC106.mode=OBSERVE")
        .run(
            ctx -> {
              SafeClient safe = ctx.getBean(SafeClient.class);
              safe.config().metrics().breakerState("main.invalid/apps", "OPEN");
              Info.Builder b = new Info.Builder();
              ctx.getBean(SafeClientInfoContributor.class).contribute(b);
              @SuppressWarnings("unchecked")
              Map<String, Object> info = (Map<String, Object>) b.build().get("safeclient");
              assertThat(info).containsEntry("mode", "STRICT");
              assertThat(info).containsEntry("ruleModes", Map.of("SC106", "OBSERVE"));
              @SuppressWarnings("unchecked")
              Map<String, Object> breaker = (Map<String, Object>) info.get("breaker");
              assertThat(breaker)
                  .containsEntry("enabled", true)
                  .containsEntry("states", Map.of("main.invalid/apps", "OPEN"));
              assertThat(info.get("informers").toString()).contains("pods", "configmaps");
            });
  }

  private static void acceptTraffic(AssertableApplicationContext ctx) {
    AvailabilityChangeEvent.publish(ctx, LivenessState.CORRECT);
    AvailabilityChangeEvent.publish(ctx, ReadinessState.ACCEPTING_TRAFFIC);
  }

  private static Health informerHealth(HealthEndpoint endpoint) {
    return (Health) endpoint.healthForPath("readiness", NAME);
  }

  private static Map<String, HealthComponent> components(HealthComponent health) {
    return health instanceof CompositeHealth c ? c.getComponents() : Map.of();
  }
}
