package dev.safeclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.core.SafeClient;
import dev.safeclient.informer.InformerOptions;
import dev.safeclient.model.time.TimeSource;
import dev.safeclient.model.time.VirtualTimeSource;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesListObject;
import io.kubernetes.client.util.generic.dynamic.DynamicKubernetesObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class DeclaredInformersTest {
  @TempDir Path tmp;
  private ApplicationContextRunner runner;

  @BeforeEach
  void setUp() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    runner =
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SafeClientAutoConfiguration.class))
            .withPropertyValues(TestKubeconfig.isolated(home))
            .withPropertyValues(
                "safeclient.kubeconfig=" + TestKubeconfig.write(tmp, "https://main.invalid:6443"))
            .withBean(FakeInformerFactory.class, FakeInformerFactory::new);
  }

  @Test
  void aBuiltInResourceNeedsOnlyItsPluralAndGetsTheGlobalOptions() {
    runner
        .withPropertyValues(
            "safeclient.informers[0].resource=pods",
            "safeclient.informers[0].field-selector=spec.nodeName=node-a",
            "safeclient.informers[0].label-selector=app=web",
            "safeclient.informers[0].resync=30s",
            "safeclient.informers[1].resource=deployments",
            "safeclient.informers[1].namespace=prod",
            "safeclient.informer.start-jitter=0s",
            "safeclient.informer.strip-managed-fields=false",
            "safeclient.informer.watch-list=true")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              FakeInformerFactory f = ctx.getBean(FakeInformerFactory.class);
              assertThat(f.registrations).hasSize(2);
              FakeInformerFactory.Registration pods = f.registrations.get(0);
              assertThat(pods.type()).isEqualTo(V1Pod.class);
              assertThat(pods.listType()).isEqualTo(V1PodList.class);
              assertThat(pods.group()).isEmpty();
              assertThat(pods.version()).isEqualTo("v1");
              assertThat(pods.plural()).isEqualTo("pods");
              assertThat(pods.resyncMillis()).isEqualTo(30_000);
              InformerOptions o = pods.options();
              assertThat(o.fieldSelector()).isEqualTo("spec.nodeName=node-a");
              assertThat(o.labelSelector()).isEqualTo("app=web");
              assertThat(o.namespace()).isNull();
              assertThat(o.startJitter()).isEqualTo(Duration.ZERO);
              assertThat(o.stripManagedFields()).isFalse();
              assertThat(o.watchList()).isTrue();

              FakeInformerFactory.Registration deployments = f.registrations.get(1);
              assertThat(deployments.type()).isEqualTo(V1Deployment.class);
              assertThat(deployments.listType()).isEqualTo(V1DeploymentList.class);
              assertThat(deployments.group()).isEqualTo("apps");
              assertThat(deployments.version()).isEqualTo("v1");
              assertThat(deployments.options().namespace()).isEqualTo("prod");
              assertThat(deployments.options().fieldSelector()).isNull();

              DeclaredInformers declared = ctx.getBean(DeclaredInformers.class);
              assertThat(declared.all())
                  .extracting(DeclaredInformers.Declared::name)
                  .containsExactly("pods", "deployments");
              assertThat(declared.<V1Pod>informer("pods"))
                  .isSameAs(declared.all().iterator().next().informer());
            });
  }

  @Test
  void unsetOptionsKeepTheInformerModulesDefaults() {
    runner
        .withPropertyValues("safeclient.informers[0].resource=pods")
        .run(
            ctx -> {
              InformerOptions o =
                  ctx.getBean(FakeInformerFactory.class).registrations.get(0).options();
              InformerOptions defaults = InformerOptions.defaults();
              assertThat(o.startJitter()).isEqualTo(defaults.startJitter());
              assertThat(o.stripManagedFields()).isEqualTo(defaults.stripManagedFields());
              assertThat(o.watchList()).isEqualTo(defaults.watchList());
            });
  }

  @Test
  void otherResourcesNameTheirClasses() {
    runner
        .withPropertyValues(
            "safeclient.informers[0].resource=widgets",
            "safeclient.informers[0].group=example.com",
            "safeclient.informers[0].version=v1alpha1",
            "safeclient.informers[0].type=" + DynamicKubernetesObject.class.getName(),
            "safeclient.informers[0].list-type=" + DynamicKubernetesListObject.class.getName())
        .run(
            ctx -> {
              FakeInformerFactory.Registration r =
                  ctx.getBean(FakeInformerFactory.class).registrations.get(0);
              assertThat(r.type()).isEqualTo(DynamicKubernetesObject.class);
              assertThat(r.listType()).isEqualTo(DynamicKubernetesListObject.class);
              assertThat(r.group()).isEqualTo("example.com");
              assertThat(r.version()).isEqualTo("v1alpha1");
              assertThat(r.plural()).isEqualTo("widgets");
            });
  }

  @Test
  void badDeclarationsFailStartupClearly() {
    runner
        .withPropertyValues("safeclient.informers[0].resource=widgets")
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(InvalidSafeClientPropertyException.class)
                    .hasMessageContaining(
                        "safeclient.informers[0].resource: 'widgets' is not a built-in resource")
                    .extracting(e -> ((InvalidSafeClientPropertyException) e).action())
                    .asString()
                    .contains("set safeclient.informers[0].type, .list-type, .group and .version"));
    runner
        .withPropertyValues(
            "safeclient.informers[0].resource=widgets",
            "safeclient.informers[0].group=example.com",
            "safeclient.informers[0].version=v1",
            "safeclient.informers[0].type=java.lang.String",
            "safeclient.informers[0].list-type=" + DynamicKubernetesListObject.class.getName())
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining(
                        "safeclient.informers[0].type: java.lang.String does not implement"
                            + " io.kubernetes.client.common.KubernetesObject"));
    runner
        .withPropertyValues(
            "safeclient.informers[0].resource=pods", "safeclient.informers[1].resource=pods")
        .run(
            ctx ->
                assertThat(ctx)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("two informers are named 'pods'"));
  }

  @Test
  void startedAfterRefreshAndStoppedOnShutdown() {
    AtomicReference<FakeInformerFactory> factory = new AtomicReference<>();
    runner
        .withPropertyValues("safeclient.informers[0].resource=pods")
        .run(
            ctx -> {
              factory.set(ctx.getBean(FakeInformerFactory.class));
              assertThat(factory.get().starts).hasValue(1);
              assertThat(factory.get().stops).hasValue(0);
              assertThat(ctx.getBean(DeclaredInformers.class).isRunning()).isTrue();
            });
    assertThat(factory.get().stops).hasValue(1);
    // And the context's own close of an AutoCloseable bean, after.
    assertThat(factory.get().closes).hasValue(1);
  }

  @Test
  void withoutDeclaredInformersTheFactoryIsLeftToTheApp() {
    AtomicReference<FakeInformerFactory> factory = new AtomicReference<>();
    runner.run(ctx -> factory.set(ctx.getBean(FakeInformerFactory.class)));
    assertThat(factory.get().starts).hasValue(0);
    // The starter leaves it alone; the application's context closes its AutoCloseable bean.
    assertThat(factory.get().stops).hasValue(0);
    assertThat(factory.get().closes).hasValue(1);
  }

  @Test
  void anInformerThatDoesNotSyncInTimeIsReportedNotWaitedFor() {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    runner
        .withBean(TimeSource.class, () -> clock)
        .withPropertyValues(
            "safeclient.informers[0].resource=pods",
            "safeclient.informers[1].resource=nodes",
            "safeclient.informer.sync-timeout=2m")
        .run(
            ctx -> {
              // The context started although nothing has synced.
              assertThat(ctx).hasNotFailed();
              // The user's clock is the client's, and the sync timeout runs on it.
              assertThat(ctx.getBean(SafeClient.class).config().clock()).isSameAs(clock);
              FakeInformerFactory f = ctx.getBean(FakeInformerFactory.class);
              f.state("nodes").synced = true;
              DeclaredInformers declared = ctx.getBean(DeclaredInformers.class);
              DeclaredInformers.Declared pods = declared.all().iterator().next();
              DeclaredInformers.Declared nodes = List.copyOf(declared.all()).get(1);

              clock.advance(Duration.ofMinutes(2).minusMillis(1));
              assertThat(declared.syncOverdueReported()).isFalse();
              assertThat(declared.syncOverdue(pods)).isFalse();

              // The report runs on the thread that moves the clock past the timeout.
              clock.advance(Duration.ofMillis(1));
              assertThat(declared.syncOverdueReported()).isTrue();
              assertThat(declared.syncOverdue(pods)).isTrue();
              assertThat(declared.syncOverdue(nodes)).isFalse();
            });
  }

  @Test
  void aLazyAppsOwnFactoryStartsItsInformersWithoutAClient() throws Exception {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SafeClientAutoConfiguration.class))
        .withPropertyValues(TestKubeconfig.isolated(Files.createDirectories(tmp.resolve("empty"))))
        .withPropertyValues("safeclient.lazy=true", "safeclient.informers[0].resource=pods")
        .withBean(FakeInformerFactory.class, FakeInformerFactory::new)
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx.getBean(FakeInformerFactory.class).starts).hasValue(1);
              assertThat(ctx.getBean(DeclaredInformers.class).registrationFailure()).isEmpty();
            });
  }

  @Test
  void stoppingCancelsTheSyncTimeoutReport() {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    AtomicReference<DeclaredInformers> declared = new AtomicReference<>();
    runner
        .withBean(TimeSource.class, () -> clock)
        .withPropertyValues("safeclient.informers[0].resource=pods")
        .run(
            ctx -> {
              declared.set(ctx.getBean(DeclaredInformers.class));
              assertThat(clock.pendingTimers()).isEqualTo(1);
            });
    assertThat(clock.pendingTimers()).isZero();
    clock.advance(Duration.ofMinutes(5));
    assertThat(declared.get().syncOverdueReported()).isFalse();
  }
}
